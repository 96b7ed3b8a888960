"""Ingestion into a temporary corpus: what is written on success, and nothing on failure."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.channels.cli import app
from assistant.errors import AssistantError, CorpusError, IngestError, InputError
from assistant.index.chunking import chunk_document
from assistant.ingest import add as ingestion
from assistant.ingest.add import LAN, canonical_region, ingest_file
from assistant.ingest.catalog import load_catalog, load_documents
from assistant.ingest.extract import PAGE_BREAK
from assistant.models import Document, DocumentMeta
from assistant.settings import Settings, load_settings
from tests.ingest.documents import PAGE_SENTENCES, make_docx, make_image_pdf, make_pdf

TEXT = (
    "1. Inledning\n"
    "Överenskommelsen gäller för vuxna i Örebro län.\n"
    "\n"
    "2. Ansvar\n"
    "Regionen ansvarar för abstinensvård.\n"
)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder (hidden ones too) with its bytes."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({}, corpus_dir=tmp_path / "corpus")


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "orebro.txt"
    path.parent.mkdir()
    path.write_text(TEXT, encoding="utf-8")
    return path


def fields(**changes: Any) -> dict[str, Any]:
    """Valid keyword arguments for ingest_file, with some replaced."""
    base: dict[str, Any] = {
        "doc_id": "orebro-psykisk-ohalsa",
        "title": "Överenskommelse om samverkan i Örebro län",
        "region": "Örebro",
        "parties": [],
        "target_groups": ["psykisk ohälsa"],
        "age_scope": "vuxna från 18 år",
        "kind": "överenskommelse",
        "valid_from": "2024-01-01",
        "valid_to": None,
        "extension": None,
        "draft": False,
    }
    base.update(changes)
    return base


VARMLAND_TEXT = (
    "1. Inledning\n"
    "Överenskommelsen gäller för vuxna i Värmland.\n"
    "\n"
    "2. Ansvar\n"
    "Kommunen ansvarar för boendestöd.\n"
)


@pytest.fixture
def existing(settings: Settings, tmp_path: Path) -> DocumentMeta:
    """A corpus that already holds one agreement (another text than `source`)."""
    path = tmp_path / "in-befintlig" / "varmland.txt"
    path.parent.mkdir()
    path.write_text(VARMLAND_TEXT, encoding="utf-8")
    return ingest_file(settings, path, **fields(doc_id="befintlig", region="Värmland")).meta


def test_ingest_text_writes_text_and_entry(settings: Settings, source: Path) -> None:
    meta = ingest_file(settings, source, **fields()).meta
    assert meta.source == "orebro-psykisk-ohalsa.txt"
    assert meta.region == "Örebro"
    assert meta.parties == ("Region Örebro län", "kommunerna i Örebro län")
    stored = settings.corpus_dir / meta.source
    assert stored.read_text(encoding="utf-8") == TEXT
    assert load_catalog(settings.corpus_dir) == {meta.id: meta}
    entry = json.loads((settings.corpus_dir / "catalog.json").read_text(encoding="utf-8"))
    assert entry["documents"][0]["valid_from"] == "2024-01-01"
    assert sorted(snapshot(settings.corpus_dir)) == ["catalog.json", meta.source]
    (doc,) = load_documents(settings.corpus_dir)
    assert doc.blocks


def test_ingest_pdf_keeps_one_form_feed_per_page_break(settings: Settings, tmp_path: Path) -> None:
    meta = ingest_file(settings, make_pdf(tmp_path / "avtal.pdf"), **fields()).meta
    stored = (settings.corpus_dir / meta.source).read_text(encoding="utf-8")
    assert stored.count(PAGE_BREAK) == 3
    assert PAGE_SENTENCES[3] in " ".join(stored.split(PAGE_BREAK)[3].split())


def test_ingest_docx(settings: Settings, tmp_path: Path) -> None:
    meta = ingest_file(settings, make_docx(tmp_path / "avtal.docx"), **fields()).meta
    stored = (settings.corpus_dir / meta.source).read_text(encoding="utf-8")
    assert "Regionen ansvarar för:\n• abstinensvård\n" in stored


def test_new_document_is_appended_to_existing_catalog(
    settings: Settings, source: Path, existing: DocumentMeta
) -> None:
    meta = ingest_file(settings, source, **fields()).meta
    assert list(load_catalog(settings.corpus_dir)) == [existing.id, meta.id]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("Värmland", "Värmland"), ("värmlands län", "Värmland"), ("Region  Västra götaland",
     "Västra Götaland"), ("Skåne län", "Skåne"), (None, None), ("  ", None)],
)
def test_region_names(given: str | None, expected: str | None) -> None:
    assert canonical_region(given) == expected


def test_there_are_21_lan() -> None:
    assert len(LAN) == 21
    assert all(full.endswith(" län") for full in LAN.values())


def test_national_text_needs_a_party(settings: Settings, source: Path) -> None:
    with pytest.raises(InputError, match="--party"):
        ingest_file(settings, source, **fields(region=None))
    meta = ingest_file(
        settings, source, **fields(region=None, kind="vägledning", parties=["Socialstyrelsen"])
    ).meta
    assert meta.region is None
    assert meta.parties == ("Socialstyrelsen",)


def test_explicit_parties_and_optional_fields(settings: Settings, source: Path) -> None:
    meta = ingest_file(
        settings, source,
        **fields(parties=["Region Örebro län", "Örebros 12 kommuner"], valid_to="2027-12-31",
                 extension="Förlängs med ett år i taget.", draft=True, identity="Dnr 1"),
    ).meta
    assert meta.parties == ("Region Örebro län", "Örebros 12 kommuner")
    assert (meta.valid_to.isoformat() if meta.valid_to else None) == "2027-12-31"
    assert meta.extension == "Förlängs med ett år i taget."
    assert meta.draft is True
    assert meta.identity == "Dnr 1"


def test_replace_swaps_text_and_entry_in_place(
    settings: Settings, source: Path, existing: DocumentMeta, tmp_path: Path
) -> None:
    ingest_file(settings, source, **fields(doc_id="sist"))
    newer = tmp_path / "ny.txt"
    newer.write_text("1. Nytt\nKommunen ansvarar för allt.\n", encoding="utf-8")
    meta = ingest_file(
        settings, newer, replace=True,
        **fields(doc_id=existing.id, title="Reviderad", region="Värmland"),
    ).meta
    catalog = load_catalog(settings.corpus_dir)
    assert list(catalog) == [existing.id, "sist"]
    assert catalog[existing.id] == meta
    assert catalog[existing.id].title == "Reviderad"
    assert (settings.corpus_dir / meta.source).read_text(encoding="utf-8") == newer.read_text(
        encoding="utf-8"
    )


def test_replace_of_unknown_id_adds_it(settings: Settings, source: Path) -> None:
    meta = ingest_file(settings, source, replace=True, **fields()).meta
    assert list(load_catalog(settings.corpus_dir)) == [meta.id]


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return make


def _good(folder: Path) -> Path:
    return _write("bra.txt", TEXT.encode())(folder)


# Each case: a file maker, field changes, the error type and a fragment of its message.
FAILURES: dict[str, tuple[Callable[[Path], Path], dict[str, Any], type[AssistantError], str]] = {
    "empty file": (_write("tom.txt", b""), {}, IngestError, "tom"),
    "binary file": (_write("data.txt", b"abc\x00\x01\x02"), {}, IngestError, "binär"),
    "not utf-8": (_write("latin.txt", "Överens".encode("latin-1")), {}, IngestError, "UTF-8"),
    "unsupported type": (_write("avtal.rtf", b"{\\rtf1}"), {}, IngestError, "stöds inte"),
    "image-only pdf": (lambda d: make_image_pdf(d / "skannad.pdf"), {}, IngestError, "OCR"),
    "corrupt pdf": (_write("trasig.pdf", b"%PDF-1.7\n\x00\xff garbage"), {}, IngestError, "PDF"),
    "missing file": (lambda d: d / "saknas.txt", {}, IngestError, "finns inte"),
    # The file is named first, before fields that are wrong as well.
    "missing file, bad fields": (lambda d: d / "saknas.txt",
                                 {"region": None, "target_groups": ["alla"], "kind": "avtal"},
                                 IngestError, "Filen finns inte: "),
    "duplicate id": (_good, {"doc_id": "befintlig"}, InputError, "--replace"),
    "bad kind": (_good, {"kind": "avtal"}, InputError, "kind"),
    "bad date": (_good, {"valid_from": "2024-13-01"}, InputError, "valid_from"),
    "not a date": (_good, {"valid_to": "snart"}, InputError, "valid_to"),
    "ends before start": (_good, {"valid_to": "2023-01-01"}, InputError, "före"),
    "unknown region": (_good, {"region": "Narnia"}, InputError, "region"),
    "unknown group": (_good, {"target_groups": ["alla"]}, InputError, "målgrupp"),
    "no group": (_good, {"target_groups": []}, InputError, "--target-group"),
    "bad id": (_good, {"doc_id": "Örebro avtal"}, InputError, "id"),
    "empty title": (_good, {"title": "  "}, InputError, "title"),
    "empty age scope": (_good, {"age_scope": ""}, InputError, "age_scope"),
    "script url": (_good, {"source_url": "javascript:alert(1)"}, InputError, "https://"),
    "ftp url": (_good, {"source_url": "ftp://region.se/avtal.pdf"}, InputError, "http://"),
    "url without scheme": (_good, {"source_url": "www.region.se/a.pdf"}, InputError, "http"),
    "url without host": (_good, {"source_url": "https:///avtal.pdf"}, InputError, "fullständig"),
    "url with space": (_good, {"source_url": "https://region.se/a b.pdf"}, InputError, "blank"),
    "same text, new id": (_write("kopia.txt", VARMLAND_TEXT.encode()), {}, InputError,
                          "'befintlig'"),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_failures_leave_corpus_untouched(
    settings: Settings, existing: DocumentMeta, tmp_path: Path, case: str
) -> None:
    make, changes, error, fragment = FAILURES[case]
    folder = tmp_path / "bad"
    folder.mkdir()
    path = make(folder)
    before = snapshot(settings.corpus_dir)
    with pytest.raises(error) as caught:
        ingest_file(settings, path, **fields(**changes))
    assert fragment.lower() in caught.value.message.lower()
    assert snapshot(settings.corpus_dir) == before


def test_failure_on_new_corpus_creates_nothing(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(IngestError):
        ingest_file(settings, make_image_pdf(tmp_path / "skannad.pdf"), **fields())
    assert not settings.corpus_dir.exists()


def test_text_without_blocks_is_refused(
    settings: Settings, source: Path, existing: DocumentMeta, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_blocks(meta: DocumentMeta, raw: str) -> Document:
        return Document(meta=meta, text="", blocks=(), pages=())

    monkeypatch.setattr(ingestion, "normalise", no_blocks)
    before = snapshot(settings.corpus_dir)
    with pytest.raises(IngestError, match="inga stycken"):
        ingest_file(settings, source, **fields())
    assert snapshot(settings.corpus_dir) == before


@pytest.mark.parametrize("replace", [False, True])
def test_catalog_write_failure_restores_text(
    settings: Settings, source: Path, existing: DocumentMeta,
    monkeypatch: pytest.MonkeyPatch, replace: bool,
) -> None:
    def broken(*args: object) -> None:
        raise OSError("disken är full")

    monkeypatch.setattr(ingestion, "save_catalog", broken)
    before = snapshot(settings.corpus_dir)
    doc_id = existing.id if replace else "ny"
    with pytest.raises(OSError):
        ingest_file(settings, source, replace=replace, **fields(doc_id=doc_id))
    assert snapshot(settings.corpus_dir) == before


def test_inconsistent_corpus_is_not_touched(
    settings: Settings, source: Path, existing: DocumentMeta
) -> None:
    (settings.corpus_dir / "foralder.txt").write_text("Text utan katalogpost.\n", encoding="utf-8")
    before = snapshot(settings.corpus_dir)
    with pytest.raises(CorpusError, match="inget har ändrats"):
        ingest_file(settings, source, **fields())
    assert snapshot(settings.corpus_dir) == before


def test_pdf_pages_are_exact_in_chunks(settings: Settings, tmp_path: Path) -> None:
    """Each page's sentence lands in chunks that lie on that page and no other."""
    meta = ingest_file(settings, make_pdf(tmp_path / "avtal.pdf"), **fields()).meta
    (doc,) = load_documents(settings.corpus_dir, [meta.id])
    assert doc.page_count == len(PAGE_SENTENCES)
    for page, sentence in enumerate(PAGE_SENTENCES, start=1):  # the normaliser's part
        at = doc.text.find(sentence)
        assert at >= 0, f"sidan {page}: meningen saknas i den normaliserade texten"
        assert [s.page for s in doc.pages if s.start <= at < s.end] == [page]
    chunks = chunk_document(doc, settings)  # the chunker's part
    for page, sentence in enumerate(PAGE_SENTENCES, start=1):
        holding = [c for c in chunks if sentence in " ".join(c.text.split())]
        assert holding, f"sidan {page}: meningen finns inte i någon passage"
        for chunk in holding:
            assert (chunk.page_start, chunk.page_end) == (page, page), chunk.id


