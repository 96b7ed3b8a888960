"""Regression gate: the eval suite on the bundled index must reach the floors in evals/.

The floors (evals/thresholds.json) are the levels last reached, rounded down to two
decimals; re-record them with `assistant eval --record-thresholds` when retrieval or
answers improve. Set ASSISTANT_INDEX_DIR to measure another index.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import evaluation, reporting
from assistant.index import check_index
from assistant.settings import load_settings

pytestmark = pytest.mark.slow


def test_eval_suite_stays_above_the_recorded_floors(tmp_path: Path) -> None:
    settings = load_settings()
    status = check_index(settings)
    assert status.fresh, (
        f"Indexet i {settings.index_dir} stämmer inte med korpus och inställningar "
        f"({'; '.join(status.reasons)}). Bygg det med `assistant index`."
    )
    floors = evaluation.read_thresholds(settings.evals_dir / evaluation.THRESHOLDS_NAME)
    assert set(floors) == set(evaluation.GATED)
    cases_file = evaluation.default_cases(settings)
    cases = evaluation.read_cases(cases_file)
    run = evaluation.evaluate_locally(
        settings, cases, cases_file, top_k=settings.top_k, label="grind"
    )
    files = reporting.write_report(run, tmp_path, floors)
    failing = evaluation.below_floors(run.summary.overall, floors)
    assert not failing, f"Under golvet: {'; '.join(failing)} (rapport: {files.markdown})"
