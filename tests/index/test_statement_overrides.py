"""An administrator's statement overrides (`corpus/<id>.statements.jsonl`): applied by a real
build of a small corpus, counted in the fingerprint, and every bad line a file:line error
that leaves the previous index as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.errors import CorpusError
from assistant.index import build as index
from assistant.index import statements
from assistant.ingest.catalog import load_documents, read_text
from assistant.models import Statement
from assistant.settings import Settings, load_settings, project_root
from tests.corpus import write_corpus
from tests.fakes import FakeEmbedder

DOC = "orebro-test"
VARMLAND = "varmland-psykisk-funktionsnedsattning-beroende"
TEXT = (
    "1. Inledning\n\n"
    "Överenskommelsen gäller samverkan kring personer med skadligt bruk och beroende.\n\n"
    "2. Ansvar\n\n"
    "Regionen ansvarar för abstinensvård och tillnyktring vid beroende av alkohol. "
    "Regionen erbjuder läkemedelsassisterad behandling vid opioidberoende.\n\n"
    "Kommunen ansvarar för boendestöd i den egna bostaden. Socialtjänsten ansvarar "
    "för sysselsättning och stöd till arbete.\n\n"
    "3. Uppföljning\n\n"
    "Samordningsgruppen ska följa upp\növerenskommelsen varje år.\n"
)
DOCUMENTS = {DOC: {"region": "Örebro", "target_groups": ["missbruk och beroende"], "text": TEXT}}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    write_corpus(tmp_path / "corpus", DOCUMENTS)
    return load_settings(
        {},
        corpus_dir=tmp_path / "corpus",
        index_dir=tmp_path / "index",
        data_dir=tmp_path / "data",
        chunk_size=400,
        chunk_overlap=0,
    )


def write_overrides(settings: Settings, *rows: dict[str, Any] | str, doc: str = DOC) -> Path:
    path = settings.corpus_dir / f"{doc}.statements.jsonl"
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def built(settings: Settings) -> tuple[Statement, ...]:
    embedder = FakeEmbedder()
    index.build_index(settings, embedder, progress=False)
    return index.load_index(settings, embedder).statements


def by_duty(found: tuple[Statement, ...], start: str) -> Statement:
    matching = [s for s in found if s.duty.startswith(start)]
    assert len(matching) == 1, [s.duty for s in found]
    return matching[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


ADD = {
    "action": "add",
    "actor": "Samordningsgruppen",
    "party": "gemensamt",
    "polarity": "duty",
    "duty": "Samordningsgruppen ska följa upp överenskommelsen varje år",
    "conditions": ["varje år"],
    "quote": "Samordningsgruppen ska följa upp överenskommelsen varje år.",
}


def test_without_overrides_the_build_stores_the_extractor_s_statements(
    settings: Settings,
) -> None:
    found = built(settings)
    documents = load_documents(settings.corpus_dir)
    assert list(found) == statements.extract_corpus(
        documents, index.load_index(settings, FakeEmbedder()).chunks,
        {DOC: TEXT},
    )
    assert not any(s.actor == "Samordningsgruppen" for s in found)


def test_add_correct_and_drop_are_applied_by_the_build(settings: Settings) -> None:
    before = built(settings)
    boende = by_duty(before, "Kommunen ansvarar för boendestöd")
    write_overrides(
        settings,
        "# granskad 2025-05-01 av förvaltningen",
        ADD,
        "",
        {"action": "correct", "id": boende.id, "party": "gemensamt", "actor": "Kommunen"},
        {"action": "correct", "quote": "Socialtjänsten ansvarar  för sysselsättning",
         "polarity": "not", "duty": "Socialtjänsten ansvarar inte för sysselsättning."},
        {"action": "drop", "quote": "Regionen erbjuder läkemedelsassisterad behandling"},
    )
    after = built(settings)

    added = by_duty(after, "Samordningsgruppen ska")
    assert added.party == "gemensamt" and added.polarity == "duty"
    assert added.duty == "Samordningsgruppen ska följa upp överenskommelsen varje år."
    assert added.conditions == ("varje år",)
    text = load_documents(settings.corpus_dir)[0].text
    (a, b), = added.spans
    assert " ".join(text[a:b].split()) == ADD["quote"]  # the line break inside matched a space
    assert added.quotes == (text[a:b],)
    assert added.section.endswith("Uppföljning") and added.chunk_id is not None

    corrected = next(s for s in after if s.id == boende.id)
    assert corrected.party == "gemensamt" and corrected.spans == boende.spans
    negated = by_duty(after, "Socialtjänsten ansvarar inte")
    assert negated.polarity == "not" and negated.party == "kommun"
    assert not [s for s in after if "läkemedelsassisterad" in s.duty]
    assert len(after) == len(before)  # one added, one dropped
    assert [s.spans[-1][0] for s in after] == sorted(s.spans[-1][0] for s in after)
    assert index.read_manifest(settings.index_dir).statement_count == len(after)


def test_editing_the_overrides_makes_the_index_stale_and_a_rebuild_applies_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.channels.cli import app

    monkeypatch.setattr(index, "get_embedder", lambda s: FakeEmbedder())
    args = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
    monkeypatch.setenv("ASSISTANT_CHUNK_SIZE", str(settings.chunk_size))
    monkeypatch.setenv("ASSISTANT_CHUNK_OVERLAP", str(settings.chunk_overlap))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    runner = CliRunner()
    assert runner.invoke(app, ["index", *args]).exit_code == 0
    assert runner.invoke(app, ["index", "--check", *args]).exit_code == 0

    write_overrides(settings, ADD)
    stale = runner.invoke(app, ["index", "--check", *args])
    assert stale.exit_code == 1 and f"ändrade dokument: {DOC}" in stale.output
    assert runner.invoke(app, ["index", *args]).exit_code == 0
    assert runner.invoke(app, ["index", "--check", *args]).exit_code == 0
    listed = runner.invoke(app, ["statements", "--json", "--index", str(settings.index_dir)])
    assert '"actor": "Samordningsgruppen"' in listed.output

    (settings.corpus_dir / f"{DOC}.statements.jsonl").unlink()
    assert runner.invoke(app, ["index", "--check", *args]).exit_code == 1
    assert runner.invoke(app, ["index", *args]).exit_code == 0
    listed = runner.invoke(app, ["statements", "--json", "--index", str(settings.index_dir)])
    assert "Samordningsgruppen" not in listed.output


def test_no_overrides_file_leaves_the_fingerprint_as_before(settings: Settings) -> None:
    plain = index.fingerprint_corpus(settings.corpus_dir)
    path = write_overrides(settings, ADD)
    assert index.fingerprint_corpus(settings.corpus_dir) != plain
    path.unlink()
    assert index.fingerprint_corpus(settings.corpus_dir) == plain


def test_an_overrides_file_for_no_document_makes_the_index_stale(settings: Settings) -> None:
    built(settings)
    write_overrides(settings, ADD, doc="finns-inte")
    status = index.check_index(settings, FakeEmbedder())
    assert not status.fresh
    assert status.reasons == (
        "påståenderättelser utan dokument i katalogen: finns-inte.statements.jsonl",
    )


BAD_LINES: list[tuple[str, dict[str, Any] | str, str]] = [
    ("bad-json", '{"action": "add", "actor": ', "ogiltig JSON"),
    ("not-an-object", '["add"]', "JSON-objekt"),
    ("unknown-action", {"action": "replace", "id": "x"}, "okänd åtgärd"),
    ("unknown-field", {**ADD, "polarty": "duty"}, "okända fält polarty"),
    ("unknown-party", {**ADD, "party": "landsting"}, "okänd part 'landsting'"),
    ("unknown-polarity", {**ADD, "polarity": "maybe"}, "okänd polaritet 'maybe'"),
    ("add-without-duty", {k: v for k, v in ADD.items() if k != "duty"}, "kräver fälten duty"),
    ("quote-not-verbatim", {**ADD, "quote": "Samordningsgruppen ska följa upp planen"},
     "finns inte ordagrant"),
    ("quote-twice", {**ADD, "quote": "ansvarar för"}, "förekommer 3 gånger"),
    ("unknown-id", {"action": "drop", "id": "orebro-test-st-000000000000"},
     "inget påstående med id"),
    ("unknown-quote", {"action": "correct", "quote": "Regionen ansvarar för tandvård",
                       "party": "kommun"}, "inget påstående med citatet"),
    ("several-match", {"action": "drop", "quote": "ansvarar"}, "påståenden har citatet"),
    ("correct-changes-nothing", {"action": "correct", "quote": "Regionen erbjuder"},
     "ändrar inget"),
    ("other-document", {**ADD, "document_id": "annat-dokument"}, "annat-dokument"),
    ("added-twice", ADD, "påståendet finns redan"),
]


@pytest.mark.parametrize(("row", "message"), [(r, m) for _, r, m in BAD_LINES],
                         ids=[name for name, _, _ in BAD_LINES])
def test_a_bad_line_names_file_and_line_and_leaves_the_index(
    settings: Settings, row: dict[str, Any] | str, message: str
) -> None:
    built(settings)
    before = snapshot(settings.index_dir)
    path = write_overrides(settings, "# rättelser", ADD, row)
    with pytest.raises(CorpusError) as caught:
        index.build_index(settings, FakeEmbedder(), progress=False)
    assert f"{path}:3:" in caught.value.message
    assert message in caught.value.message
    assert snapshot(settings.index_dir) == before
    assert not [p for p in settings.index_dir.parent.iterdir() if p.name.startswith(".")]


def test_an_overrides_file_for_an_unknown_document_is_a_file_line_error(
    settings: Settings,
) -> None:
    built(settings)
    before = snapshot(settings.index_dir)
    path = write_overrides(settings, "", ADD, doc="finns-inte")
    with pytest.raises(CorpusError) as caught:
        index.build_index(settings, FakeEmbedder(), progress=False)
    assert f"{path}:2:" in caught.value.message and "finns-inte" in caught.value.message
    assert snapshot(settings.index_dir) == before


def test_a_bad_line_fails_before_anything_is_embedded(settings: Settings) -> None:
    write_overrides(settings, {**ADD, "party": "landsting"})
    embedder = FakeEmbedder()
    with pytest.raises(CorpusError):
        index.build_index(settings, embedder, progress=False)
    assert embedder.passage_calls == 0 and not settings.index_dir.exists()


def test_the_documented_example_applies_to_the_bundled_agreement(tmp_path: Path) -> None:
    doc_page = (project_root() / "docs" / "statements.md").read_text(encoding="utf-8")
    example = doc_page.split("```jsonl\n", 1)[1].split("```", 1)[0]
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(project_root() / "corpus", corpus_dir)
    (corpus_dir / f"{VARMLAND}.statements.jsonl").write_text(example, encoding="utf-8")
    documents = load_documents(corpus_dir, [VARMLAND])
    overrides = statements.read_overrides(corpus_dir, documents)
    assert [o.action for o in overrides[VARMLAND]] == ["add", "add", "add", "correct", "drop"]
    raw = read_text(corpus_dir, documents[0].meta)
    found = statements.extract_statements(documents[0], (), raw)
    applied = statements.apply_overrides(found, documents, (), overrides)
    assert len(applied) == len(found) + 3 - 1
    assert sum(s.actor == "Samordningsgruppen" for s in applied) == 2
