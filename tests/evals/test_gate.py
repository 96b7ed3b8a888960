"""Regression gate: both eval sets on the bundled index must reach their recorded floors.

The floors (evals/thresholds.json, one entry per cases file) are the levels last reached,
rounded down to two decimals (ceilings, rounded up, where lower is better). The
development set's are re-recorded with `assistant eval --record-thresholds` when answers
improve; the held-out set's are only ever raised. Set ASSISTANT_INDEX_DIR to measure
another index.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evals import cases as eval_cases
from assistant.evals import gate, metrics, reporting, runs
from assistant.index.build import check_index
from assistant.settings import load_settings

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("cases_name", [eval_cases.DEVELOPMENT, eval_cases.HELD_OUT])
def test_eval_set_stays_above_the_recorded_floors(cases_name: str, tmp_path: Path) -> None:
    settings = load_settings()
    status = check_index(settings)
    assert status.fresh, (
        f"Indexet i {settings.index_dir} stämmer inte med korpus och inställningar "
        f"({'; '.join(status.reasons)}). Bygg det med `assistant index`."
    )
    floors = gate.read_thresholds(settings.evals_dir / gate.THRESHOLDS_NAME,
                                        cases_name)
    assert set(metrics.GATED) <= set(floors)
    assert {f"region_path.{name}" for name in metrics.GATED} <= set(floors)
    cases_file = settings.evals_dir / cases_name
    cases = eval_cases.read_cases(cases_file)
    run = runs.evaluate_locally(
        settings, cases, cases_file, top_k=settings.top_k, label="grind"
    )
    assert run.blind == (cases_name == eval_cases.HELD_OUT)
    files = reporting.write_report(run, tmp_path, floors)
    failing = gate.below_floors(run, floors)
    assert not failing, f"Under golvet: {'; '.join(failing)} (rapport: {files.markdown})"