# The CLI -------------------------------------------------------------------------------

runner = CliRunner()


def cli_args(path: Path, corpus: Path, *extra: str) -> list[str]:
    return [
        "ingest", str(path), "--id", "orebro-psykisk-ohalsa",
        "--title", "Överenskommelse i Örebro", "--region", "Örebro",
        "--target-group", "psykisk ohälsa", "--target-group", "missbruk och beroende",
        "--corpus", str(corpus), *extra,
    ]


def test_cli_ingests_and_confirms(settings: Settings, tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "avtal.pdf")
    result = runner.invoke(app, cli_args(path, settings.corpus_dir, "--valid-to", "2028-02-24"))
    assert result.exit_code == 0, result.output
    assert "Lade till 'orebro-psykisk-ohalsa'" in result.output
    assert "stycken" in result.output
    assert "assistant index" in result.output
    meta = load_catalog(settings.corpus_dir)["orebro-psykisk-ohalsa"]
    assert meta.target_groups == ("psykisk ohälsa", "missbruk och beroende")
    assert meta.kind == "överenskommelse"
    assert meta.age_scope == "alla åldrar"
    assert meta.draft is False

    again = runner.invoke(app, cli_args(path, settings.corpus_dir))
    assert again.exit_code != 0
    assert "--replace" in again.output
    replaced = runner.invoke(app, cli_args(path, settings.corpus_dir, "--replace", "--draft"))
    assert replaced.exit_code == 0, replaced.output
    assert "Ersatte" in replaced.output
    assert load_catalog(settings.corpus_dir)["orebro-psykisk-ohalsa"].draft is True


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--kind", "foo"], "kind"),
        (["--valid-from", "2024-02-30"], "valid_from"),
        (["--valid-to", "imorgon"], "valid_to"),
        (["--region", "Atlantis"], "region"),
        (["--target-group", "katter"], "målgrupp"),
    ],
)
def test_cli_rejects_bad_values(
    settings: Settings, source: Path, existing: DocumentMeta, extra: list[str], fragment: str
) -> None:
    before = snapshot(settings.corpus_dir)
    result = runner.invoke(app, cli_args(source, settings.corpus_dir, *extra))
    assert result.exit_code != 0
    assert "Fel:" in result.output
    assert fragment in result.output
    assert "Traceback" not in result.output
    assert snapshot(settings.corpus_dir) == before


