"""The regression gate: floors per eval set, recorded from a run and checked against one.

Floors are the levels reached rounded down to two decimals; where lower is better
(`LOWER_IS_BETTER`) they are ceilings rounded up. A held-out set's floors only ever rise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from assistant.errors import CasesError
from assistant.evals.metrics import GATED, LOWER_IS_BETTER, Metrics
from assistant.evals.runs import Run

THRESHOLDS_NAME = "thresholds.json"


def floor2(value: float) -> float:
    """Round down to two decimals (0.2899… stays 0.28, 0.29 stays 0.29)."""
    return math.floor(round(value * 100, 6)) / 100


def ceil2(value: float) -> float:
    """Round up to two decimals (a ceiling for a metric where lower is better)."""
    return math.ceil(round(value * 100, 6)) / 100


def floors_from(metrics: Metrics, prefix: str = "") -> dict[str, float]:
    """Floors at the level reached (rounded down; ceilings rounded up where lower is better)."""
    floors: dict[str, float] = {}
    for name, value in metrics.named().items():
        if name in GATED and value is not None:
            bound = ceil2(value) if name in LOWER_IS_BETTER else floor2(value)
            floors[prefix + name] = bound
    return floors


def run_floors(run: Run) -> dict[str, float]:
    """A run's floors: its overall metrics and, as `region_path.<name>`, its region path."""
    floors = floors_from(run.summary.overall)
    if run.summary.region_path is not None:
        floors.update(floors_from(run.summary.region_path, "region_path."))
    return floors


def _stricter(name: str, old: float, new: float) -> float:
    metric = name.removeprefix("region_path.")
    return min(old, new) if metric in LOWER_IS_BETTER else max(old, new)


def record_thresholds(path: Path, runs: Sequence[Run]) -> dict[str, Any]:
    """Write the runs' floors to the gate's file, one entry per cases file.

    A held-out set's floors are only ever raised: a floor already recorded for it is kept
    where the new run is below it (the gate then fails, as it should).
    """
    sets: dict[str, Any] = {}
    if path.exists():
        with suppress(ValueError, OSError):
            old = json.loads(path.read_text("utf-8")).get("sets")
            if isinstance(old, dict):
                sets.update(old)
    for run in runs:
        name = Path(run.cases_file).name
        floors = run_floors(run)
        previous = sets.get(name, {}).get("floors", {}) if run.blind else {}
        for metric, old_floor in previous.items():
            if metric in floors:
                floors[metric] = _stricter(metric, float(old_floor), floors[metric])
        sets[name] = {
            "recorded_at": run.started_at,
            "cases_sha256": run.cases_sha256,
            "held_out": run.blind,
            "floors": floors,
        }
    body = {
        "settings": runs[0].settings if runs else {},
        "note": "Golv för regressionstestet (tests/evals/test_gate.py), per fallfil; tak för "
        f"{', '.join(sorted(LOWER_IS_BETTER))}. Spela in igen med "
        "`assistant eval --record-thresholds`; den undanhållna mängdens golv höjs bara.",
        "sets": sets,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, json.dumps(body, ensure_ascii=False, indent=2, default=str) + "\n")
    return body


def _write_atomically(path: Path, text: str) -> None:
    scratch = path.with_name(path.name + ".tmp")
    scratch.write_text(text, "utf-8")
    scratch.replace(path)


def read_thresholds(path: Path, cases_name: str = "cases.jsonl") -> dict[str, float]:
    """The floors recorded for one cases file; raises CasesError if missing or malformed."""
    try:
        body = json.loads(path.read_text("utf-8"))
        floors = body["sets"][cases_name]["floors"]
        return {str(k): float(v) for k, v in floors.items()}
    except FileNotFoundError as exc:
        raise CasesError(
            f"Inga golv finns i {path}. Spela in dem med `assistant eval --record-thresholds`."
        ) from exc
    except KeyError as exc:
        raise CasesError(
            f"Golvfilen {path} har inga golv för {cases_name}. Spela in dem med "
            "`assistant eval --record-thresholds`."
        ) from exc
    except (ValueError, TypeError, AttributeError) as exc:
        raise CasesError(f"Golvfilen {path} är felaktig ({exc}).") from exc


def below_floors(run: Run, floors: Mapping[str, float]) -> list[str]:
    """Every metric of the run under its floor (over its ceiling), as a readable line."""
    named = {f"{k}": v for k, v in run.summary.overall.named().items()}
    if run.summary.region_path is not None:
        named.update(
            {f"region_path.{k}": v for k, v in run.summary.region_path.named().items()}
        )
    out = []
    for name, bound in floors.items():
        value = named.get(name)
        lower_better = name.removeprefix("region_path.") in LOWER_IS_BETTER
        if value is None:
            out.append(f"{name}: saknas ({'tak' if lower_better else 'golv'} {bound:.2f})")
        elif lower_better and value > bound:
            out.append(f"{name}: {value:.4f} > tak {bound:.2f}")
        elif not lower_better and value < bound:
            out.append(f"{name}: {value:.4f} < golv {bound:.2f}")
    return out
