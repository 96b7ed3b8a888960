"""Prometheus metrics of one app: requests, latency, answers, the index and the build.

The only module importing prometheus-client. Each app has its own registry, so several apps
in one process (tests) never share counters; `/metrics` renders that registry.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from assistant.index.build import Manifest
from assistant.index.embedding import QueryStats

PACKAGE = "agreement-assistant"
# Seconds: from a probe (milliseconds) to a question on a busy two-core machine (seconds).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


@dataclass(eq=False)
class Metrics:
    """The app's counters and gauges; fill them through the functions below."""

    registry: Any = field(default_factory=CollectorRegistry)
    requests: Any = field(init=False)
    latency: Any = field(init=False)
    answers: Any = field(init=False)
    refusals: Any = field(init=False)
    reloads: Any = field(init=False)
    index_ready: Any = field(init=False)
    index_documents: Any = field(init=False)
    index_passages: Any = field(init=False)
    index_bytes: Any = field(init=False)
    index_info: Any = field(init=False)

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "assistant_http_requests",
            "HTTP-förfrågningar per route, metod och status.",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "assistant_http_request_duration_seconds",
            "Svarstid per route (till sista byten).",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.answers = Counter(
            "assistant_answers", "Besvarade frågor per status.", ["status"], registry=r
        )
        self.refusals = Counter(
            "assistant_http_refusals",
            "Avvisade förfrågningar (401, 403, 429, 503) per route, status och felkod.",
            ["route", "status", "code"],
            registry=r,
        )
        self.reloads = Counter(
            "assistant_index_reloads", "Omladdningar av indexet per utfall.", ["outcome"],
            registry=r,
        )
        self.index_ready = Gauge(
            "assistant_index_ready",
            "1 när indexet på disk är laddat; 0 utan index eller när senaste omladdning "
            "misslyckades.",
            registry=r,
        )
        self.index_documents = Gauge(
            "assistant_index_documents", "Överenskommelser i det laddade indexet.", registry=r
        )
        self.index_passages = Gauge(
            "assistant_index_passages", "Passager i det laddade indexet.", registry=r
        )
        self.index_bytes = Gauge(
            "assistant_index_size_bytes", "Indexfilernas storlek på disk.", registry=r
        )
        self.index_info = Gauge(
            "assistant_index_info",
            "Det laddade indexet (värdet är alltid 1).",
            ["embedder", "built_at", "corpus_fingerprint"],
            registry=r,
        )
        build = Gauge(
            "assistant_build_info",
            "Programmets version (värdet är alltid 1).",
            ["version", "python"],
            registry=r,
        )
        build.labels(version=_version(), python=platform.python_version()).set(1)


def _version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "okänd"


def count_request(metrics: Metrics, route: str, method: str, status: int, seconds: float) -> None:
    """Count one finished request and its latency."""
    metrics.requests.labels(route=route, method=method, status=str(status)).inc()
    metrics.latency.labels(route=route).observe(seconds)


def count_refusal(metrics: Metrics, route: str, status: int, code: str) -> None:
    """Count one refused request: no key, a wrong key, rate limited, overloaded, …"""
    metrics.refusals.labels(route=route, status=str(status), code=code).inc()


def count_answer(metrics: Metrics, status: str) -> None:
    """Count one answer by its status (`answered`, `no_support`)."""
    metrics.answers.labels(status=status).inc()


def record_index(
    metrics: Metrics, manifest: Manifest, documents: int, size_bytes: int
) -> None:
    """Describe the index now being served."""
    metrics.index_ready.set(1)
    metrics.index_documents.set(documents)
    metrics.index_passages.set(manifest.chunk_count)
    metrics.index_bytes.set(size_bytes)
    metrics.index_info.clear()
    metrics.index_info.labels(
        embedder=manifest.embedder,
        built_at=manifest.built_at,
        corpus_fingerprint=manifest.corpus_fingerprint[:12],
    ).set(1)


