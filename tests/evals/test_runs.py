"""The eval suite: case files, the hit rule, metrics, the in-process and HTTP runs, reports."""

from __future__ import annotations

import json
import math
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from assistant.answer.weights import WEIGHTS, with_weights
from assistant.channels.cli import app
from assistant.errors import CasesError, IndexUnavailableError, InputError, SettingsError
from assistant.evals import asking, comparison_report, gate, metrics, reporting, runs
from assistant.evals import cases as eval_cases
from assistant.evals.asking import CaseResult, Reply
from assistant.evals.cases import Case, Evidence, Passage
from assistant.index import build as index
from assistant.pipeline import Engine, load_engine
from assistant.settings import Settings, load_settings
from tests.fakes import FakeEmbedder

# ── helpers ────────────────────────────────────────────────────────────────────────────


def make_case(
    case_id: str = "c-1",
    *,
    kind: str = "responsibility",
    evidence: tuple[Evidence, ...] = (Evidence("doc-a", "Regionen ansvarar för abstinensvård."),),
    responsible: str | None = "region",
    region: str | None = None,
    line: int = 1,
) -> Case:
    answerable = kind != "unanswerable"
    return Case(
        id=case_id,
        question="Vem ansvarar för abstinensvård?",
        kind=kind,
        answerable=answerable,
        region=region,
        responsible=responsible if answerable else None,
        answer="",
        evidence=evidence if answerable else (),
        line=line,
    )


def result(
    case: Case,
    rank: int | None,
    *,
    status: str | None = "answered",
    responsible: str | None = None,
    seconds: float = 0.1,
    decline_at: float | None = None,
    sweep_known: bool = False,
) -> CaseResult:
    reply = Reply(status, responsible, "svar", (), seconds, decline_at, sweep_known)
    return CaseResult(case, reply, rank)


def case_line(**fields: Any) -> str:
    row: dict[str, Any] = {
        "id": "x-1",
        "question": "Vem ansvarar för LARO?",
        "kind": "responsibility",
        "answerable": True,
        "region": None,
        "responsible": "region",
        "answer": "Regionen.",
        "evidence": [{"document": "alfa", "quote": "Regionen ansvarar för LARO."}],
    }
    row.update(fields)
    return json.dumps({k: v for k, v in row.items() if v is not ...}, ensure_ascii=False)


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ── the hit rule ───────────────────────────────────────────────────────────────────────


def test_word_tokens_ignore_punctuation_bullets_and_case() -> None:
    text = "\uf0b7 Regionen ansvarar för: • LARO, (läkemedel) – ﬁnns!"
    assert eval_cases.word_tokens(text) == [
        "regionen", "ansvarar", "för", "laro", "läkemedel", "finns",
    ]


def test_quote_share_counts_tokens_as_a_multiset() -> None:
    # The quote needs "vård" twice; a passage with it once holds only 3 of its 4 tokens.
    assert eval_cases.quote_share("vård och vård nu", "nu vård och annat") == 0.75
    assert eval_cases.quote_share("vård och vård nu", "vård nu och mer vård") == 1.0
    assert eval_cases.quote_share("", "vad som helst") == 0.0


def test_hit_needs_eighty_percent_of_the_quote_from_an_evidence_document() -> None:
    quote = "ett två tre fyra fem"
    case = make_case(evidence=(Evidence("doc-a", quote),))
    four_of_five = "Inledning. Ett, två, tre och fyra står här."
    three_of_four = make_case(evidence=(Evidence("doc-a", "ett två tre fyra"),))
    assert eval_cases.is_hit(case, Passage("doc-a", four_of_five))  # exactly 0.8
    assert not eval_cases.is_hit(case, Passage("doc-b", four_of_five))  # wrong document
    assert not eval_cases.is_hit(three_of_four, Passage("doc-a", "ett två tre"))  # 0.75


def test_any_evidence_alternative_counts() -> None:
    case = make_case(
        evidence=(
            Evidence("doc-a", "Regionen ansvarar för abstinensvård."),
            Evidence("doc-b", "Kommunen ordnar boendestöd i hemmet."),
        )
    )
    passages = [
        Passage("doc-a", "Något helt annat om SIP."),
        Passage("doc-b", "• Kommunen ordnar boendestöd i hemmet för den enskilde."),
    ]
    assert eval_cases.first_hit(case, passages) == 2
    assert eval_cases.first_hit(case, passages, depth=1) is None


def test_first_hit_looks_only_at_the_first_ten_passages() -> None:
    case = make_case()
    miss = Passage("doc-a", "Kommunen ansvarar för boendet.")
    hit = Passage("doc-a", "Regionen ansvarar för abstinensvård och avgiftning.")
    assert eval_cases.first_hit(case, [miss] * 10 + [hit]) is None
    assert eval_cases.first_hit(case, [miss] * 9 + [hit]) == 10


# ── metrics ────────────────────────────────────────────────────────────────────────────


