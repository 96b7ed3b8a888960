"""`assistant statements` on the bundled index (both forms, without the model) and the
statement review `assistant ingest` prints for a new agreement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.channels.cli import app
from assistant.index import build as index
from assistant.settings import load_settings, project_root

runner = CliRunner()
INDEX = ["--index", str(project_root() / "index")]
VARMLAND = "varmland-psykisk-funktionsnedsattning-beroende"


@pytest.fixture(autouse=True)
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(settings: object) -> None:
        raise AssertionError("listing statements must not need the embedder")

    monkeypatch.setattr(index, "get_embedder", refuse)


def bundled_count() -> int:
    return index.read_manifest(project_root() / "index").statement_count


def test_json_lists_every_statement_of_the_index() -> None:
    result = runner.invoke(app, ["statements", "--json", *INDEX])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == bundled_count() > 0
    required = {"id", "document_id", "party", "actor", "duty", "polarity", "quote",
                "conditions", "section", "page", "chunk_id"}
    assert all(required <= row.keys() for row in rows)
    assert {row["party"] for row in rows} == {"kommun", "region", "gemensamt", "annan"}
    assert {row["polarity"] for row in rows} == {"duty", "not"}
    assert len({row["id"] for row in rows}) == len(rows)
    assert all(isinstance(row["quote"], str) and row["quote"] for row in rows)


def test_json_of_one_document() -> None:
    result = runner.invoke(app, ["statements", "--json", "--document", VARMLAND, *INDEX])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows and {row["document_id"] for row in rows} == {VARMLAND}
    stored = index.load_statements(load_settings({}, index_dir=project_root() / "index"))
    assert [row["id"] for row in rows] == [
        s.id for s in stored.statements if s.document_id == VARMLAND
    ]


def test_human_form_groups_by_document_one_line_a_statement() -> None:
    result = runner.invoke(app, ["statements", *INDEX])
    assert result.exit_code == 0, result.output
    headers = [line for line in result.output.splitlines() if line.startswith("── ")]
    assert len(headers) == 5 and any(f"── {VARMLAND} (Värmland):" in h for h in headers)
    lines = [line for line in result.output.splitlines() if line.startswith("  ")]
    assert len(lines) == bundled_count()
    stored = index.load_statements(load_settings({}, index_dir=project_root() / "index"))
    for statement, line in zip(stored.statements, lines, strict=True):
        assert line.endswith(f"[{statement.id}]") and statement.duty in line
        if statement.party == "annan":  # named, not labelled "annan"
            assert line.startswith(f"  {statement.actor} · ") and "annan" not in line.split("·")[0]
        else:
            assert line.startswith(f"  {statement.party} · {statement.actor} · ")
        assert ("INTE ansvar:" in line) == (statement.polarity == "not")
        if statement.page is not None:
            assert f"s. {statement.page}" in line


def test_unknown_document_is_a_clear_error() -> None:
    result = runner.invoke(app, ["statements", "--document", "finns-inte", *INDEX])
    assert result.exit_code == 2
    assert "Fel: okänt dokument-id 'finns-inte'" in result.output
    assert "Traceback" not in result.output


def test_without_an_index_it_says_how_to_build_one(tmp_path: Path) -> None:
    result = runner.invoke(app, ["statements", "--index", str(tmp_path / "inget")])
    assert result.exit_code == 2 and "assistant index" in result.output


AGREEMENT = (
    "1. Ansvar\n\n"
    "Regionen ansvarar för abstinensvård vid beroende av alkohol. Kommunen ansvarar inte "
    "för läkemedelsbehandling.\n\n"
    "Styrgruppen ansvarar för uppföljning av överenskommelsen.\n\n"
    "Detta dokument ska ses som ett stöd i det gemensamma arbetet.\n"
)


def test_ingest_summarises_statements_and_lists_an_unattributed_duty(tmp_path: Path) -> None:
    source = tmp_path / "avtal.txt"
    source.write_text(AGREEMENT, encoding="utf-8")
    result = runner.invoke(app, [
        "ingest", str(source), "--id", "orebro-test", "--title", "Test", "--region", "Örebro",
        "--target-group", "missbruk och beroende", "--corpus", str(tmp_path / "corpus"),
    ])
    assert result.exit_code == 0, result.output
    assert "Påståenden om vem som gör vad: 2 (kommun 1 (varav 1 INTE), region 1)" in result.output
    assert "region · Regionen · ansvar: Regionen ansvarar för abstinensvård" in result.output
    assert "1 mening med ansvarsverb där ingen känd aktör hittades" in result.output
    assert "  - Styrgruppen ansvarar för uppföljning av överenskommelsen." in result.output
    assert "Detta dokument" not in result.output
    assert "orebro-test.statements.jsonl" in result.output
