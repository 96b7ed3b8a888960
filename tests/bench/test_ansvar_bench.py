"""The ansvarsmatris stage on a tiny corpus (two regions' agreements) with the fake
embedder: the real app on loopback, the synthetic copies, the figures and the report."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from assistant.bench.ansvar import (
    measure_ansvar,
    place_renamer,
    ratios_to_ask,
    synthesise_regions,
)
from assistant.bench.plan import Plan
from assistant.bench.report import render_chart, render_table
from assistant.index.build import build_index
from assistant.index.embedding import CachedEmbedder
from assistant.ingest import catalog as corpus
from assistant.pipeline import Engine, load_engine
from assistant.settings import Settings, load_settings, project_root
from tests.fakes import FakeEmbedder
from tests.serving import served

TINY = ("varmland-psykisk-funktionsnedsattning-beroende", "vastmanland-psykisk-ohalsa-vuxna")


@pytest.fixture(scope="module")
def tiny_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """Two regions' agreements, indexed and loaded with the fake embedder."""
    root = tmp_path_factory.mktemp("ansvar-bench")
    source = project_root() / "corpus"
    catalog = corpus.load_catalog(source)
    kept = {i: catalog[i] for i in TINY}
    (root / "corpus").mkdir()
    for meta in kept.values():
        shutil.copyfile(source / meta.source, root / "corpus" / meta.source)
    corpus.save_catalog(root / "corpus", kept)
    settings = load_settings(
        {}, corpus_dir=root / "corpus", index_dir=root / "index", data_dir=root / "data"
    )
    fake = FakeEmbedder()
    build_index(settings, fake, progress=False)
    return load_engine(settings, embedder=CachedEmbedder(fake, 256))


@dataclass
class Started:
    corpus_dir: Path
    model: FakeEmbedder
    engine: Engine  # kept alive: the matrix cache is keyed by the index's id()


class InThreadServers:
    """The stage's `serve`: the real app over uvicorn on loopback in a thread, each start a
    new engine with its own fake model, so that the test sees what each start embedded."""

    def __init__(self) -> None:
        self.started: list[Started] = []

    @contextmanager
    def __call__(self, settings: Settings, data_dir: Path) -> Iterator[tuple[str, int | None]]:
        from assistant.channels.http import create_app

        settings = replace(settings, data_dir=data_dir, rate_limit_per_minute=0)
        model = FakeEmbedder()
        engine = load_engine(settings, embedder=CachedEmbedder(model, 256))
        self.started.append(Started(settings.corpus_dir, model, engine))
        with served(create_app(settings, engine=engine)) as url:
            yield url, None


@pytest.fixture(scope="module")
def measured(tiny_engine: Engine) -> tuple[dict[str, Any], InThreadServers]:
    servers = InThreadServers()
    plan = Plan(questions=1, cached=0, http_requests={1: 1}, http_seconds=5.0,
                build_documents=2, scale_rows=(10,), scale_queries=1, ansvar_requests=4)
    return measure_ansvar(tiny_engine, plan, regions=4, serve=servers), servers


def test_both_paths_are_measured_warm_and_cold_on_both_corpora(
    measured: tuple[dict[str, Any], InThreadServers],
) -> None:
    result, _ = measured
    assert result["requests"] == 4
    bundled, synthetic = result["corpora"]["bundled"], result["corpora"]["synthetic"]
    for figures in (bundled, synthetic):
        assert figures["failures"] == {}
        for name in ("page", "json"):
            warm = figures["warm"][name]
            assert warm["ok"] == warm["requests"] == 4 and warm["latency"]["n"] == 4
            assert warm["latency"]["p95_ms"] >= warm["latency"]["p50_ms"] > 0
            assert 0 < warm["gzip_bytes"] < warm["bytes"]
            assert figures["first"][name]["status"] == 200
            assert figures["first"][name]["bytes"] == warm["bytes"]  # the same view each time
        assert figures["after_restart"]["status"] == 200
        assert figures["after_restart"]["bytes"] == figures["warm"]["page"]["bytes"]
        # What the server shows is the matrix the stage builds in process.
        assert figures["shown"]["regions"] == figures["build"]["regions"] == figures["regions"]
        assert figures["shown"]["cells"] == figures["build"]["cells"] > 0
        assert figures["shown"]["matters"] == figures["build"]["rows"]
        assert 0 < figures["build"]["embedded"] <= figures["build"]["texts"]
        assert figures["build"]["statement_vectors_stored"]
    assert bundled["regions"] == 2 and bundled["documents"] == 2
    assert synthetic["regions"] == 4 and synthetic["documents"] == 4
    # Each copy is a source agreement with other place names: as many statements.
    assert synthetic["statements"] == 2 * bundled["statements"]
    assert synthetic["build"]["cells"] > bundled["build"]["cells"]
    # A copy's reading that names no place is its source's: its stored vector is reused.
    copied = synthetic["statements"] - bundled["statements"]
    assert 0 <= synthetic["index_embedded"] < copied // 2
    assert synthetic["warm"]["page"]["bytes"] > bundled["warm"]["page"]["bytes"]