def test_metrics_on_hand_made_rankings() -> None:
    ranks = [1, 2, 4, None]
    answerable = [
        result(make_case(f"a{i}"), rank, responsible="region" if i < 3 else "kommun",
               status="answered" if i else "no_support", seconds=float(i + 1))
        for i, rank in enumerate(ranks)
    ]
    unanswerable = [
        result(make_case("u1", kind="unanswerable"), None, status="no_support", seconds=5.0),
        result(make_case("u2", kind="unanswerable"), None, status="answered", seconds=6.0),
    ]
    m = metrics.compute_metrics([*answerable, *unanswerable])
    assert (m.cases, m.answerable, m.unanswerable, m.responsible_cases) == (6, 4, 2, 4)
    assert dict(m.hits) == {1: 0.25, 3: 0.5, 5: 0.75, 10: 0.75}
    assert m.mrr == pytest.approx((1 + 1 / 2 + 1 / 4) / 4)
    assert m.ndcg == pytest.approx((1 + 1 / math.log2(3) + 1 / math.log2(5)) / 4)
    assert m.answered == 0.75
    assert m.declined == 0.5
    assert m.responsible == 0.75  # the no_support case still said "region"; a3 said kommun
    assert m.latency_p50 == 3.0  # nearest rank: the 3rd of 6
    assert m.latency_p95 == 6.0


def test_ndcg_is_one_only_for_a_hit_at_rank_one() -> None:
    assert metrics.ndcg(1) == 1.0
    assert metrics.ndcg(3) == pytest.approx(0.5)
    assert metrics.ndcg(None) == 0.0
    assert metrics.ndcg(11) == 0.0


def test_metrics_without_cases_of_a_sort_are_none_not_zero() -> None:
    m = metrics.compute_metrics([result(make_case("u", kind="unanswerable"), None,
                                           status="no_support")])
    assert m.hits[1] is None and m.mrr is None and m.answered is None
    assert m.declined == 1.0
    assert metrics.compute_metrics([]).latency_p50 is None


def test_hit_curve_and_breakdowns() -> None:
    results = [
        result(make_case("a", region="Dalarna"), 1),
        result(make_case("b", kind="fact", evidence=(Evidence("doc-b", "x y z"),)), 3),
        result(make_case("u", kind="unanswerable", region="Skåne"), None, status="no_support"),
    ]
    assert metrics.hit_curve(results)[:4] == [0.5, 0.5, 1.0, 1.0]
    summary = metrics.summarise(results)
    assert list(summary.by_kind) == ["responsibility", "fact", "unanswerable"]
    assert set(summary.by_region) == {"Dalarna", "ingen region", "Skåne"}
    assert set(summary.by_document) == {"doc-a", "doc-b", eval_cases.NO_DOCUMENT}
    assert summary.by_kind["fact"].hits[1] == 0.0
    assert summary.by_region["Skåne"].declined == 1.0


def test_decline_sweep_and_suggested_threshold() -> None:
    # decline_at: the lowest threshold at which the case is declined (None = never).
    answerable = [0.9, 0.8, 0.7, None, 0.5, 0.95, 0.85, 0.75, 0.65, None,
                  0.6, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    unanswerable = [0.0, 0.3, 0.4, 0.55]
    results = [
        result(make_case(f"a{i}"), 1, decline_at=d, sweep_known=True)
        for i, d in enumerate(answerable)
    ] + [
        result(make_case(f"u{i}", kind="unanswerable"), None, status="no_support",
               decline_at=d, sweep_known=True)
        for i, d in enumerate(unanswerable)
    ]
    rows = {r.threshold: r for r in metrics.sweep_declines(results)}
    assert rows[0.0].answered == 1.0 and rows[0.0].declined == 0.25
    assert rows[0.5].answered == 0.95 and rows[0.5].declined == 0.75
    assert rows[0.55].declined == 1.0 and rows[0.55].answered == 0.95
    assert rows[0.6].answered == 0.9
    best = metrics.suggest_threshold(list(rows.values()))
    assert best is not None and best.threshold == 0.55  # all declined, 95% still answered
    # Without the in-process sweep there is no table rather than a made-up one.
    assert metrics.sweep_declines([result(make_case(), 1)]) == []


# ── case files ─────────────────────────────────────────────────────────────────────────


def test_malformed_lines_are_reported_with_their_line_numbers(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "cases.jsonl",
        [
            case_line(id="ok-1"),
            '{"id": "bad-json", "question": ',
            case_line(id="no-question", question=...),
            case_line(id="bad-kind", kind="opinion"),
            case_line(id="no-evidence", evidence=[]),
            case_line(id="ok-1"),
            case_line(id="u-1", kind="unanswerable", answerable=False, evidence=[]),
            case_line(id="mixed", kind="unanswerable"),
            case_line(id="bad-quote", evidence=[{"document": "alfa", "quote": " – "}]),
            case_line(id="bad-party", responsible="staten"),
            "[1, 2]",
        ],
    )
    with pytest.raises(CasesError) as caught:
        eval_cases.read_cases(path)
    message = caught.value.message
    assert "rad 2: ogiltig JSON" in message
    assert "rad 3: fält saknas: question" in message
    assert "rad 4: okänd kind 'opinion'" in message
    assert "rad 5: en besvarbar fråga (answerable: true) måste ha minst en evidence" in message
    assert "rad 6: id 'ok-1' finns redan på rad 1" in message
    assert "rad 7" not in message
    assert "rad 8: kind 'unanswerable' hör ihop med answerable: false" in message
    assert "rad 9: evidence nr 1 saknar 'quote'" in message
    assert "rad 10: okänd responsible 'staten'" in message
    assert "rad 11: raden måste vara ett JSON-objekt" in message
    assert "9 fel" in message


def test_missing_or_empty_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CasesError, match="Kan inte läsa"):
        eval_cases.read_cases(tmp_path / "nope.jsonl")
    with pytest.raises(CasesError, match="inga fall"):
        eval_cases.read_cases(write_lines(tmp_path / "empty.jsonl", ["", "  "]))


