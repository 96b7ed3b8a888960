"""The benchmark's pieces on the real corpus with the fake embedder (figures are not judged,
only that every figure is measured the way it claims: no cache hits where none belong,
every stage, every size, a real HTTP round trip)."""

from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.bench import benchmark
from assistant.bench.benchmark import Plan
from assistant.channels.cli import app
from assistant.index import vectors
from assistant.index.build import build_index
from assistant.index.embedding import CachedEmbedder
from assistant.pipeline import Engine, load_engine
from assistant.settings import Settings, load_settings, project_root
from tests.fakes import FakeEmbedder

TINY = Plan(
    questions=12,
    cached=5,
    http_requests={1: 3, 4: 8},
    http_seconds=30.0,
    build_documents=2,
    scale_rows=(600,),
    scale_queries=10,
)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("bench")
    return load_settings(
        {},
        corpus_dir=project_root() / "corpus",
        evals_dir=project_root() / "evals",
        index_dir=root / "index",
        data_dir=root / "data",
    )


@pytest.fixture(scope="module")
def engine(settings: Settings) -> Engine:
    fake = FakeEmbedder()
    build_index(settings, fake, progress=False)
    return load_engine(settings, embedder=CachedEmbedder(fake, 1024))


def test_summarise_gives_percentiles_in_milliseconds() -> None:
    figures = benchmark.summarise([i / 1000 for i in range(1, 101)])
    assert figures["n"] == 100
    assert figures["p50_ms"] == pytest.approx(50.5)
    assert figures["p95_ms"] == pytest.approx(95.05)
    assert figures["p99_ms"] == pytest.approx(99.01)
    assert benchmark.summarise([])["p50_ms"] is None


def test_questions_are_the_eval_questions_once_and_variants_are_all_distinct(
    settings: Settings,
) -> None:
    questions = benchmark.load_questions(settings)
    assert len(questions) > 100 and len(set(questions)) == len(questions)
    variants = list(benchmark.question_variants(questions[:10]))
    assert variants[:10] == questions[:10]
    assert len(variants) == len(set(variants)) == 10 * 24
    assert all(q[1:] in v for q, v in zip(questions[:10] * 24, variants, strict=True))


def test_ask_latency_has_every_stage_and_never_hits_the_cache_until_asked_again(
    engine: Engine, settings: Settings
) -> None:
    model = benchmark.bare_embedder(engine.embedder)
    assert isinstance(model, FakeEmbedder)
    questions = benchmark.load_questions(settings)[:12]
    calls = model.query_calls
    run = benchmark.measure_queries(engine, questions, cached=5)
    stages = run["stages"]
    assert {"filter", "embed", "dense", "lexical", "fusion", "answer", "total"} <= set(stages)
    assert run["floor"]["n"] == stages["total"]["n"] == 12
    assert run["cached"]["n"] == 5
    # Warm-up (1) + every question once for the floor and once per ask that embeds;
    # the five repeated questions add no model call: they come from the cache.
    assert model.query_calls - calls == 1 + 12 + stages["embed"]["n"]
    assert run["retrieval_without_embedding"]["n"] == stages["embed"]["n"]
    assert stages["total"]["p50_ms"] >= stages["answer"]["p50_ms"]


def test_retrieval_latency_leaves_out_the_answer(engine: Engine, settings: Settings) -> None:
    run = benchmark.measure_queries(engine, benchmark.load_questions(settings)[:5], answer=False)
    assert "answer" not in run["stages"]
    assert run["retrieval"]["n"] == 5