def test_cli_rejects_bad_file(settings: Settings, tmp_path: Path) -> None:
    path = make_image_pdf(tmp_path / "skannad.pdf")
    result = runner.invoke(app, cli_args(path, settings.corpus_dir))
    assert result.exit_code != 0
    assert "skannad.pdf" in result.output
    assert "OCR" in result.output
    assert not settings.corpus_dir.exists()


def test_cli_requires_id_and_title(settings: Settings, source: Path) -> None:
    result = runner.invoke(app, ["ingest", str(source), "--corpus", str(settings.corpus_dir)])
    assert result.exit_code != 0
    assert not settings.corpus_dir.exists()


# Real agreements: source address, the region's own names, the same text twice -------------

URL = "https://www.regionorebrolan.se/avtal/samverkan.pdf?version=2&sida=1"


def test_source_url_is_recorded_and_left_out_when_not_given(
    settings: Settings, source: Path, existing: DocumentMeta
) -> None:
    meta = ingest_file(settings, source, **fields(source_url=f"  {URL} ")).meta
    assert meta.source_url == URL
    assert load_catalog(settings.corpus_dir)[meta.id].source_url == URL
    entries = json.loads((settings.corpus_dir / "catalog.json").read_text(encoding="utf-8"))
    by_id = {e["id"]: e for e in entries["documents"]}
    assert by_id[meta.id]["source_url"] == URL
    assert "source_url" not in by_id[existing.id]  # older entries keep their shape