def test_unknown_document_id_is_reported_not_ignored(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "cases.jsonl",
        [
            case_line(id="ok"),
            case_line(id="typo", evidence=[
                {"document": "alfa", "quote": "Regionen ansvarar."},
                {"document": "alfaa", "quote": "Regionen ansvarar."},
            ]),
        ],
    )
    assert len(eval_cases.load_cases(path)) == 2  # format alone is fine
    with pytest.raises(CasesError) as caught:
        eval_cases.load_cases(path, known_documents={"alfa", "beta"})
    assert "rad 2: okänt dokument-id 'alfaa' i fallet 'typo'" in caught.value.message


def test_an_outside_evaluators_file_in_the_same_format(tmp_path: Path) -> None:
    # Written by someone else: other key order, extra keys, optional keys left out,
    # a byte-order mark, CRLF line ends, blank lines and a quote with line breaks.
    rows = [
        {"evidence": [{"quote": "Kommunen ansvarar för\nboendestöd.", "document": "alfa"}],
         "answerable": True, "kind": "fact", "question": "Vem ger boendestöd?", "id": "ext-1",
         "note": "från granskaren"},
        {"id": "ext-2", "question": "Vad kostar parkering i Skåne?", "kind": "unanswerable",
         "answerable": False, "evidence": [], "region": "Skåne", "responsible": None},
    ]
    text = "\ufeff" + "\r\n\r\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\r\n"
    path = tmp_path / "granskare.jsonl"
    path.write_bytes(text.encode("utf-8"))
    cases = eval_cases.load_cases(path, known_documents={"alfa"})
    assert [c.id for c in cases] == ["ext-1", "ext-2"]
    assert [c.line for c in cases] == [1, 3]
    assert cases[0].region is None and cases[0].responsible is None and cases[0].answer == ""

    def asker(question: str, region: str | None) -> Reply:
        if "boendestöd" in question:
            passages = (Passage("alfa", "Boende. Kommunen ansvarar för boendestöd."),)
            return Reply("answered", "kommun", "Kommunen.", passages, 0.2)
        return Reply("no_support", None, "Inget.", (), 0.1)

    results = asking.run_cases(cases, asker)
    m = metrics.compute_metrics(results)
    assert m.hits[1] == 1.0 and m.declined == 1.0 and m.responsible is None


def test_the_held_out_set_is_valid_and_has_the_mix_it_was_written_for() -> None:
    path = Path(__file__).resolve().parents[2] / "evals" / "holdout.jsonl"
    catalog = json.loads((path.parent.parent / "corpus" / "catalog.json").read_text("utf-8"))
    cases = eval_cases.load_cases(path, {d["id"] for d in catalog["documents"]})
    assert eval_cases.is_held_out(path)
    assert len(cases) >= 300
    assert all(c.tags for c in cases)
    responsibility = [c for c in cases if c.kind == "responsibility"]
    assert len(responsibility) >= 150
    assert sum(c.responsible == "annan" for c in responsibility) >= 20
    assert sum(bool({"divided", "negation"} & set(c.tags)) for c in responsibility) >= 20
    assert sum("near_miss" in c.tags for c in cases if not c.answerable) >= 100
    assert {"no_agreement", "off_topic", "injection", "english"} <= {t for c in cases
                                                                      for t in c.tags}
    assert not {c.id for c in cases} & {
        c.id for c in eval_cases.read_cases(path.parent / "cases.jsonl")
    }


def test_the_projects_own_suite_is_valid() -> None:
    path = Path(__file__).resolve().parents[2] / "evals" / "cases.jsonl"
    catalog = json.loads((path.parent.parent / "corpus" / "catalog.json").read_text("utf-8"))
    cases = eval_cases.load_cases(path, {d["id"] for d in catalog["documents"]})
    assert len(cases) >= 200
    assert {c.kind for c in cases} == set(eval_cases.KINDS)


# ── in-process, on a tiny index built with the fake embedder ───────────────────────────

TEXTS = {
    "alfa": (
        "1. Ansvar\n\nRegionen ansvarar för abstinensvård och avgiftning. Regionen ansvarar "
        "också för läkemedelsassisterad behandling vid opioidberoende.\n\n"
        "2. Boende\n\nKommunen ansvarar för boendestöd och sysselsättning. Kommunen ordnar "
        "bostad med särskild service enligt socialtjänstlagen.\n\n"
        "3. Samordnad individuell plan\n\nDen som först uppmärksammar behovet kallar till SIP.\n"
    ),
    "beta": (
        "1. Syfte\n\nÖverenskommelsen ska tydliggöra ansvaret för barn som placeras "
        "utanför hemmet.\n\n2. Hälsa\n\nRegionen erbjuder hälsoundersökning inför placering.\n"
    ),
}
REGIONS = {"alfa": "Värmland", "beta": "Dalarna"}


