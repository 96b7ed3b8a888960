"""A small synthetic corpus (four agreements and national guidance) and an index of it
built with the fake embedder, for the retrieval and pipeline tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.index import build as index_module
from assistant.index.build import LoadedIndex
from assistant.ingest.catalog import parse_entry
from assistant.ingest.normalise import normalise
from assistant.models import Document
from assistant.settings import Settings, load_settings
from tests.fakes import FakeEmbedder

EXTENSION = (
    "Om en revidering har påbörjats innan giltighetstiden löper ut förlängs "
    "överenskommelsen automatiskt med 12 månader."
)

# Four documents: one agreement per covered county plus national guidance. The regions
# disagree on boendestöd on purpose, so that an answer mixing them would be visible.
DOCUMENTS: dict[str, dict[str, Any]] = {
    "varmland-test": {
        "region": "Värmland",
        "target_groups": ["missbruk och beroende"],
        "valid_from": "2023-02-24",
        "valid_to": "2028-02-24",
        "text": (
            "1. Inledning\n\n"
            "Överenskommelsen gäller samverkan mellan Region Värmland och kommunerna kring "
            "personer med skadligt bruk och beroende.\n\n"
            "2. Regionens ansvar\n\n"
            "Regionen ansvarar för abstinensvård och tillnyktring vid beroende av alkohol. "
            "Regionen erbjuder läkemedelsassisterad behandling vid opioidberoende.\n\n"
            "3. Kommunens ansvar\n\n"
            "Kommunen ansvarar för boendestöd i den egna bostaden. Socialtjänsten ansvarar "
            "för sysselsättning och stöd till arbete.\n"
        ),
    },
    "dalarna-test": {
        "region": "Dalarna",
        "target_groups": ["psykisk funktionsnedsättning"],
        "valid_from": "2021-07-01",
        "valid_to": "2024-06-30",
        "extension": EXTENSION,
        "draft": True,
        "text": (
            "1. Inledning\n\n"
            "Överenskommelsen gäller personer med psykisk funktionsnedsättning i Dalarna "
            "från 18 år.\n\n"
            "2. Ansvarsfördelning\n\n"
            "Regionen ansvarar för boendestöd under de första veckorna efter utskrivning "
            "från slutenvården. Regionen ansvarar för psykiatrisk behandling.\n\n"
            "3. Giltighetstid\n\n"
            "Överenskommelsen gäller från 2021-07-01 till och med 2024-06-30.\n"
        ),
    },
    "vastmanland-test": {
        "region": "Västmanland",
        "target_groups": ["missbruk och beroende", "psykisk ohälsa"],
        "text": (
            "1. Inledning\n\n"
            "Överenskommelsen gäller vuxna med psykisk ohälsa, skadligt bruk och beroende "
            "i Västmanland.\n\n"
            "2. Ansvar\n\n"
            "Kommunen och regionen har ett gemensamt ansvar för boendestöd till personer "
            "med samsjuklighet. Abstinensvård ges av regionens beroendevård.\n"
        ),
    },
    "nationell-test": {
        "region": None,
        "kind": "vägledning",
        "target_groups": ["missbruk och beroende", "psykisk funktionsnedsättning"],
        "text": (
            "1. Om vägledningen\n\n"
            "Vägledningen beskriver hur kommuner och regioner skriver överenskommelser om "
            "abstinensvård, boendestöd och samordnad individuell plan.\n"
        ),
    },
}

# One long section, cut with a small chunk size and a large overlap, so that neighbouring
# passages share sentences.
OVERLAP_TEXT = (
    "1. Samordnad individuell plan\n\n"
    + " ".join(
        f"Kallelse till samordnad individuell plan nummer {n} skickas i tid."
        for n in range(1, 16)
    )
    + "\n"
)


def catalog_entry(doc_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A complete catalog entry for a synthetic document."""
    region = spec.get("region")
    return {
        "id": doc_id,
        "title": f"Testöverenskommelse {doc_id}",
        "region": region,
        "parties": [f"Region {region}", "Kommunerna i länet"] if region else ["SKR"],
        "target_groups": spec.get("target_groups", []),
        "age_scope": "vuxna",
        "kind": spec.get("kind", "överenskommelse"),
        "valid_from": spec.get("valid_from"),
        "valid_to": spec.get("valid_to"),
        "extension": spec.get("extension"),
        "draft": spec.get("draft", False),
        "source": f"{doc_id}.txt",
        "identity": None,
    }


def write_corpus(folder: Path, documents: dict[str, dict[str, Any]]) -> None:
    """Write texts and catalog.json for the given synthetic documents."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, spec in documents.items():
        (folder / f"{doc_id}.txt").write_text(spec["text"], encoding="utf-8")
    catalog = {"documents": [catalog_entry(d, s) for d, s in documents.items()]}
    (folder / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False), "utf-8")


def build_test_index(
    root: Path,
    documents: dict[str, dict[str, Any]] = DOCUMENTS,
    *,
    chunk_size: int = 400,
    chunk_overlap: int = 0,
    **overrides: Any,
) -> tuple[Settings, LoadedIndex, FakeEmbedder]:
    """Build and load an index of the documents under `root` with the fake embedder."""
    write_corpus(root / "corpus", documents)
    settings = load_settings(
        {},
        corpus_dir=root / "corpus",
        index_dir=root / "index",
        data_dir=root / "data",
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        **overrides,
    )
    embedder = FakeEmbedder()
    index_module.build_index(settings, embedder, progress=False)
    return settings, index_module.load_index(settings, embedder), embedder


def add_agreement(
    corpus: Path, doc_id: str, text: str, *, title: str, valid_from: str | None = None
) -> None:
    """A new Uppsala agreement in a corpus folder, as `assistant ingest` would leave it."""
    (corpus / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    catalog = json.loads((corpus / "catalog.json").read_text(encoding="utf-8"))
    catalog["documents"].append(
        {
            "id": doc_id,
            "title": title,
            "region": "Uppsala",
            "parties": ["Region Uppsala", "Kommunerna i Uppsala län"],
            "target_groups": ["psykisk funktionsnedsättning"],
            "age_scope": "vuxna",
            "kind": "överenskommelse",
            "valid_from": valid_from,
            "valid_to": None,
            "extension": None,
            "draft": False,
            "source": f"{doc_id}.txt",
            "identity": None,
        }
    )
    (corpus / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False), "utf-8")


def normalised(text: str, doc_id: str = "test", region: str = "Dalarna") -> Document:
    """One agreement text, normalised as ingestion does (a catalog entry made up for it)."""
    meta = parse_entry(
        {
            "id": doc_id, "title": "Överenskommelse om samverkan", "region": region,
            "parties": [f"Region {region}", "Kommunerna"],
            "target_groups": ["missbruk och beroende"], "age_scope": "vuxna",
            "kind": "överenskommelse", "valid_from": "2024-01-01", "valid_to": None,
            "extension": None, "draft": False, "source": f"{doc_id}.txt", "identity": None,
        },
        doc_id,
    )
    return normalise(meta, text)
