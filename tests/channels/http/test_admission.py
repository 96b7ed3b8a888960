"""Heavy questions: what is embedded is capped, heavy ones run in calls of their own, and
the admission gate answers a few at once and sheds the rest with 503 `overloaded`."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from fastapi.testclient import TestClient

from assistant.channels.http.admission import Admission, admission_for, run_heavy
from assistant.errors import OverloadedError
from assistant.index.embedding import (
    HEAVY_QUERY_TOKENS,
    MAX_QUERY_TOKENS,
    CachedEmbedder,
    QueryBatcher,
    cap_question,
    question_tokens,
)
from tests.channels.http.support import (
    assert_error,
)
from tests.fakes import Caller, FakeEmbedder, GatedModel, wait_until


def words(text: str) -> int:
    """A stand-in tokenizer: one token per word, plus two specials."""
    return len(text.split()) + 2


# ── the cap ───────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("length", [1, 10, MAX_QUERY_TOKENS - 2])
def test_a_question_within_the_cap_is_embedded_unchanged(length: int) -> None:
    text = " ".join(f"ord{i}" for i in range(length))
    assert cap_question(words, text) == text


@pytest.mark.parametrize("length", [MAX_QUERY_TOKENS - 1, 300, 5000])
def test_a_long_question_keeps_its_beginning_and_end_within_the_cap(length: int) -> None:
    text = " ".join(f"ord{i}" for i in range(length)) + " vem ansvarar?"
    capped = cap_question(words, text)
    assert words(capped) <= MAX_QUERY_TOKENS
    assert words(capped) >= MAX_QUERY_TOKENS - 1  # as much as fits, not less
    assert capped.startswith("ord0 ord1") and capped.endswith("vem ansvarar?")


def test_a_word_longer_than_the_cap_allows_is_cut_not_kept_whole() -> None:
    def letters(text: str) -> int:
        return len(text)

    capped = cap_question(letters, "x" * 1000, max_tokens=40)
    assert 0 < len(capped) <= 40


def test_without_a_tokenizer_tokens_are_estimated_from_characters() -> None:
    assert question_tokens(FakeEmbedder(), "a" * 300) == 102


def test_the_serving_embedder_embeds_the_capped_question() -> None:
    model = GatedModel()
    cached = CachedEmbedder(model, size=4)
    long = "början " + "mitten " * 2000 + "slutet?"
    cached.embed_queries([long])
    (embedded,) = model.calls[0]
    assert embedded.startswith("början") and embedded.endswith("slutet?")
    assert question_tokens(model, embedded) <= MAX_QUERY_TOKENS


# ── heavy questions in the batcher ─────────────────────────────────────────────────────


def test_a_heavy_job_is_never_batched_with_normal_questions() -> None:
    model = GatedModel()
    batcher = QueryBatcher(model.embed_queries, lanes=1, max_batch=8)
    model.hold()
    first = Caller(batcher.embed, ["a"])
    model.wait_inside()
    heavy = Caller(lambda texts: batcher.embed(texts, heavy=True), ["lång"])
    wait_until(lambda: batcher.waiting == 1)
    light = [Caller(batcher.embed, [t]) for t in ("b", "c")]
    wait_until(lambda: batcher.waiting == 3)
    model.release()
    for caller in [first, heavy, *light]:
        assert caller.join().error is None
    assert model.calls[0] == ["a"]
    assert ["lång"] in model.calls[1:]
    assert sorted(t for call in model.calls[1:] if call != ["lång"] for t in call) == ["b", "c"]
    assert heavy.vectors is not None
    assert np.array_equal(heavy.vectors, model.fake.embed_queries(["lång"]))


def test_heavy_means_longer_than_any_eval_question() -> None:
    assert 60 < HEAVY_QUERY_TOKENS < MAX_QUERY_TOKENS


# ── the admission gate ─────────────────────────────────────────────────────────────────


def test_the_gate_keeps_a_lane_for_normal_questions() -> None:
    assert (admission_for(1).at_once, admission_for(2).at_once, admission_for(4).at_once) == (
        1, 1, 3)
    assert admission_for(2).waiting == 4


def test_heavy_questions_beyond_the_turns_and_the_queue_are_refused_at_once() -> None:
    gate = Admission(at_once=1, waiting=1)
    release = threading.Event()
    started = threading.Event()
    results: list[str] = []

    def slow() -> str:
        started.set()
        assert release.wait(10)
        return "svar"

    runner = threading.Thread(target=lambda: results.append(run_heavy(gate, slow)))
    runner.start()
    assert started.wait(10)
    waiter = threading.Thread(target=lambda: results.append(run_heavy(gate, lambda: "nästa")))
    waiter.start()
    wait_until(lambda: gate.admitted == 2)
    with pytest.raises(OverloadedError) as refused:
        run_heavy(gate, lambda: "för många")
    assert refused.value.status == 503 and refused.value.retry_after > 0
    assert (gate.admitted, gate.refused) == (2, 1)
    release.set()
    runner.join(10)
    waiter.join(10)
    assert results == ["svar", "nästa"]
    assert gate.admitted == 0


def test_a_failing_heavy_question_gives_its_turn_back() -> None:
    gate = Admission(at_once=1, waiting=0)

    def broken() -> str:
        raise ValueError("trasig")

    with pytest.raises(ValueError):
        run_heavy(gate, broken)
    assert run_heavy(gate, lambda: "ok") == "ok"
    assert gate.admitted == 0


# ── over the API ──────────────────────────────────────────────────────────────────────


def test_a_shed_heavy_question_is_503_overloaded_with_retry_after(
    client: TestClient,
) -> None:
    gate = client.app.state.service.admission  # type: ignore[attr-defined]
    gate.admitted = gate.at_once + gate.waiting  # every turn and place in the queue taken
    try:
        heavy = client.post("/v1/ask", json={"question": "Vem ansvarar? " + "x" * 900})
        normal = client.post("/v1/ask", json={"question": "Vem ansvarar för boendestöd?"})
    finally:
        gate.admitted = 0
    assert_error(heavy, 503, "overloaded", "långa frågor")
    assert heavy.headers["Retry-After"] == "2"
    assert normal.status_code == 200  # normal questions never wait at the gate
    metrics = client.get("/metrics").text
    assert "assistant_heavy_questions_refused_total 1.0" in metrics