def write_corpus(folder: Path) -> None:
    folder.mkdir(parents=True)
    entries = []
    for doc_id, text in TEXTS.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        entries.append({
            "id": doc_id, "title": f"Överenskommelse {doc_id}", "region": REGIONS[doc_id],
            "parties": [f"Region {REGIONS[doc_id]}", "Kommunerna"],
            "target_groups": ["missbruk och beroende"], "age_scope": "vuxna",
            "kind": "överenskommelse", "valid_from": None, "valid_to": None,
            "extension": None, "draft": False, "source": f"{doc_id}.txt", "identity": None,
        })
    (folder / "catalog.json").write_text(
        json.dumps({"documents": entries}, ensure_ascii=False), encoding="utf-8"
    )


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Settings, Engine]:
    write_corpus(tmp_path / "corpus")
    settings = load_settings(
        {}, corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index",
        data_dir=tmp_path / "data", evals_dir=tmp_path / "evals", chunk_size=200,
        chunk_overlap=0,
    )
    fake = FakeEmbedder(dimension=256)
    index.build_index(settings, fake, progress=False)
    return settings, load_engine(settings, embedder=fake)


TINY_CASES = [
    case_line(id="t-1", question="Vem ansvarar för abstinensvård och avgiftning?",
              evidence=[{"document": "alfa",
                         "quote": "Regionen ansvarar för abstinensvård och avgiftning."}]),
    case_line(id="t-2", question="Vem ordnar boendestöd?", responsible="kommun",
              evidence=[{"document": "alfa",
                         "quote": "Kommunen ansvarar för boendestöd och sysselsättning."}]),
    case_line(id="t-3", question="Vem kallar till SIP i Skåne?", kind="unanswerable",
              answerable=False, evidence=[], responsible=None, region="Skåne"),
]


def test_in_process_run_through_the_ask_path(tiny: tuple[Settings, Engine], tmp_path: Path) -> None:
    settings, engine = tiny
    path = write_lines(tmp_path / "cases.jsonl", TINY_CASES)
    cases = eval_cases.load_cases(path, engine.index.documents)
    seen: list[str] = []
    run = runs.evaluate(
        cases, asking.local_asker(engine), label="liten", source="i processen",
        cases_file=path, top_k=5, settings=runs.settings_summary(settings, engine),
        on_result=lambda r: seen.append(r.case.id),
    )
    assert seen == ["t-1", "t-2", "t-3", "t-3"]  # t-3 again on the region path (Skåne)
    assert [r.case.id for r in run.region_results] == ["t-3"]
    assert run.summary.region_path is not None and run.summary.region_path.declined == 1.0
    by_id = {r.case.id: r for r in run.results}
    assert by_id["t-1"].rank is not None and by_id["t-1"].rank <= 3
    assert by_id["t-2"].rank is not None
    # Skåne has no agreement here: declined at every threshold, with no passages.
    assert by_id["t-3"].reply.status == "no_support"
    assert by_id["t-3"].reply.decline_at == 0.0
    assert by_id["t-3"].reply.passages == ()
    for r in run.results:
        assert r.reply.sweep_known and r.reply.seconds > 0
        # The sweep agrees with the answer given at the configured min_support.
        at = r.reply.decline_at
        declined = at is not None and at <= settings.min_support
        assert declined == (r.reply.status == "no_support")
    assert run.summary.overall.declined == 1.0
    assert len(run.summary.sweep) == len(asking.SWEEP)
    assert run.settings["index"]["chunks"] == len(engine.index.chunks)
    assert run.settings["weights"]["tie"] == engine.weights.tie  # the report records them


# ── over HTTP, against a stand-in server on loopback ───────────────────────────────────


class StandIn(BaseHTTPRequestHandler):
    """Serves canned DESIGN-shaped answers; remembers what it was asked."""

    asked: ClassVar[list[dict[str, Any]]] = []
    throttle_once: ClassVar[bool] = False
    fail_with: ClassVar[int | None] = None

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/v1/documents":
            self._send(200, {"documents": [{"id": "alfa"}, {"id": "beta"}]})
        else:
            self._send(404, {"error": {"code": "not_found", "message": "Finns inte."}})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).asked.append(body)
        if type(self).throttle_once:
            type(self).throttle_once = False
            self._send(429, {"error": {"code": "rate_limited", "message": "Vänta."}},
                       {"Retry-After": "0"})
            return
        if type(self).fail_with:
            self._send(type(self).fail_with, {"error": {"code": "x", "message": "Trasigt."}})
            return
        question = body["question"]
        citations = [
            {"n": 1, "document_id": "beta", "title": "B", "region": "Dalarna",
             "section": "1. Syfte", "page": 1, "text": "Något om barn.", "quote": "",
             "score": 0.9, "url": "/dokument/beta#1"},
            {"n": 2, "document_id": "alfa", "title": "A", "region": "Värmland",
             "section": "1. Ansvar", "page": 2,
             "text": "Regionen ansvarar för abstinensvård och avgiftning.", "quote": "",
             "score": 0.8, "url": "/dokument/alfa#2"},
        ]
        if "Skåne" in question:
            self._send(200, {"answer_id": "u", "status": "no_support", "answer": "Inget.",
                             "responsible": None, "region": None, "citations": [],
                             "warnings": []})
            return
        self._send(200, {"answer_id": "a", "status": "answered",
                         "answer": "Regionen ansvarar [2].", "responsible": "region",
                         "region": None, "citations": citations, "warnings": []})


