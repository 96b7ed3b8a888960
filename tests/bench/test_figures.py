"""Figures of a measurement: percentiles, memory and CPU time of this process."""

from __future__ import annotations

import time

import pytest

from assistant.bench.figures import cpu_seconds, memory_of, summarise


def test_summarise_gives_percentiles_in_milliseconds() -> None:
    figures = summarise([i / 1000 for i in range(1, 101)])
    assert figures["n"] == 100
    assert figures["p50_ms"] == pytest.approx(50.5)
    assert figures["p95_ms"] == pytest.approx(95.05)
    assert figures["p99_ms"] == pytest.approx(99.01)
    assert summarise([])["p50_ms"] is None


def test_memory_of_reads_this_process() -> None:
    memory = memory_of()
    assert memory["rss_mb"] and memory["peak_rss_mb"]
    assert memory["peak_rss_mb"] >= memory["rss_mb"] > 10


def test_cpu_seconds_count_this_process_working() -> None:
    before = cpu_seconds()
    assert before is not None
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:
        pass
    assert (cpu_seconds() or 0) - before >= 0.03
