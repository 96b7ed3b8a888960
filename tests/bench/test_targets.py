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