@pytest.fixture
def stand_in() -> Iterator[str]:
    StandIn.asked = []
    StandIn.throttle_once = False
    StandIn.fail_with = None
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_http_run_against_a_stand_in_server(stand_in: str, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "cases.jsonl", TINY_CASES)
    cases = eval_cases.load_cases(path)
    settings = load_settings({}, corpus_dir=tmp_path / "nowhere")
    StandIn.throttle_once = True  # the first request is rate limited, then retried
    run = runs.evaluate_remotely(
        stand_in + "/", settings, cases, path, top_k=5, label="stand-in"
    )
    assert StandIn.asked[0] == {"question": cases[0].question, "top_k": 10}
    # Three cases, the one retry, and the region path: t-3 again with its region sent.
    assert len(StandIn.asked) == 5
    assert StandIn.asked[-1] == {"question": cases[2].question, "top_k": 10, "region": "Skåne"}
    assert [r.case.id for r in run.region_results] == ["t-3"]
    by_id = {r.case.id: r for r in run.results}
    assert by_id["t-1"].rank == 2
    assert by_id["t-1"].reply.responsible == "region"
    assert by_id["t-2"].rank is None
    assert by_id["t-3"].reply.status == "no_support"
    assert all(r.reply.seconds > 0 for r in run.results)
    assert run.summary.sweep == []  # not computable over HTTP
    assert run.source == stand_in + "/"


def test_http_errors_become_our_errors(stand_in: str) -> None:
    StandIn.fail_with = 503
    with pytest.raises(IndexUnavailableError, match="Trasigt"):
        asking.http_asker(stand_in)("Vem?", None)
    StandIn.fail_with = 422
    with pytest.raises(InputError, match="svarade 422: Trasigt"):
        asking.http_asker(stand_in)("Vem?", None)
    with pytest.raises(InputError, match="Kan inte nå servern"):
        asking.http_asker("http://127.0.0.1:9")("Vem?", None)
    with pytest.raises(InputError, match="API-kontraktet"):
        asking.reply_from_json({"status": "answered"}, 0.1)


def test_http_run_reports_unknown_documents_from_the_servers_catalog(
    stand_in: str, tmp_path: Path
) -> None:
    path = write_lines(tmp_path / "cases.jsonl", [
        case_line(id="g-1", evidence=[{"document": "gamma", "quote": "Något om gamma."}]),
    ])
    settings = load_settings({}, corpus_dir=tmp_path / "nowhere")
    with pytest.raises(CasesError, match="okänt dokument-id 'gamma'"):
        runs.evaluate_remotely(
            stand_in, settings, eval_cases.read_cases(path), path, top_k=5, label="x"
        )
    assert StandIn.asked == []  # nothing was asked before the cases were known to be sound


# ── reports ────────────────────────────────────────────────────────────────────────────


def small_run(label: str = "prov", ranks: tuple[int | None, ...] = (1, None)) -> runs.Run:
    cases = [
        make_case("a-1", region="Värmland"),
        make_case("a-2", kind="fact", evidence=(Evidence("doc-b", "Kommunen | ordnar boende."),)),
        make_case("u-1", kind="unanswerable", region="Skåne"),
    ]
    passages = (Passage("doc-a", "Regionen ansvarar för abstinensvård."),)
    results = [
        CaseResult(cases[0], Reply("answered", "region", "Regionen [1].", passages, 0.2,
                                   0.6, True, quoted=passages), ranks[0]),
        CaseResult(cases[1], Reply("answered", None, "Något annat [1].", passages, 0.3,
                                   0.7, True), ranks[1]),
        CaseResult(cases[2], Reply("answered", None, "Fel svar [1].", passages, 0.4,
                                   0.3, True), None),
    ]
    return runs.Run(
        label=label, source="i processen", cases_file="cases.jsonl", cases_sha256="ab" * 32,
        top_k=5, settings={"embedder": "fake", "min_support": 0.0},
        started_at="2025-01-02T03:04:05+00:00", seconds=1.5, results=tuple(results),
        summary=metrics.summarise(results), overrides={},
    )


def test_report_files_hold_headline_chart_sweep_and_failed_cases(tmp_path: Path) -> None:
    run = small_run()
    files = reporting.write_report(run, tmp_path, floors={"hit@1": 0.9, "declined": 0.0})
    assert files.markdown.name == "20250102-030405-prov.md"
    md = files.markdown.read_text("utf-8")
    assert "| hit@1 | 0.500 | – | 2 besvarbara |" in md
    assert f"]({files.svg.name})" in md
    assert "| 0.00 **(nu)** | 1.000 | 0.000 |" in md
    assert "Förslag: `min_support = 0.30`" in md
    assert "| hit@1 | 0.500 | golv 0.90 | **missas** |" in md
    # Failed cases: the question, the expected quote and what came back.
    assert "### a-2 · fact · ingen region" in md
    assert "svarets citat innehåller inte evidensen" in md
    assert "”Kommunen | ordnar boende.”" in md
    assert "Fick: answered" in md and "Något annat [1]." in md
    assert "### u-1" in md and "svarade på en fråga som texterna inte besvarar" in md
    assert "### a-1" not in md
    body = json.loads(files.json.read_text("utf-8"))
    assert body["overall"]["hit@1"] == 0.5
    assert body["suggested_min_support"]["min_support"] == 0.3
    assert body["below_floors"] == ["hit@1: 0.5000 < golv 0.90"]
    assert [c["id"] for c in body["cases"]] == ["a-1", "a-2", "u-1"]
    svg = ET.fromstring(files.svg.read_text("utf-8"))
    assert svg.tag.endswith("svg")
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}polyline")) == 1
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}circle")) == eval_cases.DEPTH