@pytest.mark.parametrize(
    ("region", "parties"),
    [
        ("Västra Götaland", ("Västra Götalandsregionen", "kommunerna i Västra Götaland")),
        ("Skåne", ("Region Skåne", "kommunerna i Skåne")),
        ("Dalarna", ("Region Dalarna", "kommunerna i Dalarna")),
        ("Södermanland", ("Region Sörmland", "kommunerna i Södermanland")),
        ("Stockholm", ("Region Stockholm", "kommunerna i Stockholms län")),
        ("Gotland", ("Region Gotland",)),
    ],
)
def test_default_parties_are_the_regions_own_names(
    settings: Settings, source: Path, region: str, parties: tuple[str, ...]
) -> None:
    meta = ingest_file(settings, source, **fields(region=region)).meta
    assert meta.parties == parties
    assert not any(p.endswith(" län län") or p == f"Region {region} län" for p in meta.parties)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("Västra Götalandsregionen", "Västra Götaland"), ("region sörmland", "Södermanland"),
     ("Region Jämtland Härjedalen", "Jämtland"), ("Region Örebro län", "Örebro")],
)
def test_the_regions_own_names_are_accepted(given: str, expected: str) -> None:
    assert canonical_region(given) == expected


def test_same_text_with_other_line_breaks_is_refused_naming_the_existing_id(
    settings: Settings, existing: DocumentMeta, tmp_path: Path
) -> None:
    again = tmp_path / "igen.txt"
    again.write_text(VARMLAND_TEXT.replace("\n", "\n\n").replace("i Värmland", "i\nVärmland"),
                     encoding="utf-8")
    before = snapshot(settings.corpus_dir)
    with pytest.raises(InputError, match="samma text finns redan i korpusen som 'befintlig'"):
        ingest_file(settings, again, **fields(doc_id="varmland-ny", region="Värmland"))
    assert snapshot(settings.corpus_dir) == before


