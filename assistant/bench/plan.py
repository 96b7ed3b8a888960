"""What `assistant bench` measures and against what: the sections, the plans (the full run
and the quick smoke run) and the targets of issues 3, 9 and 16, all in this one place.

Every latency target is a ratio to the *floor*, the bare query-embedding time of the model
measured in the same run, so that a loaded or slower machine moves both sides together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from assistant.index import vectors

SECTIONS = ("retrieval", "ask", "http", "build", "scale", "heavy", "ansvar")
STAGES = ("filter", "embed", "dense", "lexical", "fusion", "answer")
LEVEL_FLOOR_QUESTIONS = 20  # for the floor measured just before each HTTP level
PROBE_PATH = "/healthz"
PROBE_INTERVAL = 0.1  # seconds between probes of the event loop during a load test
SAMPLE_CHARS = 600  # of a response body: enough to check its shape, cheap for the client

# Targets (issue 9 and issue 3): ratios to the floor measured in the same run.
ASK_RATIO = 1.3
HTTP_RATIO = 1.5
THROUGHPUT_SHARE = 0.7
SERVER_RSS_MB = 500.0
RETRIEVAL_P50_MS = 25.0
RETRIEVAL_REST_P50_MS = 3.0
SCALE_P95_MS = 100.0
# Issue 16: normal questions' p95 while HEAVY_CLIENTS send the longest questions allowed, at
# most this many times their p95 without them.
HEAVY_RATIO = 2.0
HEAVY_CLIENTS = 4
NORMAL_CLIENTS = 2
HEAVY_CHARS = 1000  # the longest question the API accepts
# Issue 22: the ansvarsmatris for the bundled corpus and a synthetic one of every län.
ANSVAR_REGIONS = 21
# Issue 22: the HTTP path close to the model's own time, as ratios measured in one run.
HTTP_FLOOR_RATIO = 1.3  # HTTP p50 at one client ÷ the floor measured just before
CAPACITY_SHARE = 0.9  # answers a second at 16 clients ÷ the bare model's capacity
ANSWER_OWN_P50_MS = 3.0  # reading the passages and statements, and composing, besides search
ANSVAR_TO_ASK = 1.0  # the 21-region /ansvar page's warm p50 ÷ HTTP /v1/ask's p50


@dataclass(frozen=True)
class Plan:
    """How much to measure: the full run, or a quick smoke run."""

    questions: int  # unique questions for in-process latency
    cached: int  # of those, asked again for cache-hit latency
    http_requests: Mapping[int, int]  # concurrent clients -> requests at that level
    http_seconds: float  # time cap per level
    build_documents: int | None  # None: the whole corpus; n: its n smallest documents
    scale_rows: tuple[int, ...]
    scale_queries: int
    scale_kinds: tuple[vectors.VectorKind, ...] = ("flat", "hnsw", "ivf")
    heavy_requests: int = 120  # normal questions per phase of the heavy-load run
    heavy_seconds: float = 120.0  # time cap per phase
    ansvar_requests: int = 30  # warm requests of /ansvar and of /v1/ansvar, per corpus


FULL = Plan(
    questions=10_000,  # i.e. every eval question
    cached=100,
    http_requests=MappingProxyType({1: 60, 4: 120, 16: 320}),
    http_seconds=90.0,
    build_documents=None,
    scale_rows=(10_000, 100_000),
    scale_queries=200,
)
QUICK = Plan(
    questions=20,
    cached=10,
    http_requests=MappingProxyType({1: 8, 4: 16, 16: 32}),
    http_seconds=30.0,
    build_documents=2,
    scale_rows=(2_000,),
    scale_queries=20,
    heavy_requests=30,
    heavy_seconds=60.0,
    ansvar_requests=5,
)