def test_comparison_lists_per_case_differences(tmp_path: Path) -> None:
    a, b = small_run("A", (1, None)), small_run("B", (None, 2))
    changes = runs.differences(a.results, b.results, top_k=5)
    assert [(d.case.id, d.change) for d in changes] == [("a-1", "sämre"), ("a-2", "bättre")]
    files = comparison_report.write_comparison(a, b, changes, tmp_path)
    md = files.markdown.read_text("utf-8")
    assert "# Jämförelse: A mot B" in md
    assert "| hit@1 | 0.500 | 0.000 | -0.500 |" in md
    assert "| föreslagen min_support | 0.30 | 0.30 | |" in md
    assert "| a-1 | responsibility |" in md and "| plats 1, answered, region | ingen träff" in md
    body = json.loads(files.json.read_text("utf-8"))
    assert [d["id"] for d in body["differences"]] == ["a-1", "a-2"]
    svg = ET.fromstring(files.svg.read_text("utf-8"))
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}polyline")) == 2


# ── comparing settings and the gate's floors ───────────────────────────────────────────


def test_compare_specs_become_validated_settings() -> None:
    base = load_settings({})
    overrides = runs.parse_overrides("chunk_size=800, fusion=rrf")
    assert overrides == {"chunk_size": "800", "fusion": "rrf"}
    side = runs.apply_overrides(base, overrides)
    assert side.chunk_size == 800 and side.fusion == "rrf"
    assert side.chunk_overlap == base.chunk_overlap
    with pytest.raises(InputError, match="okänd inställning 'chunk'"):
        runs.parse_overrides("chunk=800")
    with pytest.raises(InputError, match="inställning=värde"):
        runs.parse_overrides("chunk_size")
    with pytest.raises(SettingsError):
        runs.apply_overrides(base, {"fusion": "max"})


def test_compare_specs_may_vary_the_answer_weights() -> None:
    base = load_settings({})
    overrides = runs.parse_overrides("tie=0.8, min_support=0.4")
    side = runs.apply_overrides(base, overrides)
    assert side.min_support == 0.4  # the weight is not a setting and leaves the rest alone
    varied = with_weights(WEIGHTS, {"tie": "0.8", "partner_reach": "500"})
    assert varied.tie == 0.8 and varied.partner_reach == 500 and varied.duty == WEIGHTS.duty
    with pytest.raises(InputError, match="ett tal"):
        with_weights(WEIGHTS, {"tie": "lika"})
    with pytest.raises(InputError, match="Okänd vikt"):
        with_weights(WEIGHTS, {"chunk_size": "800"})


def test_floors_round_down_and_catch_a_drop(tmp_path: Path) -> None:
    assert gate.floor2(0.29) == 0.29
    assert gate.floor2(0.28999) == 0.28
    assert gate.floor2(1.0) == 1.0
    run = small_run()
    path = tmp_path / "thresholds.json"
    gate.record_thresholds(path, [run])
    floors = gate.read_thresholds(path)
    assert floors["hit@1"] == 0.5 and floors["declined"] == 0.0
    assert "latency_p50" not in floors
    assert gate.below_floors(run, floors) == []
    worse = small_run(ranks=(None, None))
    assert gate.below_floors(worse, floors)[0].startswith("hit@1: 0.0000")
    with pytest.raises(CasesError, match="record-thresholds"):
        gate.read_thresholds(tmp_path / "none.json")


# ── the command ────────────────────────────────────────────────────────────────────────


def test_cli_names_the_bad_line(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "cases.jsonl", [case_line(), "{oops"])
    outcome = CliRunner().invoke(app, ["eval", "--cases", str(path)])
    assert outcome.exit_code == 2
    assert "rad 2: ogiltig JSON" in outcome.output


def test_cli_runs_against_a_server_and_writes_the_report(stand_in: str, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "cases.jsonl", TINY_CASES)
    out = tmp_path / "reports"
    outcome = CliRunner().invoke(
        app, ["eval", "--cases", str(path), "--server", stand_in, "--out", str(out), "--json"]
    )
    assert outcome.exit_code == 0, outcome.output
    reports = sorted(p.suffix for p in out.iterdir())
    assert reports == [".json", ".md", ".svg"]
    assert json.loads(outcome.stdout)["overall"]["cases"] == 3  # the summary went to stderr


def test_cli_refuses_to_record_floors_from_another_file(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "cases.jsonl", TINY_CASES)
    outcome = CliRunner().invoke(app, ["eval", "--cases", str(path), "--record-thresholds"])
    assert outcome.exit_code == 2
    assert "egna mängder" in outcome.output


# ── the real app over HTTP (slow: real model, real index, uvicorn on loopback) ─────────


