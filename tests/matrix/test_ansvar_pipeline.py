"""The ansvarsmatris through the ask path and the CLI: fast on a corpus of two Dalarna
agreements that disagree (fake embedder), slow on the bundled index with the real model."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant import pipeline
from assistant.channels.cli import app
from assistant.errors import CorpusError, InputError
from assistant.pipeline import Engine, load_engine
from tests.corpus import build_test_index

AGREEMENT: dict[str, Any] = {
    "region": "Dalarna",
    "target_groups": ["missbruk och beroende"],
    "valid_from": "2024-01-01",
}
DOCUMENTS = {
    "dalarna-a": {**AGREEMENT, "text": (
        "1. Ansvar\n\nKommunen ansvarar för anhörigstöd till anhöriga till personer med "
        "missbruk. Regionen ansvarar för abstinensvård.\n"
    )},
    "dalarna-b": {**AGREEMENT, "text": (
        "1. Ansvar\n\nRegionen ansvarar för anhörigstöd till anhöriga till personer med "
        "missbruk.\n"
    )},
    "varmland-a": {**AGREEMENT, "region": "Värmland", "text": (
        "1. Ansvar\n\nKommunen ansvarar för anhörigstöd. Regionen ansvarar för abstinensvård.\n"
    )},
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    settings, index, embedder = build_test_index(
        tmp_path_factory.mktemp("ansvar"), DOCUMENTS, min_support=0.0
    )
    return load_engine(settings, index, embedder)


def test_two_agreements_of_a_region_that_disagree_are_a_conflict(engine: Engine) -> None:
    shown = pipeline.ansvar(engine)
    row = next(r for r in shown.rows if r.matter.id == "anhorigstod")
    (conflict,) = row.conflicts
    assert conflict.region == "Dalarna" and conflict.kind == "party"
    assert {conflict.first.document_id, conflict.second.document_id} == {"dalarna-a",
                                                                         "dalarna-b"}
    assert {c.region: c.party for c in row.cells} == {"Dalarna": "gemensamt",
                                                      "Värmland": "kommun"}


def test_an_answer_resting_on_a_conflicting_statement_warns_naming_both(engine: Engine) -> None:
    answer = pipeline.ask(engine, "Vem ansvarar för anhörigstöd i Dalarna?").answer
    assert answer.responsibilities
    notes = [w for w in answer.warnings if "säger olika om" in w]
    assert len(notes) == 1
    assert "Överenskommelserna i Dalarna säger olika om insatsen Stöd till anhöriga" in notes[0]
    assert notes[0].count("«") == 2
    calm = pipeline.ask(engine, "Vem ansvarar för abstinensvård i Dalarna?").answer
    assert not [w for w in calm.warnings if "säger olika om" in w]


def test_a_corpus_list_replaces_the_bundled_one_and_a_broken_one_stops_only_the_matrix(
    engine: Engine,
) -> None:
    own = engine.settings.corpus_dir / "matters.tsv"
    try:
        own.write_text("id\tname\tterms\nanhorig\tAnhöriga\tanhörigstöd\n", encoding="utf-8")
        assert [r.matter.id for r in pipeline.ansvar(engine).rows] == ["anhorig"]
        own.write_text("id\tname\tterms\nTrasig rad\n", encoding="utf-8")
        with pytest.raises(CorpusError, match="rad 2"):
            pipeline.ansvar(engine)
        answer = pipeline.ask(engine, "Vem ansvarar för anhörigstöd i Dalarna?").answer
        assert answer.status == "answered"
        assert not [w for w in answer.warnings if "säger olika om" in w]
    finally:
        own.unlink(missing_ok=True)
    assert len(pipeline.ansvar(engine).rows) > 1


def test_unknown_filters_are_input_errors(engine: Engine) -> None:
    with pytest.raises(InputError, match="Skåne"):
        pipeline.ansvar(engine, region="Skåne")
    with pytest.raises(InputError, match="nope"):
        pipeline.ansvar(engine, document_id="nope")


def test_the_command_prints_the_matrix_or_its_csv(engine: Engine) -> None:
    runner = CliRunner()
    args = ["--corpus", str(engine.settings.corpus_dir), "--index", str(engine.settings.index_dir)]
    # The command loads the engine the settings name; the fake embedder stands in for it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "load_engine", lambda settings: engine)
        shown = runner.invoke(app, ["ansvar", "--region", "Dalarna", *args])
        table = runner.invoke(app, ["ansvar", "--csv", *args])
        bad = runner.invoke(app, ["ansvar", "--region", "Skåne", *args])
    assert shown.exit_code == 0, shown.output
    assert "Stöd till anhöriga och närstående" in shown.output
    assert "Dalarna: Gemensamt" in shown.output and "Värmland" not in shown.output
    assert "⚠ Överenskommelserna i Dalarna säger olika" in shown.output
    rows = list(csv.reader(io.StringIO(table.output)))
    assert rows[0][0] == "insats" and {r[1] for r in rows[1:]} == {"Dalarna", "Värmland"}
    assert bad.exit_code != 0 and "Skåne" in bad.output and "Traceback" not in bad.output


# ── slow: the real model and the bundled index ────────────────────────────────────────


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    from assistant.settings import load_settings, project_root

    index = project_root() / "index"
    if not (index / "manifest.json").exists():
        pytest.skip("no bundled index (build it with `assistant index`)")
    return load_engine(load_settings({}, index_dir=index))


@pytest.mark.slow
def test_real_matrix_places_most_statements_and_answers_a_plain_question(real: Engine) -> None:
    shown = pipeline.ansvar(real, q="Vem ansvarar för abstinensvård?", region="Värmland")
    first = shown.rows[0]
    assert first.matter.id == "abstinensvard"
    assert [(c.region, c.party) for c in first.cells] == [("Värmland", "region")]
    whole = pipeline.ansvar(real)
    placed = sum(len(c.statements) for r in whole.rows for c in r.cells)
    assert len(whole.rows) >= 30 and placed > 3 * len(whole.unplaced)
    assert {"Värmland", "Västmanland", "Dalarna"} == {c.region for r in whole.rows
                                                      for c in r.cells}




def test_a_view_without_a_question_is_made_once_per_matrix(engine: Engine) -> None:
    first = pipeline.ansvar(engine, region="Dalarna")
    assert pipeline.ansvar(engine, region="Dalarna") is first
    assert pipeline.ansvar(engine, region="Värmland") is not first
    asked = pipeline.ansvar(engine, region="Dalarna", q="anhörigstöd")
    assert asked is not pipeline.ansvar(engine, region="Dalarna", q="anhörigstöd")
    assert asked.scores is not None and first.scores is None
