"""Comparing two saved eval runs: paired bootstrap intervals and per-case changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.channels.cli import app
from assistant.errors import InputError
from assistant.evals import compare, comparison_report


def saved(outcomes: list[dict[str, float]], *, blind: bool = False,
          label: str = "x") -> dict[str, Any]:
    cases = []
    for i, o in enumerate(outcomes):
        case: dict[str, Any] = {"key": f"k{i}", "kind": "responsibility", "tags": ["typo"],
                                "outcomes": o}
        if not blind:
            case |= {"id": f"case-{i}", "question": f"Fråga {i}?"}
        cases.append(case)
    return {"label": label, "set": "holdout" if blind else "development", "top_k": 5,
            "cases": cases}


def hits(values: list[int]) -> list[dict[str, float]]:
    return [{"hit@1": float(v), "party_invented": 0.0} for v in values]


def test_one_case_among_29_is_not_read_as_progress() -> None:
    before = hits([1] * 15 + [0] * 14)
    after = hits([1] * 16 + [0] * 13)
    c = compare.compare_saved(saved(before), saved(after))
    m = {x.name: x for x in c.metrics}["hit@1"]
    assert m.diff == pytest.approx(1 / 29)
    assert m.low is not None and m.high is not None and m.low <= 0 <= m.high
    assert m.verdict == "osäker"
    assert [x.id for x in c.cases] == ["case-15"]


def test_a_broad_change_is_outside_the_interval_and_direction_matters() -> None:
    before = hits([0] * 40)
    after = [{"hit@1": 1.0, "party_invented": 1.0}] * 30 + hits([0] * 10)
    c = compare.compare_saved(saved(before), saved(after))
    by_name = {x.name: x for x in c.metrics}
    assert by_name["hit@1"].verdict == "bättre"
    assert by_name["party_invented"].verdict == "sämre"  # lower is better
    assert by_name["mrr@10"].a is None  # a metric no case has


def test_the_same_reports_give_the_same_intervals() -> None:
    a, b = saved(hits([1, 0] * 20)), saved(hits([1, 1, 0, 1] * 10))
    first = compare.compare_saved(a, b).metrics
    assert compare.compare_saved(a, b).metrics == first


def test_a_held_out_comparison_names_no_case(tmp_path: Path) -> None:
    c = compare.compare_saved(saved(hits([0, 1]), blind=True),
                                     saved(hits([1, 1]), blind=True))
    assert c.blind and [x.id for x in c.cases] == [None]
    files = comparison_report.write_run_comparison(c, tmp_path, "j")
    text = files.markdown.read_text("utf-8") + files.json.read_text("utf-8")
    assert "Fråga" not in text and "case-" not in text
    assert "| ansvar | 1 |" in files.markdown.read_text("utf-8")


def test_the_command_compares_two_saved_reports(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(saved(hits([0] * 30), label="före")), "utf-8")
    b.write_text(json.dumps(saved(hits([1] * 30), label="efter")), "utf-8")
    out = CliRunner().invoke(app, ["eval", "--compare-runs", str(a), str(b),
                                   "--out", str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    assert "bättre" in out.output and "30 av 30 parade fall ändrades" in out.output
    md = next((tmp_path / "r").glob("*.md")).read_text("utf-8")
    assert "före (A) mot efter (B)" in md and "95 %" in md
    svg = next((tmp_path / "r").glob("*.svg")).read_text("utf-8")
    assert "svarets citat håller evidensen" in svg or "hit@1" in svg


def test_files_that_are_not_saved_runs_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": 1}', "utf-8")
    with pytest.raises(InputError, match="ingen sparad utvärdering"):
        compare.load_saved(bad)
    with pytest.raises(InputError, match="finns inte"):
        compare.load_saved(tmp_path / "none.json")
    out = CliRunner().invoke(app, ["eval", "--compare-runs", str(bad), str(bad)])
    assert out.exit_code != 0 and "Traceback" not in out.output