@pytest.mark.slow
def test_http_and_in_process_runs_agree_on_the_real_app(tmp_path: Path) -> None:
    import socket

    import uvicorn

    from assistant.channels.http.app import create_app
    from assistant.pipeline import load_engine

    settings = load_settings().with_overrides(data_dir=tmp_path / "data", api_keys=())
    if not (settings.index_dir / "manifest.json").exists():
        pytest.fail(f"Inget index i {settings.index_dir}: kör `assistant index` först.")
    all_cases = eval_cases.read_cases(eval_cases.default_cases(settings))
    cases = [c for c in all_cases if c.answerable][:6] + [
        c for c in all_cases if not c.answerable][:2]
    path = eval_cases.default_cases(settings)
    engine = load_engine(settings)
    local = runs.evaluate(
        cases, asking.local_asker(engine, sweep=False), label="lokal",
        source="i processen", cases_file=path, top_k=5, settings={},
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(
        create_app(settings, engine=engine), host="127.0.0.1", port=port, log_level="warning"
    ))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            threading.Event().wait(0.05)
        assert server.started, "uvicorn startade inte"
        remote = runs.evaluate_remotely(
            f"http://127.0.0.1:{port}", settings, cases, path, top_k=5, label="server"
        )
    finally:
        server.should_exit = True
        thread.join(10)
    pairs = zip(local.results, remote.results, strict=True)
    for mine, theirs in pairs:
        assert mine.rank == theirs.rank, mine.case.id
        assert mine.reply.status == theirs.reply.status, mine.case.id
        assert mine.reply.responsible == theirs.reply.responsible, mine.case.id
        assert [p.document_id for p in mine.reply.passages] == [
            p.document_id for p in theirs.reply.passages
        ], mine.case.id


@pytest.mark.slow
def test_cli_compares_two_fusions_on_the_real_index(tmp_path: Path) -> None:
    settings = load_settings()
    suite = eval_cases.default_cases(settings).read_text("utf-8").splitlines()
    answerable = [line for line in suite if '"answerable": true' in line][:4]
    unanswerable = [line for line in suite if '"answerable": false' in line][:1]
    path = write_lines(tmp_path / "cases.jsonl", answerable + unanswerable)
    out = tmp_path / "reports"
    outcome = CliRunner().invoke(app, [
        "eval", "--cases", str(path), "--out", str(out),
        "--compare", "fusion=rrf", "--compare", "fusion=weighted",
    ])
    assert outcome.exit_code == 0, outcome.output
    report = next(out.glob("*-jamforelse-*.md")).read_text("utf-8")
    assert "# Jämförelse: fusion=rrf mot fusion=weighted" in report
    assert "## Skillnader per fall" in report
    body = json.loads(next(out.glob("*-jamforelse-*.json")).read_text("utf-8"))
    assert body["a"]["settings"]["fusion"] == "rrf"
    assert body["b"]["settings"]["fusion"] == "weighted"
    assert body["a"]["overall"]["cases"] == body["b"]["overall"]["cases"] == 5
    # Fusion does not change the passages, so both sides share one index.
    assert body["a"]["settings"]["index"]["dir"] == body["b"]["settings"]["index"]["dir"]


# ── answer-level metrics, tags, the region path and the held-out set ───────────────────


def test_tags_and_the_annan_party_are_read(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "c.jsonl", [
        case_line(id="a", responsible="annan", tags=["annan", "prose", "annan"]),
        case_line(id="b"),
    ])
    cases = eval_cases.read_cases(path)
    assert cases[0].responsible == "annan" and cases[0].tags == ("annan", "prose")
    assert cases[1].tags == ()
    bad = write_lines(tmp_path / "bad.jsonl", [case_line(tags="prose"), case_line(id="y",
                                                                                 tags=[""])])
    with pytest.raises(CasesError) as caught:
        eval_cases.read_cases(bad)
    assert caught.value.message.count("'tags' måste vara en lista") == 2


def test_the_answer_quotes_the_evidence_only_through_its_own_markers() -> None:
    case = make_case(evidence=(Evidence("doc-a", "Regionen ansvarar för abstinensvård och "
                                                 "avgiftning i slutenvård."),))
    citations = [(1, "doc-b", "Kommunen ansvarar för boende."),
                 (2, "doc-a", "Regionen ansvarar för abstinensvård och avgiftning.")]
    # [1] points to the wrong passage; [2] holds 6 of the quote's 8 tokens (75 % ≥ 60 %).
    assert not eval_cases.quotes_hold_evidence(case, asking.cited("Svar [1].", citations))
    assert eval_cases.quotes_hold_evidence(case, asking.cited("Svar [2].", citations))
    # The same words from another document do not count.
    other = [(1, "doc-b", "Regionen ansvarar för abstinensvård och avgiftning.")]
    assert not eval_cases.quotes_hold_evidence(case, asking.cited("Svar [1].", other))
    # Too little of the quote (2 of 8 tokens).
    short = [(1, "doc-a", "Regionen ansvarar.")]
    assert not eval_cases.quotes_hold_evidence(case, asking.cited("Svar [1].", short))


def test_the_quotes_come_from_the_api_contracts_citations() -> None:
    payload = {"status": "answered", "answer": "Regionen ansvarar [2].", "responsible": "region",
               "citations": [
                   {"n": 1, "document_id": "a", "text": "…", "quote": "Ett."},
                   {"n": 2, "document_id": "b", "text": "…", "quote": "Regionen ansvarar."}]}
    reply = asking.reply_from_json(payload, 0.1)
    assert reply.quoted == (Passage("b", "Regionen ansvarar."),)


def answered(case: Case, text: str, *, responsible: str | None = None,
             quoted: tuple[Passage, ...] = (), status: str = "answered") -> CaseResult:
    reply = Reply(status, responsible, text, (), 0.1, quoted=quoted)
    return CaseResult(case, reply, None)