def test_replace_puts_the_same_text_under_its_new_id(
    settings: Settings, source: Path, existing: DocumentMeta, tmp_path: Path
) -> None:
    ingest_file(settings, source, **fields(doc_id="sist"))
    again = tmp_path / "igen.txt"
    again.write_text(VARMLAND_TEXT, encoding="utf-8")
    done = ingest_file(
        settings, again, replace=True, **fields(doc_id="varmland-ny", region="Värmland")
    )
    assert done.replaced == ("befintlig",)
    assert list(load_catalog(settings.corpus_dir)) == ["varmland-ny", "sist"]
    assert sorted(snapshot(settings.corpus_dir)) == ["catalog.json", "sist.txt", "varmland-ny.txt"]


def test_replace_of_a_twin_with_statement_corrections_is_refused(
    settings: Settings, existing: DocumentMeta, tmp_path: Path
) -> None:
    (settings.corpus_dir / "befintlig.statements.jsonl").write_text("# rättelser\n", "utf-8")
    again = tmp_path / "igen.txt"
    again.write_text(VARMLAND_TEXT, encoding="utf-8")
    before = snapshot(settings.corpus_dir)
    with pytest.raises(InputError, match=r"befintlig\.statements\.jsonl"):
        ingest_file(settings, again, replace=True, **fields(doc_id="ny", region="Värmland"))
    assert snapshot(settings.corpus_dir) == before


def test_reingesting_under_the_same_id_with_replace_is_no_twin(
    settings: Settings, existing: DocumentMeta, tmp_path: Path
) -> None:
    again = tmp_path / "igen.txt"
    again.write_text(VARMLAND_TEXT, encoding="utf-8")
    done = ingest_file(
        settings, again, replace=True, **fields(doc_id=existing.id, region="Värmland")
    )
    assert done.replaced == (existing.id,)
    assert list(load_catalog(settings.corpus_dir)) == [existing.id]


NAMES_VARMLAND = (
    "1. Inledning\n"
    "Region Värmland och kommunerna i Värmland har kommit överens om samverkan.\n"
    "\n"
    "2. Ansvar\n"
    "Region Värmland ansvarar för abstinensvård. Karlstads kommun och Arvika kommun "
    "ansvarar för boendestöd.\n"
)


