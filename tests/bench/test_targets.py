"""The targets against a run's figures, each against the floor of the same run."""

from __future__ import annotations

import pytest

from assistant.bench.targets import evaluate_targets


def test_targets_compare_against_the_floor_of_the_same_run() -> None:
    results = {
        "machine": {"cores": 2},
        "ask": {"floor": {"p50_ms": 40.0}, "stages": {"total": {"p50_ms": 50.0}},
                "retrieval": {"p50_ms": 45.0}, "retrieval_without_embedding": {"p50_ms": 2.0}},
        "http": {"levels": [{"clients": 1, "latency": {"p50_ms": 61.0}},
                            {"clients": 16, "throughput_per_s": 36.0}],
                 "server_memory": {"after_load": {"peak_rss_mb": 420.0}}},
    }
    targets = {t.name: t for t in evaluate_targets(results)}
    assert targets["ask i processen, p50"].holds is True  # 50 ≤ 1.3 × 40
    # A level's own floor, measured just before it, wins over the ask run's.
    results["http"]["levels"][0]["floor"] = {"p50_ms": 50.0}
    assert {t.name: t for t in evaluate_targets(results)}[
        "HTTP /v1/ask, 1 klient, p50"
    ].holds is True  # 61 ≤ 1.5 × 50
    assert targets["HTTP /v1/ask, 1 klient, p50"].holds is False  # 61 > 1.5 × 40
    assert targets["genomströmning, 16 klienter"].limit == pytest.approx(35.0)
    assert targets["genomströmning, 16 klienter"].holds is True
    assert targets["serverns RSS (topp)"].holds is True
    assert targets["hämtning p50"].holds is False
    assert targets["hämtning utom frågeinbäddning, p50"].holds is True
    assert [t.holds for t in targets.values() if "passager" in t.name] == [None]


def test_issue_22_targets_are_ratios_of_the_same_run() -> None:
    results = {
        "machine": {"cores": 2},
        "ask": {"floor": {"p50_ms": 20.0}, "answer_own": {"p50_ms": 2.5}},
        "http": {"model_capacity": {"questions_per_s": 50.0},
                 "levels": [{"clients": 1, "floor": {"p50_ms": 20.0},
                             "latency": {"p50_ms": 27.0}},
                            {"clients": 16, "throughput_per_s": 44.0}]},
        "ansvar": {"corpora": {"synthetic": {"warm": {"page": {"latency": {"p50_ms": 30.0}}}}}},
    }
    targets = {t.name: t for t in evaluate_targets(results)}
    assert targets["HTTP /v1/ask, 1 klient, p50 ÷ golvet"].measured == pytest.approx(1.35)
    assert targets["HTTP /v1/ask, 1 klient, p50 ÷ golvet"].holds is False  # 1.35 > 1.3
    assert targets["16 klienter ÷ modellens kapacitet"].measured == pytest.approx(0.88)
    assert targets["16 klienter ÷ modellens kapacitet"].holds is False  # 0.88 < 0.9
    assert targets["svarets egna steg (läsning och sammanställning), p50"].holds is True
    ansvar = next(t for t in targets.values() if t.name.startswith("/ansvar med"))
    assert ansvar.measured == pytest.approx(30 / 27, abs=0.01) and ansvar.holds is False