def test_answer_level_metrics() -> None:
    quote = Passage("doc-a", "Regionen ansvarar för abstinensvård.")
    who = make_case("who")
    fact = make_case("fact", kind="fact", responsible=None)
    never = make_case("never", kind="unanswerable")
    results = [
        answered(who, "Regionen ansvarar för abstinensvård [1].", responsible="region",
                 quoted=(quote,)),
        answered(fact, "Tillhandahålla vård [1].", responsible="kommun", quoted=(quote,)),
        answered(never, "Regionen ansvarar [1].", responsible="region"),
    ]
    m = metrics.compute_metrics(results).values
    assert m["answer_quotes_evidence"] == 1.0  # both answerable cases' quotes hold it
    assert m["answer_quotes_evidence_responsibility"] == 1.0
    assert m["clean_answers"] == pytest.approx(2 / 3)  # "Tillhandahålla …" is a fragment
    assert m["party_invented"] == 1.0  # both cases without a party got one
    assert m["false_declines"] == 0.0 and m["false_answers"] == 1.0
    assert m["responsible"] == 1.0
    declined = [answered(who, "Inget.", status="no_support")]
    d = metrics.compute_metrics(declined).values
    assert d["answer_quotes_evidence"] == 0.0 and d["false_declines"] == 1.0
    assert d["clean_answers"] is None  # a decline is not judged as an answer's text


def test_every_metric_per_tag_with_a_case_in_each_of_its_tags() -> None:
    tagged = Case("t", "Vem?", "responsibility", True, None, "region", "",
                  (Evidence("doc-a", "Regionen ansvarar."),), 1, ("divided", "typo"))
    other = Case("o", "Vem?", "responsibility", True, None, "region", "",
                 (Evidence("doc-a", "Regionen ansvarar."),), 2, ("typo",))
    groups = metrics.by_tag([result(tagged, 1, responsible="region"),
                                result(other, None, responsible="kommun")])
    assert list(groups) == ["divided", "typo"]
    assert groups["divided"].cases == 1 and groups["typo"].cases == 2
    assert groups["typo"].values["responsible"] == 0.5


def held_out_run(tmp_path: Path) -> runs.Run:
    run = small_run()
    return runs.Run(**{**run.__dict__, "cases_file": "evals/holdout.jsonl",
                             "blind": True})


def test_a_held_out_report_shows_counts_never_a_case(tmp_path: Path) -> None:
    run = held_out_run(tmp_path)
    files = reporting.write_report(run, tmp_path)
    md = files.markdown.read_text("utf-8")
    body = json.loads(files.json.read_text("utf-8"))
    everything = md + files.json.read_text("utf-8") + files.svg.read_text("utf-8")
    for r in run.results:
        assert r.case.id not in everything
        assert r.case.question not in everything
        assert r.reply.answer not in everything
    assert "Undanhållen mängd" in md and "## Per etikett" in md
    assert "Misslyckade fall" not in md and "## Avböjande" not in md  # nothing to tune on
    assert body["set"] == "holdout"
    assert set(body["cases"][0]) == {"key", "kind", "tags", "outcomes"}
    for name in ("hit@1", "hit@5", "mrr@10", "answered", "declined", "responsible",
                 "answer_quotes_evidence", "answer_quotes_evidence_responsibility",
                 "clean_answers", "party_invented", "false_declines", "false_answers"):
        assert name in body
    assert body["region_path"] == {}  # no case of this run has a region


def test_the_json_report_has_the_headline_keys_and_the_region_path(tmp_path: Path) -> None:
    base = small_run()
    region = [r for r in base.results if r.case.region]
    run = runs.Run(**{**base.__dict__, "region_results": tuple(region),
                            "summary": metrics.summarise(base.results,
                                                            region_results=region)})
    body = json.loads(reporting.write_report(run, tmp_path).json.read_text("utf-8"))
    keys = {"hit@1", "hit@5", "mrr@10", "answered", "declined", "responsible",
            "answer_quotes_evidence", "answer_quotes_evidence_responsibility", "clean_answers",
            "party_invented", "false_declines", "false_answers"}
    assert keys <= set(body) and keys <= set(body["region_path"])
    assert all(body[k] is None or 0.0 <= body[k] <= 1.0 for k in keys)
    assert body["region_path"]["declined"] == 0.0  # u-1 asked with Skåne, still answered
    md = reporting.render_markdown(run, "x.svg")
    assert "| hit@1 | 0.500 | 1.000 |" in md  # the region-path column


def test_floors_for_both_sets_ceilings_and_held_out_floors_only_rise(tmp_path: Path) -> None:
    dev, held = small_run(), held_out_run(tmp_path)
    path = tmp_path / "thresholds.json"
    gate.record_thresholds(path, [dev, held])
    dev_floors = gate.read_thresholds(path, "cases.jsonl")
    held_floors = gate.read_thresholds(path, "holdout.jsonl")
    assert dev_floors["party_invented"] == 0.0 and held_floors["hit@1"] == 0.5
    assert dev_floors["false_answers"] == 1.0  # a ceiling: lower is better
    assert gate.below_floors(held, held_floors) == []
    worse = runs.Run(**{**held.__dict__, "results": small_run(ranks=(None, None)).results,
                              "summary": small_run(ranks=(None, None)).summary})
    gate.record_thresholds(path, [worse])
    assert gate.read_thresholds(path, "holdout.jsonl")["hit@1"] == 0.5  # kept
    assert gate.below_floors(worse, gate.read_thresholds(path, "holdout.jsonl"))
    with pytest.raises(CasesError, match=r"inga golv för other\.jsonl"):
        gate.read_thresholds(path, "other.jsonl")
