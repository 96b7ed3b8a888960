"""The targets of issues 3, 9, 16 and 22 against a run's figures: each one measured, its
limit and whether it holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assistant.bench.ansvar import ratios_to_ask
from assistant.bench.figures import cores, lookup
from assistant.bench.plan import (
    ANSVAR_REGIONS,
    ANSVAR_TO_ASK,
    ANSWER_OWN_P50_MS,
    ASK_RATIO,
    CAPACITY_SHARE,
    HEAVY_CHARS,
    HEAVY_CLIENTS,
    HEAVY_RATIO,
    HTTP_FLOOR_RATIO,
    HTTP_RATIO,
    RETRIEVAL_P50_MS,
    RETRIEVAL_REST_P50_MS,
    SCALE_P95_MS,
    SERVER_RSS_MB,
    THROUGHPUT_SHARE,
)


@dataclass(frozen=True)
class Target:
    """A target of the issue, the figure measured for it and whether it holds."""

    name: str
    measured: float | None
    limit: float | None
    unit: str
    holds: bool | None  # None: not measured in this run
    kind: str = "max"  # "max": measured ≤ limit; "min": measured ≥ limit


def _level(results: Mapping[str, Any], clients: int) -> Mapping[str, Any] | None:
    for level in lookup(results, "http", "levels") or ():
        if level.get("clients") == clients:
            return level
    return None


def _check(name: str, measured: Any, limit: Any, unit: str, kind: str = "max") -> Target:
    if measured is None or limit is None:
        return Target(name, measured, limit, unit, None, kind)
    holds = measured <= limit if kind == "max" else measured >= limit
    return Target(name, round(float(measured), 3), round(float(limit), 3), unit, holds, kind)


def floor_p50(results: Mapping[str, Any]) -> float | None:
    """The floor's median in ms: from the ask run, else the retrieval run, else the HTTP one."""
    for path in (("ask", "floor"), ("retrieval", "floor"), ("http", "floor")):
        value = lookup(results, *path, "p50_ms")
        if value is not None:
            return float(value)
    return None


def throughput_goal(results: Mapping[str, Any], floor_ms: float | None) -> float | None:
    """The throughput target for a floor: THROUGHPUT_SHARE × cores ÷ floor, a second."""
    if not floor_ms:
        return None
    return THROUGHPUT_SHARE * (lookup(results, "machine", "cores") or cores()) / (floor_ms / 1000)


def _ratio(numerator: Any, denominator: Any) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def evaluate_targets(results: Mapping[str, Any]) -> list[Target]:
    """Every target of issues 3, 9, 16 and 22 against this run's figures (the HTTP ones
    against the floor measured just before their level, when there is one)."""
    floor = floor_p50(results)
    one = _level(results, 1) or {}
    sixteen = _level(results, 16) or {}
    http_floor = lookup(results, "http", "floor", "p50_ms") or floor
    one_floor = lookup(one, "floor", "p50_ms") or http_floor
    sixteen_floor = lookup(sixteen, "floor", "p50_ms") or http_floor
    server = lookup(results, "http", "server_memory", "after_load", "peak_rss_mb")
    retrieval = lookup(results, "retrieval") or lookup(results, "ask") or {}
    largest = (lookup(results, "scale", "sizes") or [{}])[-1]
    capacity = lookup(results, "http", "model_capacity", "questions_per_s")
    ansvar = ratios_to_ask(results) or {}
    return [
        _check("ask i processen, p50", lookup(results, "ask", "stages", "total", "p50_ms"),
               floor * ASK_RATIO if floor else None, "ms"),
        _check("HTTP /v1/ask, 1 klient, p50", lookup(one, "latency", "p50_ms"),
               one_floor * HTTP_RATIO if one_floor else None, "ms"),
        _check("genomströmning, 16 klienter", sixteen.get("throughput_per_s"),
               throughput_goal(results, sixteen_floor),
               "frågor/s", "min"),
        _check("serverns RSS (topp)", server, SERVER_RSS_MB, "MB"),
        _check("hämtning p50", lookup(retrieval, "retrieval", "p50_ms"), RETRIEVAL_P50_MS, "ms"),
        _check("hämtning utom frågeinbäddning, p50",
               lookup(retrieval, "retrieval_without_embedding", "p50_ms"),
               RETRIEVAL_REST_P50_MS, "ms"),
        _check(f"hämtning utom inbäddning vid {largest.get('rows', '?')} passager, p95",
               lookup(largest, "retrieval", "without_embedding", "p95_ms"), SCALE_P95_MS, "ms"),
        _check(f"vanliga frågor p95 bredvid {HEAVY_CLIENTS} med {HEAVY_CHARS} slumptecken "
               "÷ utan", lookup(results, "heavy", "ratio_random"), HEAVY_RATIO, "×"),
        _check(f"vanliga frågor p95 bredvid {HEAVY_CLIENTS} med långa fallbeskrivningar "
               "÷ utan", lookup(results, "heavy", "ratio_cases"), HEAVY_RATIO, "×"),
        # Issue 22.
        _check("HTTP /v1/ask, 1 klient, p50 ÷ golvet",
               _ratio(lookup(one, "latency", "p50_ms"), one_floor), HTTP_FLOOR_RATIO, "×"),
        _check("16 klienter ÷ modellens kapacitet",
               _ratio(sixteen.get("throughput_per_s"), capacity), CAPACITY_SHARE, "andel", "min"),
        _check("svarets egna steg (läsning och sammanställning), p50",
               lookup(results, "ask", "answer_own", "p50_ms"), ANSWER_OWN_P50_MS, "ms"),
        _check(f"/ansvar med {ANSVAR_REGIONS} regioner, p50 ÷ /v1/ask",
               ansvar.get("synthetic_page"), ANSVAR_TO_ASK, "×"),
    ]
