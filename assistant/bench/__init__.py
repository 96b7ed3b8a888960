"""The benchmark's code: `assistant bench` (docs/performance.md).

Layer by layer, each module depends only on those above it:

    plan        the sections, the full and quick plans, the targets (every tuned number)
    figures     percentiles, memory and CPU of a process, the machine, a path into results
    questions   the eval questions once each, their unique variants, the heavy questions
    synthetic   a synthetic scale corpus: real passages replicated and perturbed
    servers     a real `assistant serve` on a free loopback port (also for the tests)
    load        concurrent clients on /v1/ask through `evals.client`, a probe of the loop
    latency     in process: the floor, `ask`/`search` by stage, cache hits, model capacity
    throughput  HTTP at each client count against the floor measured just before
    heavy       normal questions beside 1000-character ones (issue 16)
    build       index build: cold, unchanged, one agreement added
    scale       vector kinds, BM25 and retrieval on synthetic corpora of 10k and 100k
    ansvar      the ansvarsmatris page and JSON over HTTP: bundled and 21 synthetic regions
    targets     the issues' targets against a run's figures
    report      tables, the chart (drawn by `evals.charts`), results.json and .svg
    benchmark   the whole run: the chosen sections into one mapping

The HTTP client (`assistant.evals.client`) and the charts (`assistant.evals.charts`) are the
evals': the tooling has one of each. Every latency target is a ratio to the floor, the bare
query-embedding time measured in the same run, so a loaded machine moves both sides alike.
"""

from assistant.bench.benchmark import run_benchmark
from assistant.bench.plan import FULL, QUICK, SECTIONS, Plan
from assistant.bench.report import render_chart, render_table, write_results
from assistant.bench.servers import free_port, running_server, serving

__all__ = [
    "FULL",
    "QUICK",
    "SECTIONS",
    "Plan",
    "free_port",
    "render_chart",
    "render_table",
    "run_benchmark",
    "running_server",
    "serving",
    "write_results",
]