def test_the_first_request_embeds_the_statements_and_a_restart_reads_them_from_the_cache(
    measured: tuple[dict[str, Any], InThreadServers],
) -> None:
    _, servers = measured
    assert len(servers.started) == 4  # each corpus: a server, then a restarted one
    first, again, synthetic, synthetic_again = servers.started
    assert first.corpus_dir == again.corpus_dir != synthetic.corpus_dir
    assert synthetic.corpus_dir == synthetic_again.corpus_dir
    assert first.model.passages_embedded and synthetic.model.passages_embedded
    assert again.model.passages_embedded == [] and synthetic_again.model.passages_embedded == []


def test_the_ratio_to_a_question_is_given_only_when_the_run_measured_http(
    measured: tuple[dict[str, Any], InThreadServers],
) -> None:
    result, _ = measured
    alone = {"ansvar": result}
    assert ratios_to_ask(alone) is None
    table = render_table(alone)
    assert "Ansvarsmatris" in table and "syntetisk (4 regioner)" in table
    assert "/v1/ansvar" in table and "÷ HTTP /v1/ask" not in table
    page_p50 = result["corpora"]["bundled"]["warm"]["page"]["latency"]["p50_ms"]
    with_http = {"ansvar": result, "http": {"levels": [
        {"clients": 1, "latency": {"p50_ms": page_p50 / 2}},
        {"clients": 4, "latency": {"p50_ms": 1000.0}},
    ]}}
    ratios = ratios_to_ask(with_http)
    assert ratios is not None and ratios["bundled_page"] == pytest.approx(2.0, abs=0.01)
    assert set(ratios) == {"bundled_page", "bundled_json", "synthetic_page", "synthetic_json"}
    result_with_ratio = {"ansvar": {**result, "ratio_to_ask": ratios}}
    assert "÷ HTTP /v1/ask p50 (1 klient): medföljande /ansvar 2.00×" in render_table(
        result_with_ratio
    )
    assert "Ansvarsmatris, varm" in render_chart(result_with_ratio)


def test_a_copy_names_its_own_region_and_municipalities_not_the_source_ones(
    tmp_path: Path,
) -> None:
    made = synthesise_regions(project_root() / "corpus", tmp_path / "corpus", 21)
    assert len(made.regions) == 21 and len(set(made.regions)) == 21
    catalog = corpus.load_catalog(made.corpus_dir)
    assert {m.region for m in catalog.values() if m.region} == set(made.regions)
    copy = next(m for m in catalog.values() if m.region == "Stockholm")
    source = catalog[made.sources[copy.id]]
    assert source.region != "Stockholm" and source.region is not None
    text = (made.corpus_dir / copy.source).read_text("utf-8")
    assert not re.search(rf"(?<![^\W\d_]){source.region}s?(?![^\W\d_])", text)
    assert "Stockholm" in text and "Region Stockholm" in copy.parties


def test_place_names_are_swapped_with_their_genitive_but_not_inside_words() -> None:
    rename = place_renamer("Värmland", "Skåne")
    assert rename("Region Värmland och Värmlands kommuner") == "Region Skåne och Skånes kommuner"
    assert rename("Värmlandsrådet") == "Värmlandsrådet"
    karlstad = rename("Karlstad")
    assert karlstad != "Karlstad" and karlstad == rename("Karlstad")  # the same one each time
    genitive = karlstad if karlstad.endswith("s") else f"{karlstad}s"  # Höganäs: no second s
    assert rename("Karlstads kommun") == f"{genitive} kommun"