def record_reload(metrics: Metrics, ok: bool) -> None:
    """Count a reload; a failed one marks the index on disk as not ready."""
    metrics.reloads.labels(outcome="ok" if ok else "failed").inc()
    if not ok:
        metrics.index_ready.set(0)


class _QueryCollector:
    """Reads the query cache's and the model batches' counters when /metrics is scraped."""

    def __init__(self, read: Callable[[], QueryStats | None]) -> None:
        self.read = read

    def describe(self) -> list[Metric]:
        """Nothing up front: the figures exist once the index and the model are loaded."""
        return []

    def collect(self) -> Iterator[Metric]:
        """The counters of the embedder now serving, if any."""
        stats = self.read()
        if stats is None:
            return
        for name, text, value in (
            ("assistant_query_cache_hits", "Frågor vars inbäddning fanns i cachen.",
             stats.cache_hits),
            ("assistant_query_cache_misses", "Frågor som fick gå till modellen.",
             stats.cache_misses),
            ("assistant_model_calls", "Modellanrop för frågor (var och ett en sats).",
             stats.model_calls),
            ("assistant_model_questions", "Frågor som modellanropen bäddade in.",
             stats.model_questions),
        ):
            yield CounterMetricFamily(name, text, value=value)
        yield GaugeMetricFamily(
            "assistant_model_batch_largest", "Flest frågor i ett modellanrop hittills.",
            value=stats.largest_batch,
        )
        yield GaugeMetricFamily(
            "assistant_model_waiting", "Anrop som väntar på att modellen ska bli ledig, just nu.",
            value=stats.waiting,
        )


class _StoreCollector:
    """Reads whether the store can be written when /metrics is scraped."""

    def __init__(self, read: Callable[[], bool]) -> None:
        self.read = read

    def describe(self) -> list[Metric]:
        """The one gauge, described by collecting it (reading is cheap)."""
        return list(self.collect())

    def collect(self) -> Iterator[Metric]:
        """1 while the store takes writes; 0 when it failed or could not be opened."""
        yield GaugeMetricFamily(
            "assistant_store_ready",
            "1 när lagringen för svar och återkoppling går att skriva till; 0 när den inte "
            "kunde öppnas eller senaste skrivningen misslyckades.",
            value=1 if self.read() else 0,
        )


class _AdmissionCollector:
    """Reads the admission gate's counters for heavy questions when /metrics is scraped."""

    def __init__(self, read: Callable[[], tuple[int, int]]) -> None:
        self.read = read

    def describe(self) -> list[Metric]:
        """Both figures, described by collecting them (reading is cheap)."""
        return list(self.collect())

    def collect(self) -> Iterator[Metric]:
        """Heavy questions admitted now (running or waiting), and those refused so far."""
        admitted, refused = self.read()
        yield GaugeMetricFamily(
            "assistant_heavy_questions_admitted",
            "Långa frågor som besvaras eller väntar på sin tur just nu.",
            value=admitted,
        )
        yield CounterMetricFamily(
            "assistant_heavy_questions_refused",
            "Långa frågor som avvisats med 503 (overloaded) för att för många väntade.",
            value=refused,
        )


def watch_admission(metrics: Metrics, read: Callable[[], tuple[int, int]]) -> None:
    """Report the admission gate (`read` gives heavy questions admitted now, and refused)."""
    metrics.registry.register(_AdmissionCollector(read))


def watch_store(metrics: Metrics, read: Callable[[], bool]) -> None:
    """Report the store's state (`read` says whether it takes writes; it must not block)."""
    metrics.registry.register(_StoreCollector(read))


def watch_queries(metrics: Metrics, read: Callable[[], QueryStats | None]) -> None:
    """Report the query cache and model batches (`read` gives the serving embedder's)."""
    metrics.registry.register(_QueryCollector(read))


def render(metrics: Metrics) -> bytes:
    """The registry in Prometheus' text format (`CONTENT_TYPE`)."""
    return bytes(generate_latest(metrics.registry))
