"""The search layer: a question → the passages it is answered from.

    query      the question analysed once (Query): cleaned, places, stripped, BM25's text
    regions    län and kommuner named in Swedish text (the only place names list)
    retrieval  filters (region, documents, target group, validity), dense + BM25, fusion,
               overlaps removed
    rerank     the pool reordered by each passage's best sentence (numbers the answer
               layer reads; no sentence reading here)

May import: models, errors, settings, text and the index layer.
"""