def test_cli_warns_when_the_text_names_another_region(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "varmland.txt"
    path.write_text(NAMES_VARMLAND, encoding="utf-8")
    args = [
        "ingest", str(path), "--id", "prov", "--title", "Prov", "--target-group",
        "psykisk ohälsa", "--corpus", str(settings.corpus_dir), "--region",
    ]
    wrong = runner.invoke(app, [*args, "Dalarna"])
    assert wrong.exit_code == 0, wrong.output
    assert "Varning: texten nämner Värmland (5 gånger) men --region är Dalarna" in wrong.output
    right = runner.invoke(app, [*args, "Värmland", "--replace"])
    assert right.exit_code == 0, right.output
    assert "Varning" not in right.output


def test_cli_records_the_source_url_and_refuses_other_schemes(
    settings: Settings, source: Path
) -> None:
    bad = runner.invoke(app, cli_args(source, settings.corpus_dir, "--source-url", "file:///etc/x"))
    assert bad.exit_code != 0
    assert "Fel: --source-url 'file:///etc/x' måste börja med http:// eller https://" in bad.output
    assert not settings.corpus_dir.exists()
    good = runner.invoke(app, cli_args(source, settings.corpus_dir, "--source-url", URL))
    assert good.exit_code == 0, good.output
    assert load_catalog(settings.corpus_dir)["orebro-psykisk-ohalsa"].source_url == URL


def test_cli_names_the_twin_it_replaced(
    settings: Settings, source: Path, existing: DocumentMeta, tmp_path: Path
) -> None:
    again = tmp_path / "igen.txt"
    again.write_text(VARMLAND_TEXT, encoding="utf-8")
    refused = runner.invoke(app, cli_args(again, settings.corpus_dir))
    assert refused.exit_code != 0
    assert "'befintlig'" in refused.output and "--replace" in refused.output
    replaced = runner.invoke(app, cli_args(again, settings.corpus_dir, "--replace"))
    assert replaced.exit_code == 0, replaced.output
    assert "Ersatte 'befintlig' med 'orebro-psykisk-ohalsa'" in replaced.output


def test_a_short_title_is_recorded_and_a_derived_one_shared_with_another_is_reported(
    settings: Settings, source: Path, existing: DocumentMeta
) -> None:
    # "befintlig" got "Värmland – psykisk ohälsa 2024" by default; so would a second one.
    assert existing.short_title is None and existing.short_name == "Värmland – psykisk ohälsa 2024"
    twin = ingest_file(settings, source, **fields(doc_id="andra", region="Värmland"))
    assert twin.same_short_title == ("befintlig",)
    named = ingest_file(
        settings, source, replace=True,
        **fields(doc_id="andra", region="Värmland", short_title=" Värmland – vuxna 2024 "),
    )
    assert named.same_short_title == ()
    assert load_catalog(settings.corpus_dir)["andra"].short_title == "Värmland – vuxna 2024"
    entries = json.loads((settings.corpus_dir / "catalog.json").read_text(encoding="utf-8"))
    by_id = {e["id"]: e for e in entries["documents"]}
    assert by_id["andra"]["short_title"] == "Värmland – vuxna 2024"
    assert "short_title" not in by_id["befintlig"]


def test_a_short_title_another_entry_has_is_refused(
    settings: Settings, source: Path, existing: DocumentMeta
) -> None:
    before = snapshot(settings.corpus_dir)
    with pytest.raises(InputError, match="används redan av 'befintlig'"):
        ingest_file(settings, source, **fields(short_title="värmland – psykisk ohälsa 2024"))
    with pytest.raises(InputError, match="högst 60 tecken"):
        ingest_file(settings, source, **fields(short_title="Örebro " * 12))
    assert snapshot(settings.corpus_dir) == before


def test_cli_records_the_short_title_and_warns_of_a_shared_default(
    settings: Settings, source: Path, existing: DocumentMeta, tmp_path: Path
) -> None:
    named = runner.invoke(
        app, cli_args(source, settings.corpus_dir, "--short-title", "Örebro – vuxna 2024")
    )
    assert named.exit_code == 0, named.output
    assert load_catalog(settings.corpus_dir)["orebro-psykisk-ohalsa"].short_name == (
        "Örebro – vuxna 2024"
    )
    other = tmp_path / "annan.txt"
    other.write_text(TEXT.replace("Örebro", "Karlstad"), encoding="utf-8")
    shared = runner.invoke(app, [
        "ingest", str(other), "--id", "varmland-andra", "--title", "Annan", "--region", "Värmland",
        "--target-group", "psykisk ohälsa", "--valid-from", "2024-05-01",
        "--corpus", str(settings.corpus_dir),
    ])
    assert shared.exit_code == 0, shared.output
    assert "Kortnamnet ”Värmland – psykisk ohälsa 2024” används redan av 'befintlig'" in (
        shared.output
    )
    assert "--short-title" in shared.output
