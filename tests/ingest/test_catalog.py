"""The corpus catalog: a valid one loads; every inconsistency names the file and the field."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import CorpusError
from assistant.ingest.catalog import (
    CATALOG_NAME,
    load_catalog,
    load_documents,
    meta_to_json,
    read_text,
    save_catalog,
)
from tests.ingest.documents import CORPUS

TEXT = "1. Inledning\nRegionen ansvarar för abstinensvård.\n"


def entry(doc_id: str, **changes: Any) -> dict[str, Any]:
    """A valid catalog entry, with some fields replaced."""
    base: dict[str, Any] = {
        "id": doc_id,
        "title": f"Överenskommelse {doc_id}",
        "region": "Värmland",
        "parties": ["Region Värmland", "Värmlands kommuner"],
        "target_groups": ["psykisk funktionsnedsättning"],
        "age_scope": "vuxna från 18 år",
        "kind": "överenskommelse",
        "valid_from": "2024-01-01",
        "valid_to": None,
        "extension": None,
        "draft": False,
        "source": f"{doc_id}.txt",
        "identity": None,
    }
    base.update(changes)
    return base


def write_corpus(folder: Path, entries: list[Any], texts: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CATALOG_NAME).write_text(
        json.dumps({"documents": entries}, ensure_ascii=False), encoding="utf-8"
    )
    for name in texts:
        (folder / name).write_text(TEXT, encoding="utf-8")
    return folder


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A valid corpus of two agreements."""
    return write_corpus(
        tmp_path / "corpus", [entry("alfa"), entry("beta")], ["alfa.txt", "beta.txt"]
    )


def test_a_valid_corpus_loads(corpus_dir: Path) -> None:
    catalog = load_catalog(corpus_dir)
    assert list(catalog) == ["alfa", "beta"]
    assert catalog["alfa"].valid_from == date(2024, 1, 1)
    assert catalog["alfa"].parties == ("Region Värmland", "Värmlands kommuner")
    docs = load_documents(corpus_dir, ["beta"])
    assert [d.id for d in docs] == ["beta"]
    assert "Regionen ansvarar för abstinensvård." in docs[0].text


def test_the_bundled_catalog_describes_exactly_the_bundled_texts() -> None:
    catalog = load_catalog(CORPUS)
    assert sorted(catalog) == sorted(p.stem for p in CORPUS.glob("*.txt"))
    assert catalog["skr-stod-samverkansoverenskommelser"].region is None
    assert catalog["varmland-psykisk-funktionsnedsattning-beroende"].valid_to == date(2028, 2, 24)


def test_a_text_without_an_entry_is_named(corpus_dir: Path) -> None:
    (corpus_dir / "gamma.txt").write_text(TEXT, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"gamma\.txt.*saknar post i catalog\.json"):
        load_catalog(corpus_dir)


def test_an_entry_without_a_text_is_named(corpus_dir: Path) -> None:
    (corpus_dir / "beta.txt").unlink()
    with pytest.raises(CorpusError, match=r"beta\.txt: texten för 'beta' saknas"):
        load_catalog(corpus_dir)


def test_a_missing_catalog_is_named(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"catalog\.json: katalogen saknas"):
        load_catalog(tmp_path)


def test_a_catalog_that_is_not_json_is_named(corpus_dir: Path) -> None:
    (corpus_dir / CATALOG_NAME).write_text('{"documents": [', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"catalog\.json: ogiltig JSON"):
        load_catalog(corpus_dir)


@pytest.mark.parametrize("body", [[], {"documents": {}}, {"dokument": []}])
def test_a_catalog_without_a_list_of_documents_is_named(corpus_dir: Path, body: Any) -> None:
    (corpus_dir / CATALOG_NAME).write_text(json.dumps(body), encoding="utf-8")
    with pytest.raises(CorpusError, match=r"catalog\.json: fältet 'documents'"):
        load_catalog(corpus_dir)


REQUIRED = (
    "id", "title", "region", "parties", "target_groups", "age_scope", "kind",
    "valid_from", "valid_to", "extension", "draft", "source",
)


@pytest.mark.parametrize("field", REQUIRED)
def test_a_missing_field_is_named(tmp_path: Path, field: str) -> None:
    broken = entry("beta")
    del broken[field]
    folder = write_corpus(tmp_path / "c", [entry("alfa"), broken], ["alfa.txt", "beta.txt"])
    with pytest.raises(CorpusError, match=rf"catalog\.json post 2.*fältet '{field}' saknas"):
        load_catalog(folder)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("id", "Beta Två", "får bara innehålla"),
        ("id", "", "icke-tom text"),
        ("title", "  ", "icke-tom text"),
        ("title", 42, "icke-tom text"),
        ("region", 7, "icke-tom text"),
        ("parties", [], "icke-tom lista"),
        ("parties", "Region Värmland", "icke-tom lista"),
        ("parties", ["Region Värmland", ""], "icke-tom lista"),
        ("target_groups", ["äldre"], "okänd målgrupp \"äldre\"; tillåtna målgrupper: psykisk"),
        ("target_groups", [], "icke-tom lista"),
        ("age_scope", None, "icke-tom text"),
        ("kind", "avtal", "måste vara ett av"),
        ("valid_from", "2024-13-01", "ogiltigt datum"),
        ("valid_from", "1 januari 2024", "ogiltigt datum"),
        ("valid_to", 2028, "ÅÅÅÅ-MM-DD"),
        ("valid_to", "2023-12-31", "ligger före valid_from"),
        ("draft", "nej", "true eller false"),
        ("source", "texter/beta.txt", "måste vara ett filnamn"),
        ("source", "gamma.txt", "måste vara 'beta.txt'"),
        ("identity", ["RIK-1"], "icke-tom text"),
        ("source_url", "javascript:alert(1)", "http:// eller https://"),
        ("source_url", "data:text/html,<b>x</b>", "http:// eller https://"),
        ("source_url", "https://", "fullständig webbadress"),
        ("source_url", 17, "icke-tom text"),
        ("short_title", "  ", "icke-tom text"),
        ("short_title", "Värmland – " + "psykisk funktionsnedsättning " * 3, "högst 60 tecken"),
        ("short_title", "Värmland –\npsykisk ohälsa", "på en rad"),
        ("short_title", ["Värmland"], "en text eller utelämnas"),
    ],
)
def test_a_malformed_field_is_named(tmp_path: Path, field: str, value: Any, problem: str) -> None:
    broken = entry("beta", **{field: value})
    folder = write_corpus(tmp_path / "c", [entry("alfa"), broken], ["alfa.txt", "beta.txt"])
    with pytest.raises(CorpusError) as caught:
        load_catalog(folder)
    message = caught.value.message
    assert "catalog.json post 2" in message
    assert f"'{field}'" in message and problem in message
    assert caught.value.status == 500 and caught.value.code == "bad_corpus"


