"""The answer layer: passages → an Answer with citations, party, warnings, or a decline.

    sentences          quotable sentences and list items of a passage (with lead-ins)
    parties            who a sentence makes responsible; what a question asks of whom
    matching           a question's weighted terms and how much of them a unit holds
    scoring            each sentence read once per passage (Engine) and per question;
                       the support score the decline rule reads
    statement_answers  the statements that answer a who-does-what question
    weights            every tuned number (Weights), carried by the Engine
    validity           catalog dates → status and answer warnings
    compose            the extractive answer: per region, never blended; the decline
    generation         optional generated wording, checked against the citations

May import: models, errors, settings, text, morphology, the index and search layers.
"""