def test_scale_measures_each_kind_bm25_and_retrieval_on_a_synthetic_corpus(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors, "FLAT_MAX_ROWS", 300)  # so that 600 rows default to HNSW
    result = benchmark.measure_scale(engine, benchmark.load_questions(settings), TINY)
    (size,) = result["sizes"]
    assert size["rows"] == 600
    assert set(size["vectors"]) == {"flat", "hnsw", "ivf"}
    assert size["vectors"]["flat"]["recall_at_10"] == 1.0
    for figures in size["vectors"].values():
        assert figures["query"]["n"] == figures["query_as_asked"]["n"] == 10
        assert 0.0 <= figures["recall_at_10_as_asked"] <= 1.0
    assert size["bm25"]["query"]["n"] == 10 and size["bm25"]["size_mb"] >= 0
    assert size["retrieval"]["vector_kind"] == "hnsw"
    assert size["retrieval"]["without_embedding"]["n"] == 10
    assert 0 < size["filtered_share"] <= 1  # most eval questions name a region
    assert "brus" in result["note"]


def test_build_is_measured_cold_unchanged_and_with_one_agreement_added(
    settings: Settings,
) -> None:
    fake = FakeEmbedder()
    result = benchmark.measure_build(settings, TINY, embedder=fake)
    cold, unchanged, grown = result["cold"], result["unchanged"], result["one_added"]
    assert result["documents"] == 2
    assert cold["embedded"] > 0 and cold["passages"] == grown["passages"]
    assert unchanged["embedded"] == 0
    # Only the added agreement's passages are new to the model.
    assert 0 < grown["embedded"] < cold["embedded"]
    assert len(fake.passages_embedded) == cold["embedded"] + grown["embedded"]


