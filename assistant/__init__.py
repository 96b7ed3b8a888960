"""The agreement assistant: answers Swedish questions from samverkansöverenskommelser.

The layers, each a folder, each importing only those before it (DESIGN.md, "House style"):

    ingest/    files → Documents: catalog, add (ingestion), extract/ (pdf, docx, text), normalise/
    index/     Documents → the index: chunking, embedding, vectors (FAISS), lexical (BM25),
               statements/ (who does what), build (build, load, check)
    search/    a question → passages: query (analysed once), regions, retrieval, rerank
    answer/    passages → an Answer: sentences, parties, scoring, matching, statements,
               weights (every tuned number), compose (and the decline rule), validity, generation
    pipeline   ask(engine, question) → Outcome(retrieval, answer, support): the one ask path
    channels/  common (region, recording), http/ (API, widget, pages), teams/, cli
    evals/ bench/  `assistant eval` and `assistant bench`

Beside them: models (our dataclasses), errors (the one error tree), settings (the one
settings object), text (fold, clean, the question limit), morphology (Swedish lemmas and
compound parts), store (answers and feedback) and redaction (personal data out).

The public API below is imported lazily, so `import assistant` loads no model and no index.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "AssistantError",
    "Citation",
    "Engine",
    "Outcome",
    "Responsibility",
    "Settings",
    "Weights",
    "ask",
    "load_engine",
    "load_settings",
]

_HOMES = {
    "Answer": "assistant.models",
    "Citation": "assistant.models",
    "Responsibility": "assistant.models",
    "AssistantError": "assistant.errors",
    "Engine": "assistant.pipeline",
    "Outcome": "assistant.pipeline",
    "ask": "assistant.pipeline",
    "load_engine": "assistant.pipeline",
    "Settings": "assistant.settings",
    "load_settings": "assistant.settings",
    "Weights": "assistant.answer.weights",
}

if TYPE_CHECKING:
    from assistant.answer.weights import Weights
    from assistant.errors import AssistantError
    from assistant.models import Answer, Citation, Responsibility
    from assistant.pipeline import Engine, Outcome, ask, load_engine
    from assistant.settings import Settings, load_settings


def __getattr__(name: str) -> Any:
    """The public names, imported on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
