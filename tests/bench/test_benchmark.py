"""The whole run and `assistant bench`: a table, results.json and results.svg; on the real
index (slow), HTTP and scale through the command."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.bench import benchmark
from assistant.bench.plan import LEVEL_FLOOR_QUESTIONS, QUICK, Plan
from assistant.bench.report import render_table, write_results
from assistant.channels.cli import app
from assistant.pipeline import Engine
from assistant.settings import Settings
from tests.fakes import FakeEmbedder


def test_a_run_prints_a_table_and_writes_json_and_svg(
    engine: Engine, settings: Settings, tiny: Plan, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(benchmark, "QUICK", tiny)
    results = benchmark.run_benchmark(
        settings, ["ask", "scale"], quick=True, engine=engine, build_embedder=FakeEmbedder()
    )
    table = render_table(results)
    for heading in ("Golv", "ask i processen", "Skala", "Mål", "600 hnsw", "600 bm25"):
        assert heading in table
    paths = write_results(results, tmp_path / "out")
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
    assert data["http"]["floor"]["n"] == 3 * LEVEL_FLOOR_QUESTIONS
    assert all(level["floor"]["n"] == LEVEL_FLOOR_QUESTIONS for level in levels.values())
    assert data["http"]["cached"]["ok"] == QUICK.cached
    assert data["http"]["model_capacity"]["questions_per_s"] > 0
    assert data["http"]["floor_one_core"]["n"] == 3 * LEVEL_FLOOR_QUESTIONS
    assert data["http"]["server_memory"]["after_load"]["peak_rss_mb"] > 50
    assert data["scale"]["sizes"][0]["rows"] == QUICK.scale_rows[0]
    assert "genomströmning, 16 klienter" in result.output