@pytest.fixture
def live_server(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """The real app with the fake engine, served by uvicorn on loopback in a thread."""
    import uvicorn

    from assistant.channels.http import create_app

    settings = replace(engine.settings, data_dir=tmp_path, rate_limit_per_minute=0)
    port = benchmark.free_port()
    server = uvicorn.Server(uvicorn.Config(
        create_app(settings, engine=replace(engine, settings=settings)),
        host="127.0.0.1", port=port, log_level="warning",
    ))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "servern startade inte"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_load_test_posts_real_requests_and_probes_the_loop(
    live_server: str, settings: Settings
) -> None:
    questions = benchmark.question_variants(benchmark.load_questions(settings))
    level = benchmark.load_test(live_server, questions, 4, 10, 30.0, probe="/healthz")
    assert level["clients"] == 4 and level["requests"] == 10
    assert level["ok"] == 10 and level["failures"] == {}
    assert level["latency"]["n"] == 10 and level["throughput_per_s"] > 0
    assert level["probe"]["n"] >= 1
    bad = benchmark.load_test(live_server, iter([" "] * 3), 1, 3, 30.0)
    assert bad["ok"] == 0 and bad["failures"] == {"422": 3}


def test_spread_picks_evenly_and_repeats_when_short() -> None:
    items = [str(n) for n in range(100)]
    assert benchmark.spread(items, 4) == ["0", "25", "50", "75"]
    assert benchmark.spread(["a", "b"], 4) == ["a", "a", "b", "b"]
    assert benchmark.spread([], 3) == []


def test_model_capacity_counts_questions_embedded_by_the_bare_model() -> None:
    fake = FakeEmbedder()
    texts = [f"fråga {n}" for n in range(40)]
    capacity = benchmark.measure_capacity(CachedEmbedder(fake, 8), texts, lanes=2, seconds=0.2)
    assert (capacity["lanes"], capacity["batch"]) == (2, benchmark.MAX_BATCH)
    assert capacity["questions"] == len(fake.queries_embedded) - 1  # less the warm-up
    assert capacity["questions"] % benchmark.MAX_BATCH == 0
    assert capacity["questions_per_s"] > 0


def test_memory_of_reads_this_process() -> None:
    memory = benchmark.memory_of()
    assert memory["rss_mb"] and memory["peak_rss_mb"]
    assert memory["peak_rss_mb"] >= memory["rss_mb"] > 10


def test_targets_compare_against_the_floor_of_the_same_run() -> None:
    results = {
        "machine": {"cores": 2},
        "ask": {"floor": {"p50_ms": 40.0}, "stages": {"total": {"p50_ms": 50.0}},
                "retrieval": {"p50_ms": 45.0}, "retrieval_without_embedding": {"p50_ms": 2.0}},
        "http": {"levels": [{"clients": 1, "latency": {"p50_ms": 61.0}},
                            {"clients": 16, "throughput_per_s": 36.0}],
                 "server_memory": {"after_load": {"peak_rss_mb": 420.0}}},
    }
    targets = {t.name: t for t in benchmark.evaluate_targets(results)}
    assert targets["ask i processen, p50"].holds is True  # 50 ≤ 1.3 × 40
    # A level's own floor, measured just before it, wins over the ask run's.
    results["http"]["levels"][0]["floor"] = {"p50_ms": 50.0}
    assert {t.name: t for t in benchmark.evaluate_targets(results)}[
        "HTTP /v1/ask, 1 klient, p50"
    ].holds is True  # 61 ≤ 1.5 × 50
    assert targets["HTTP /v1/ask, 1 klient, p50"].holds is False  # 61 > 1.5 × 40
    assert targets["genomströmning, 16 klienter"].limit == pytest.approx(35.0)
    assert targets["genomströmning, 16 klienter"].holds is True
    assert targets["serverns RSS (topp)"].holds is True
    assert targets["hämtning p50"].holds is False
    assert targets["hämtning utom frågeinbäddning, p50"].holds is True
    assert [t.holds for t in targets.values() if "passager" in t.name] == [None]


def test_a_run_prints_a_table_and_writes_json_and_svg(
    engine: Engine, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(benchmark, "QUICK", TINY)
    results = benchmark.run_benchmark(
        settings, ["ask", "scale"], quick=True, engine=engine, build_embedder=FakeEmbedder()
    )
    table = benchmark.render_table(results)
    for heading in ("Golv", "ask i processen", "Skala", "Mål", "600 hnsw", "600 bm25"):
        assert heading in table
    paths = benchmark.write_results(results, tmp_path / "out")
    data = json.loads(paths[0].read_text("utf-8"))
    assert data["quick"] is True and data["index"]["embedder"] == "fake:bag-of-words"
    assert {t["name"] for t in data["targets"]} >= {"ask i processen, p50"}
    svg = ET.parse(paths[1]).getroot()
    assert svg.tag.endswith("svg")
    labels = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "ask i processen" in labels and "bm25" in labels


def test_cli_rejects_an_unknown_section() -> None:
    result = CliRunner().invoke(app, ["bench", "--only", "everything"])
    assert result.exit_code == 2
    assert "okänd del" in result.output


def test_cpu_seconds_count_this_process_working() -> None:
    before = benchmark.cpu_seconds()
    assert before is not None
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:
        pass
    assert (benchmark.cpu_seconds() or 0) - before >= 0.03


@pytest.mark.slow
def test_bench_command_measures_http_and_scale_on_the_real_index(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["bench", "--quick", "--only", "http", "--only", "scale", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "results.json").read_text("utf-8"))
    levels = {level["clients"]: level for level in data["http"]["levels"]}
    assert set(levels) == {1, 4, 16}
    assert all(level["ok"] == level["requests"] > 0 for level in levels.values())
    assert levels[16]["server_cpu_s"] > 0 and levels[16]["probe"]["n"] >= 1
    assert data["http"]["floor"]["n"] == 3 * benchmark.LEVEL_FLOOR_QUESTIONS
    assert all(level["floor"]["n"] == benchmark.LEVEL_FLOOR_QUESTIONS for level in levels.values())
    assert data["http"]["cached"]["ok"] == benchmark.QUICK.cached
    assert data["http"]["model_capacity"]["questions_per_s"] > 0
    assert data["http"]["floor_one_core"]["n"] == 3 * benchmark.LEVEL_FLOOR_QUESTIONS
    assert data["http"]["server_memory"]["after_load"]["peak_rss_mb"] > 50
    assert data["scale"]["sizes"][0]["rows"] == benchmark.QUICK.scale_rows[0]
    assert "genomströmning, 16 klienter" in result.output