def test_an_entry_that_is_not_an_object_is_named(tmp_path: Path) -> None:
    folder = write_corpus(tmp_path / "c", [entry("alfa"), "beta"], ["alfa.txt"])
    with pytest.raises(CorpusError, match=r"catalog\.json post 2: posten måste vara ett objekt"):
        load_catalog(folder)


def test_a_repeated_id_is_named(tmp_path: Path) -> None:
    folder = write_corpus(tmp_path / "c", [entry("alfa"), entry("alfa")], ["alfa.txt"])
    with pytest.raises(CorpusError, match=r"catalog\.json post 2: id 'alfa' finns redan"):
        load_catalog(folder)


def test_an_unknown_document_id_is_named(corpus_dir: Path) -> None:
    with pytest.raises(CorpusError, match="okänt dokument-id: gamma"):
        load_documents(corpus_dir, ["alfa", "gamma"])


def test_a_text_that_is_not_utf8_is_named(corpus_dir: Path) -> None:
    (corpus_dir / "beta.txt").write_bytes("Överenskommelse".encode("latin-1"))
    meta = load_catalog(corpus_dir)["beta"]
    with pytest.raises(CorpusError, match=r"beta\.txt: texten är inte giltig UTF-8"):
        read_text(corpus_dir, meta)


def test_a_saved_catalog_loads_as_it_was(corpus_dir: Path) -> None:
    catalog = load_catalog(corpus_dir)
    (corpus_dir / CATALOG_NAME).unlink()
    save_catalog(corpus_dir, catalog)
    assert load_catalog(corpus_dir) == catalog
    assert not list(corpus_dir.glob(".*.tmp"))  # the atomic write left nothing behind


def test_a_source_url_is_kept_and_an_absent_one_is_not_written(corpus_dir: Path) -> None:
    url = "http://www.regiondalarna.se/avtal.pdf"
    entries = json.loads((corpus_dir / CATALOG_NAME).read_text(encoding="utf-8"))["documents"]
    entries[0]["source_url"] = url
    (corpus_dir / CATALOG_NAME).write_text(json.dumps({"documents": entries}), encoding="utf-8")
    catalog = load_catalog(corpus_dir)
    assert [m.source_url for m in catalog.values()] == [url, None]
    assert meta_to_json(catalog["alfa"])["source_url"] == url
    assert "source_url" not in meta_to_json(catalog["beta"])


def test_a_short_title_is_kept_and_an_absent_one_is_derived_but_not_written(
    corpus_dir: Path,
) -> None:
    entries = json.loads((corpus_dir / CATALOG_NAME).read_text(encoding="utf-8"))["documents"]
    entries[0]["short_title"] = "  Värmland –  psykisk funktionsnedsättning 2024 "
    entries[1]["valid_from"] = None
    (corpus_dir / CATALOG_NAME).write_text(json.dumps({"documents": entries}), encoding="utf-8")
    catalog = load_catalog(corpus_dir)
    alfa, beta = catalog["alfa"], catalog["beta"]
    assert alfa.short_title == alfa.short_name == "Värmland – psykisk funktionsnedsättning 2024"
    # None given: region – first target group, and the year only where the entry has one.
    assert beta.short_title is None
    assert beta.short_name == "Värmland – psykisk funktionsnedsättning"
    assert meta_to_json(alfa)["short_title"] == alfa.short_title
    assert "short_title" not in meta_to_json(beta)  # the derived one is never written back
    save_catalog(corpus_dir, catalog)
    assert load_catalog(corpus_dir) == catalog


def test_the_bundled_agreements_have_distinct_short_titles_of_their_own() -> None:
    catalog = load_catalog(CORPUS)
    names = {doc_id: meta.short_title for doc_id, meta in catalog.items()}
    assert names == {
        "varmland-psykisk-funktionsnedsattning-beroende":
            "Värmland – psykisk funktionsnedsättning och beroende",
        "vastmanland-psykisk-ohalsa-vuxna": "Västmanland – vuxnas psykiska ohälsa och beroende",
        "dalarna-psykisk-funktionsnedsattning": "Dalarna – psykisk funktionsnedsättning 2021",
        "dalarna-missbruk-beroende": "Dalarna – missbruk och beroende 2021",
        "skr-stod-samverkansoverenskommelser": "SKR – stöd för samverkansöverenskommelser 2020",
    }
    # Each one's year is the year its validity starts, where the catalog has one.
    for meta in catalog.values():
        if meta.valid_from:
            assert meta.short_name.endswith(str(meta.valid_from.year))
