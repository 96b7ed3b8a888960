"""Comparing two saved eval runs: `assistant eval --compare-runs A.json B.json`.

Each saved report (the `.json` that `assistant eval` writes) carries every case's
outcomes: what it contributes to each metric, under an opaque key. The two runs' cases are
paired by that key, and for every headline metric the difference B − A is given with a
paired bootstrap 95% interval (cases resampled with replacement, the metric computed on
each resample as in the report), so that one case among 29 is not read as progress. A
development set's changes are listed case by case; a held-out set's only as counts by kind
and tag.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import InputError
from assistant.evals.metrics import LOWER_IS_BETTER, metric_names

BOOTSTRAP_SAMPLES = 2000
SEED = 20261207  # fixed, so the same two reports always give the same intervals


@dataclass(frozen=True)
class MetricChange:
    """One metric in both runs, the difference and its bootstrap 95% interval."""

    name: str
    a: float | None
    b: float | None
    low: float | None
    high: float | None

    @property
    def diff(self) -> float | None:
        """B − A."""
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def verdict(self) -> str:
        """"bättre", "sämre" or "osäker" (the interval holds 0)."""
        if self.low is None or self.high is None or self.low <= 0 <= self.high:
            return "osäker"
        up = self.low > 0
        return "sämre" if up == (self.name in LOWER_IS_BETTER) else "bättre"


@dataclass(frozen=True)
class CaseChange:
    """A case whose outcomes differ between the runs (id and question only off a blind set)."""

    key: str
    kind: str
    tags: tuple[str, ...]
    changed: dict[str, tuple[float | None, float | None]]
    id: str | None = None
    question: str | None = None


@dataclass(frozen=True)
class RunComparison:
    """Two saved runs side by side."""

    a_label: str
    b_label: str
    blind: bool
    paired: int
    unpaired: int
    metrics: tuple[MetricChange, ...]
    region_metrics: tuple[MetricChange, ...]
    cases: tuple[CaseChange, ...]


def load_saved(path: Path) -> dict[str, Any]:
    """A saved eval report, checked to hold per-case outcomes."""
    try:
        body = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"Rapporten {path} finns inte.") from exc
    except (OSError, ValueError) as exc:
        raise InputError(f"Rapporten {path} går inte att läsa som JSON ({exc}).") from exc
    cases = body.get("cases") if isinstance(body, dict) else None
    if not isinstance(cases, list) or not all(
        isinstance(c, dict) and isinstance(c.get("key"), str) and isinstance(
            c.get("outcomes"), dict) for c in cases
    ):
        raise InputError(
            f"{path} är ingen sparad utvärdering med utfall per fall (skapa den med "
            "`assistant eval`; en jämförelses JSON kan inte jämföras igen)."
        )
    return body


def _matrix(cases: list[dict[str, Any]], keys: list[str], names: list[str]) -> np.ndarray:
    by_key = {c["key"]: c["outcomes"] for c in cases}
    out = np.full((len(keys), len(names)), np.nan)
    for i, key in enumerate(keys):
        for j, name in enumerate(names):
            value = by_key[key].get(name)
            if isinstance(value, int | float):
                out[i, j] = float(value)
    return out


def _column_means(m: np.ndarray) -> np.ndarray:
    """Mean of each column over its non-missing values (NaN where a column has none)."""
    present = ~np.isnan(m)
    counts = present.sum(axis=-2)
    sums = np.where(present, m, 0.0).sum(axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _changes(
    a_cases: list[dict[str, Any]], b_cases: list[dict[str, Any]], names: list[str]
) -> tuple[tuple[MetricChange, ...], list[str]]:
    a_keys = {c["key"] for c in a_cases}
    keys = [c["key"] for c in b_cases if c["key"] in a_keys]
    if not keys:
        return tuple(MetricChange(n, None, None, None, None) for n in names), keys
    a, b = _matrix(a_cases, keys, names), _matrix(b_cases, keys, names)
    mean_a, mean_b = _column_means(a), _column_means(b)
    rng = np.random.default_rng(SEED)
    samples = rng.integers(0, len(keys), size=(BOOTSTRAP_SAMPLES, len(keys)))
    diffs = _column_means(b[samples]) - _column_means(a[samples])  # (samples, metrics)
    out = []
    for j, name in enumerate(names):
        column = diffs[:, j]
        column = column[~np.isnan(column)]
        low, high = (
            (float(np.percentile(column, 2.5)), float(np.percentile(column, 97.5)))
            if len(column) else (None, None)
        )
        va = None if np.isnan(mean_a[j]) else float(mean_a[j])
        vb = None if np.isnan(mean_b[j]) else float(mean_b[j])
        out.append(MetricChange(name, va, vb, low, high))
    return tuple(out), keys


def compare_saved(a: dict[str, Any], b: dict[str, Any]) -> RunComparison:
    """Pair two saved runs' cases and compare every headline metric (B against A)."""
    names = metric_names(sorted({1, 3, 5, 10, int(a.get("top_k", 5)), int(b.get("top_k", 5))}))
    metrics, keys = _changes(a["cases"], b["cases"], names)
    region, _ = _changes(a.get("region_path_cases", []), b.get("region_path_cases", []), names)
    a_by_key = {c["key"]: c for c in a["cases"]}
    blind = a.get("set") == "holdout" or b.get("set") == "holdout"
    changes = []
    for right in b["cases"]:
        left = a_by_key.get(right["key"])
        if left is None:
            continue
        changed = {
            n: (left["outcomes"].get(n), right["outcomes"].get(n))
            for n in names
            if left["outcomes"].get(n) != right["outcomes"].get(n)
        }
        if changed:
            changes.append(CaseChange(
                key=right["key"], kind=str(right.get("kind", "")),
                tags=tuple(right.get("tags", [])), changed=changed,
                id=None if blind else right.get("id"),
                question=None if blind else right.get("question"),
            ))
    return RunComparison(
        a_label=str(a.get("label", "A")),
        b_label=str(b.get("label", "B")),
        blind=blind,
        paired=len(keys),
        unpaired=len(a["cases"]) + len(b["cases"]) - 2 * len(keys),
        metrics=metrics,
        region_metrics=region,
        cases=tuple(changes),
    )


def change_counts(comparison: RunComparison) -> tuple[Counter[str], Counter[str]]:
    """How many cases changed, by kind and by tag."""
    kinds: Counter[str] = Counter(c.kind for c in comparison.cases)
    tags: Counter[str] = Counter(t for c in comparison.cases for t in c.tags)
    return kinds, tags
