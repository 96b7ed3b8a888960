"""`/metrics`: requests by route and status, latency, answers, the index and the build."""

from __future__ import annotations

from importlib import metadata

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from assistant.channels.http import create_app
from assistant.pipeline import Engine
from assistant.settings import Settings
from tests.channels.http.support import (
    QUESTION,
)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    """Every sample of /metrics, by name and labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_latency_and_answers_are_counted(
    built: tuple[Settings, Engine], settings: Settings
) -> None:
    with TestClient(create_app(settings, engine=built[1])) as client:
        first = client.post("/v1/ask", json={"question": QUESTION}).json()
        client.post("/v1/ask/stream", json={"question": "Vem kallar till SIP?"})
        client.post("/v1/ask", json={})
        client.get("/v1/finns-inte")
        client.post(f"/v1/answers/{first['answer_id']}/feedback", json={"rating": "up"})
        client.get("/dokument/varmland-test")
        samples = scrape(client)
        again = scrape(client)

    requests = "assistant_http_requests_total"
    assert value(samples, requests, route="/v1/ask", method="POST", status="200") == 1
    assert value(samples, requests, route="/v1/ask", method="POST", status="422") == 1
    assert value(samples, requests, route="/v1/ask/stream", method="POST", status="200") == 1
    assert value(samples, requests, route="unmatched", method="GET", status="404") == 1
    feedback = "/v1/answers/{answer_id}/feedback"  # the template, not the id: bounded labels
    assert value(samples, requests, route=feedback, method="POST", status="201") == 1
    assert value(samples, requests, route="/dokument/{document_id}", method="GET",
                 status="200") == 1
    assert value(again, requests, route="/metrics", method="GET", status="200") == 1

    latency = "assistant_http_request_duration_seconds"
    assert value(samples, f"{latency}_count", route="/v1/ask") == 2
    assert value(samples, f"{latency}_bucket", route="/v1/ask", le="+Inf") == 2
    assert value(samples, f"{latency}_sum", route="/v1/ask") > 0
    buckets = [float(dict(labels)["le"]) for (name, labels) in samples
               if name == f"{latency}_bucket" and dict(labels)["route"] == "/v1/ask"]
    assert len(buckets) >= 10 and min(buckets) <= 0.01

    answered = value(samples, "assistant_answers_total", status="answered")
    declined = value(samples, "assistant_answers_total", status="no_support")
    assert answered + declined == 2


def test_index_and_build_are_described(
    built: tuple[Settings, Engine], settings: Settings
) -> None:
    index = built[1].index
    with TestClient(create_app(settings, engine=built[1])) as client:
        samples = scrape(client)
    assert value(samples, "assistant_index_ready") == 1
    assert value(samples, "assistant_index_documents") == len(index.documents) == 4
    assert value(samples, "assistant_index_passages") == len(index.chunks)
    on_disk = sum((settings.index_dir / name).stat().st_size for name in index.manifest.files)
    assert value(samples, "assistant_index_size_bytes") == on_disk > 0
    info = [dict(labels) for (name, labels) in samples if name == "assistant_index_info"]
    assert info == [{
        "embedder": "fake:bag-of-words",
        "built_at": index.manifest.built_at,
        "corpus_fingerprint": index.manifest.corpus_fingerprint[:12],
    }]
    build = [dict(labels) for (name, labels) in samples if name == "assistant_build_info"]
    assert len(build) == 1 and build[0]["version"] == metadata.version("agreement-assistant")


def test_each_app_counts_for_itself(
    built: tuple[Settings, Engine], settings: Settings
) -> None:
    with TestClient(create_app(settings, engine=built[1])) as one:
        one.get("/healthz")
        one.get("/healthz")
        with TestClient(create_app(settings, engine=built[1])) as two:
            two.get("/healthz")
            counts = scrape(one), scrape(two)
    name = "assistant_http_requests_total"
    labels = {"route": "/healthz", "method": "GET", "status": "200"}
    assert [value(c, name, **labels) for c in counts] == [2, 1]


def test_without_an_index_the_index_is_not_ready(settings: Settings) -> None:
    empty = settings.with_overrides(index_dir=settings.data_dir / "inget-index")
    with TestClient(create_app(empty)) as client:
        samples = scrape(client)
    assert value(samples, "assistant_index_ready") == 0
    assert value(samples, "assistant_index_reloads_total", outcome="failed") == 1
    assert not [n for (n, _) in samples if n == "assistant_index_info"]


def test_query_cache_and_model_batches_are_reported(
    built: tuple[Settings, Engine], settings: Settings
) -> None:
    from dataclasses import replace

    from assistant.index.embedding import CachedEmbedder
    from tests.fakes import FakeEmbedder

    engine = replace(built[1], embedder=CachedEmbedder(FakeEmbedder(), size=8))
    with TestClient(create_app(settings, engine=engine)) as client:
        client.post("/v1/ask", json={"question": QUESTION})
        client.post("/v1/ask", json={"question": QUESTION})  # the same: a cache hit
        client.post("/v1/ask", json={"question": "Vem kallar till SIP?"})
        samples = scrape(client)
    assert value(samples, "assistant_query_cache_hits_total") == 1
    assert value(samples, "assistant_query_cache_misses_total") == 2
    assert value(samples, "assistant_model_calls_total") == 2
    assert value(samples, "assistant_model_questions_total") == 2
    assert value(samples, "assistant_model_batch_largest") == 1
    assert ("assistant_model_waiting", frozenset()) in samples
