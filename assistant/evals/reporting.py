"""Eval reports: Markdown and JSON files, a hand-drawn SVG chart, and a console summary.

A report is written as three files with one stem, `<timestamp>-<label>`: `.md` (for people),
`.json` (every figure and every case, for tools) and `.svg` (hit@k curve and per-kind bars,
linked from the Markdown; keep it next to the report when copying it).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.evals.asking import CaseResult
from assistant.evals.cases import DEPTH, Case, Passage, is_hit, word_tokens
from assistant.evals.charts import render_chart
from assistant.evals.gate import below_floors
from assistant.evals.metrics import (
    LOWER_IS_BETTER,
    MIN_ANSWERED,
    Metrics,
    SweepRow,
    case_outcomes,
    metric_names,
)
from assistant.evals.names import (
    KIND_NAMES,
    kind_name,
    metric_title,
    short_metric,
    tag_name,
)
from assistant.evals.runs import Run, failure_reasons

SNIPPET = 260

RATE_COLUMNS = (
    ("hit@1", "hit@1"), ("hit@3", "hit@3"), ("hit@5", "hit@5"), ("hit@10", "hit@10"),
    ("mrr@10", "MRR@10"), ("answered", "besvarade"), ("declined", "avböjda obesv."),
    ("responsible", "rätt part"), ("answer_quotes_evidence", "citat = evidens"),
    ("clean_answers", "rena svar"), ("party_invented", "påhittad part"),
)
@dataclass(frozen=True)
class ReportFiles:
    """The files one report was written to."""

    markdown: Path
    json: Path
    svg: Path


# ── small formatting helpers ───────────────────────────────────────────────────────────


def shown_share(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def shown_seconds(value: float | None) -> str:
    """A latency in milliseconds: most answers take tens of them."""
    return "–" if value is None else f"{value * 1000:.0f} ms"


def shown_value(name: str, value: float | None) -> str:
    return shown_seconds(value) if name.startswith("latency") else shown_share(value)


def table_cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def snippet(text: str, limit: int = SNIPPET) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + " …"


def _hit_snippet(case: Case, passage: Passage) -> str:
    """The passage from just before where an evidence quote starts (else from its start)."""
    for e in case.evidence:
        if e.document != passage.document_id:
            continue
        words = word_tokens(e.quote)[:4]
        if not words:
            continue
        pattern = r"\W+".join(re.escape(w) for w in words)
        text = unicodedata.normalize("NFKC", passage.text)
        found = re.search(pattern, text, re.IGNORECASE)
        if found and found.start() > 40:
            return "… " + snippet(text[found.start() - 30 :])
    return snippet(passage.text)


def slug(text: str) -> str:
    """A file-name-safe form of a label: ascii, lower case, hyphens."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:60] or "eval"


def report_stem(run: Run) -> str:
    """`<UTC timestamp>-<label>` for the report's files."""
    started = datetime.fromisoformat(run.started_at).astimezone(UTC)
    return f"{started:%Y%m%d-%H%M%S}-{slug(run.label)}"


def report_metric_names(metrics: Metrics) -> list[str]:
    return [*metric_names(metrics.cutoffs), "latency_p50", "latency_p95"]


def _counts(metrics: Metrics, name: str) -> str:
    if name.startswith("hit@") or name in (
        "mrr@10", "ndcg@10", "answered", "false_declines", "answer_quotes_evidence"
    ):
        return f"{metrics.answerable} besvarbara"
    if name in ("declined", "false_answers"):
        return f"{metrics.unanswerable} obesvarbara"
    if name == "responsible":
        return f"{metrics.responsible_cases} med angiven part"
    if name == "answer_quotes_evidence_responsibility":
        return "besvarbara ansvarsfrågor"
    if name == "clean_answers":
        return "besvarade fall"
    if name == "party_invented":
        return "fall utan part"
    return f"{metrics.cases} fall"


# ── Markdown ───────────────────────────────────────────────────────────────────────────


def settings_lines(run: Run) -> list[str]:
    s = run.settings
    lines = [
        f"- Inställningar: embedder `{s.get('embedder')}`"
        + (f" (`{s['embedder_model']}`)" if s.get("embedder_model") else "")
        + f", chunk_size {s.get('chunk_size')}, chunk_overlap {s.get('chunk_overlap')}, "
        f"fusion `{s.get('fusion')}`, dense_weight {s.get('dense_weight')}, "
        f"min_support {s.get('min_support')}" + (", språkmodell på" if s.get("llm") else "")
    ]
    index = s.get("index")
    if isinstance(index, Mapping):
        lines.append(
            f"- Index: `{index.get('dir')}`, {index.get('chunks')} passager, byggt "
            f"{index.get('built_at')} (korpus {index.get('corpus_fingerprint')})"
        )
    if run.overrides:
        changed = ", ".join(f"`{k}={v}`" for k, v in run.overrides.items())
        lines.append(f"- Ändrat för körningen: {changed}")
    return lines


def _header(run: Run) -> list[str]:
    o = run.summary.overall
    return [
        f"- Körd {run.started_at} ({run.source}), {run.seconds:.0f} s",
        f"- Fall: {o.cases} ({o.answerable} besvarbara, {o.unanswerable} obesvarbara) från "
        f"`{run.cases_file}` (sha256 {run.cases_sha256[:12]})",
        *settings_lines(run),
        f"- Varje fråga ställs utan region och med top_k = {max(DEPTH, run.top_k)}: "
        f"hit@k, MRR@10 och nDCG@10 räknas på de första passagerna, svaret byggs av alla. "
        f"Ett fall räknas som misslyckat utan träff bland de {run.top_k} första.",
        f"- Regionvägen: de {len(run.region_results)} fall som har en region ställs en gång "
        "till med regionen i anropet (som widgeten med `data-region` eller en Teams-användare "
        "med sparad region frågar); kolumnen *med region*.",
        *(
            ["- **Undanhållen mängd**: rapporten visar bara antal per typ och etikett, aldrig "
             "ett enskilt fall. Ändra aldrig kod efter ett enskilt fall härifrån."]
            if run.blind else []
        ),
        *(f"- Obs: {note}" for note in run.notes),
    ]


def _headline(run: Run) -> list[str]:
    o, r = run.summary.overall, run.summary.region_path
    rows = ["| mått | värde | med region | underlag |", "|---|---:|---:|---|"]
    for name in report_metric_names(o):
        value = o.named()[name]
        with_region = r.named().get(name) if r else None
        rows.append(
            f"| {metric_title(name)} | {shown_value(name, value)} | "
            f"{shown_value(name, with_region)} | {_counts(o, name)} |"
        )
    return rows


def _group_table(
    title: str,
    groups: Mapping[str, Metrics],
    cutoffs: Sequence[int],
    names: Mapping[str, str] | None = None,
) -> list[str]:
    columns = [(n, label) for n, label in RATE_COLUMNS if not n.startswith("hit@") or
               int(n[4:]) in cutoffs]
    columns[0:0] = [(f"hit@{k}", f"hit@{k}") for k in cutoffs if k not in (1, 3, 5, 10)]
    head = f"| {title} | fall | besv./obesv. | " + " | ".join(label for _, label in columns) + " |"
    rule = "|---|---:|---:|" + "---:|" * len(columns)
    rows = [head, rule]
    for name, m in groups.items():
        values = m.named()
        shown = (names or {}).get(name, name)
        rows.append(
            f"| {table_cell(shown)} | {m.cases} | {m.answerable}/{m.unanswerable} | "
            + " | ".join(shown_share(values.get(n)) for n, _ in columns)
            + " |"
        )
    return rows


def _sweep_section(run: Run) -> list[str]:
    summary = run.summary
    lines = ["## Avböjande: tröskel för stödet (`min_support`)", ""]
    if not summary.sweep:
        lines.append(
            "Kan bara räknas i processen (svaret sätts ihop på nytt med olika trösklar); "
            "inte mot en server."
        )
        return lines
    lines += [
        "Svaret avböjs när stödet för den bästa meningen (`answering.support_score`) är "
        "lägre än `min_support`. Samma sökträffar, svaret sammansatt igen för varje tröskel:",
        "",
        "| min_support | besvarade (av besvarbara) | avböjda (av obesvarbara) |",
        "|---:|---:|---:|",
    ]
    current = run.settings.get("min_support")
    suggestion = summary.suggestion
    for row in summary.sweep:
        marks = []
        if suggestion and row.threshold == suggestion.threshold:
            marks.append("förslag")
        if isinstance(current, float | int) and abs(row.threshold - float(current)) < 1e-9:
            marks.append("nu")
        if round(row.threshold * 100) % 5 and not marks:
            continue
        mark = f" **({', '.join(marks)})**" if marks else ""
        lines.append(f"| {row.threshold:.2f}{mark} | {row.answered:.3f} | {row.declined:.3f} |")
    lines.append("")
    if suggestion:
        lines.append(
            f"Förslag: `min_support = {suggestion.threshold:.2f}` avböjer "
            f"{suggestion.declined:.0%} av de obesvarbara och besvarar fortfarande "
            f"{suggestion.answered:.1%} av de besvarbara (krav: minst {MIN_ANSWERED:.0%}). "
            f"Förslaget är anpassat till just dessa fall ({run.summary.overall.unanswerable} "
            "obesvarbara); pröva det på nya frågor innan det blir standard."
        )
    else:
        lines.append(f"Ingen tröskel besvarar minst {MIN_ANSWERED:.0%} av de besvarbara.")
    return lines


def _floor_section(run: Run, floors: Mapping[str, float]) -> list[str]:
    named = dict(run.summary.overall.named())
    if run.summary.region_path is not None:
        named.update({f"region_path.{k}": v for k, v in run.summary.region_path.named().items()})
    failing = below_floors(run, floors)
    lines = [
        "## Regressionsgrind",
        "",
        "Golven (tak där lägre är bättre) i `evals/thresholds.json` (testet "
        "`tests/evals/test_gate.py`): "
        + ("**alla nås**." if not failing else f"**{len(failing)} missas**."),
        "",
        "| mått | värde | golv/tak | |",
        "|---|---:|---:|---|",
    ]
    for name, bound in floors.items():
        value = named.get(name)
        lower = name.removeprefix("region_path.") in LOWER_IS_BETTER
        ok = value is not None and (value <= bound if lower else value >= bound)
        kind = "tak" if lower else "golv"
        lines.append(
            f"| {name} | {shown_share(value)} | {kind} {bound:.2f} | "
            f"{'ok' if ok else '**missas**'} |"
        )
    return lines


def _expected(result: CaseResult) -> list[str]:
    case = result.case
    if not case.answerable:
        return ["- Väntat: att frågan avböjs (texterna besvarar den inte)"]
    lines = []
    for i, e in enumerate(case.evidence, 1):
        prefix = "Väntat" if len(case.evidence) == 1 else f"Väntat, alternativ {i}"
        lines.append(f"- {prefix} (`{e.document}`): ”{snippet(e.quote, 400)}”")
    if case.responsible:
        lines.append(f"- Väntad ansvarig part: {case.responsible}")
    return lines


def _returned(result: CaseResult, shown: int = 3) -> list[str]:
    reply = result.reply
    lines = []
    if reply.status is not None:
        lines.append(
            f"- Fick: {reply.status}, ansvarig {reply.responsible or '–'}: "
            f"”{snippet(reply.answer, 400)}”"
        )
    passages = list(enumerate(reply.passages[:shown], 1))
    if result.rank and result.rank > shown:
        passages.append((result.rank, reply.passages[result.rank - 1]))
    for n, passage in passages:
        if is_hit(result.case, passage):
            text = f" ✓ träff: {_hit_snippet(result.case, passage)}"
        else:
            text = f": {snippet(passage.text)}"
        lines.append(f"  {n}. `{passage.document_id}`{text}")
    if not reply.passages:
        lines.append("  (inga passager)")
    return lines


def _failures_section(run: Run) -> list[str]:
    failed = run.failures()
    lines = [f"## Misslyckade fall ({len(failed)} av {len(run.results)})", ""]
    for result, reasons in failed:
        case = result.case
        lines += [
            f"### {case.id} · {case.kind} · {case.region_label}",
            "",
            f"**{table_cell(case.question)}**",
            "",
            f"- Fel: {'; '.join(reasons)}",
            *_expected(result),
            *_returned(result),
            "",
        ]
    return lines


def render_markdown(run: Run, svg_name: str, floors: Mapping[str, float] | None = None) -> str:
    """The report for people: headline, breakdowns, decline trade-off, failed cases.

    A held-out run (`run.blind`) shows counts by kind and tag only: no case, no region or
    document breakdown, no threshold sweep to tune on.
    """
    s = run.summary
    cutoffs = list(s.overall.hits)
    lines = [
        f"# Utvärdering: {run.label} ({run.set_name})",
        "",
        *_header(run),
        "",
        "## Huvudtal",
        "",
        *_headline(run),
        "",
        f"![hit@k, per typ av fråga och huvudtal]({svg_name})",
        "",
        "## Per typ av fråga",
        "",
        *_group_table("typ", s.by_kind, cutoffs, KIND_NAMES),
        "",
        "## Per etikett (ett fall med flera etiketter räknas i var och en)",
        "",
        *_group_table("etikett", s.by_tag, cutoffs, {t: tag_name(t) for t in s.by_tag}),
        "",
    ]
    if s.region_path is not None:
        lines += [
            "## Regionvägen per typ av fråga (frågan ställd med fallets region)",
            "",
            *_group_table("typ", s.region_path_by_kind, cutoffs, KIND_NAMES),
            "",
        ]
    if not run.blind:
        lines += [
            "## Per region (frågans region enligt fallet)",
            "",
            *_group_table("region", s.by_region, cutoffs),
            "",
            "## Per dokument (första evidensdokumentet)",
            "",
            *_group_table("dokument", s.by_document, cutoffs),
            "",
            *_sweep_section(run),
            "",
        ]
    if floors:
        lines += [*_floor_section(run, floors), ""]
    if not run.blind:
        lines += _failures_section(run)
    lines += [
        "## Så räknas måtten",
        "",
        "En passage är en träff när den kommer från ett evidensdokument och innehåller minst "
        "80 % av citatets ordtecken (gemener, utan skiljetecken, räknade som multimängd); "
        "vilket alternativ som helst räcker. nDCG@10 har binär relevans och ideal = en "
        "relevant passage på plats 1, så bara den första träffen räknas: 1/log2(1 + plats). "
        "Svarstiden är hela frågan (i processen: sökning och svar; mot en server: hela "
        "HTTP-anropet), percentiler enligt närmaste rang. *Svarets citat håller evidensen*: "
        "citaten i de källor svarets [n] pekar på innehåller tillsammans minst 60 % av ett "
        "evidenscitats ordtecken (samma dokument). *Rena svar*: ingen mening i svaret börjar "
        "med ett avsnittsnummer, en fotnotssiffra, ett listfragment (\"att …\", \": att …\"), "
        "ett infinitivt verb utan subjekt eller liten bokstav, och inget \"ansvarar för: att\" "
        "(förkortningar som t.ex. och regionprefix som \"I Dalarna:\" maskas först). "
        "*Påhittad part*: fallet har ingen part men svaret anger en.",
        "",
    ]
    return "\n".join(lines)


# ── JSON ───────────────────────────────────────────────────────────────────────────────


def _metrics_json(m: Metrics) -> dict[str, Any]:
    return {
        "cases": m.cases,
        "answerable": m.answerable,
        "unanswerable": m.unanswerable,
        "responsible_cases": m.responsible_cases,
        **m.named(),
    }


def _sweep_json(row: SweepRow | None) -> dict[str, float] | None:
    if row is None:
        return None
    return {"min_support": row.threshold, "answered": row.answered, "declined": row.declined}


def case_key(case: Case) -> str:
    """An opaque, stable key for a case: pairs two runs' cases without showing the case."""
    return hashlib.sha256(case.id.encode("utf-8")).hexdigest()[:16]


def case_json(result: CaseResult, top_k: int, blind: bool = False) -> dict[str, Any]:
    case, reply = result.case, result.reply
    cutoffs = sorted({1, 3, 5, 10, top_k})
    scored = {
        "key": case_key(case),
        "kind": case.kind,
        "tags": list(case.tags),
        "outcomes": case_outcomes(result, cutoffs),
    }
    if blind:
        return scored  # a held-out case's text, id and answer never leave the run
    return {
        "id": case.id,
        "line": case.line,
        "kind": case.kind,
        "tags": list(case.tags),
        "region": case.region,
        "answerable": case.answerable,
        "question": case.question,
        "rank": result.rank,
        "status": reply.status,
        "responsible_expected": case.responsible,
        "responsible": reply.responsible,
        "seconds": round(reply.seconds, 4),
        "decline_at": reply.decline_at,
        "failed": failure_reasons(result, top_k),
        "answer": reply.answer,
        "quotes": [{"document_id": q.document_id, "quote": q.text} for q in reply.quoted],
        "passages": [
            {"document_id": p.document_id, "text": p.text, "hit": is_hit(case, p)}
            for p in reply.passages[:DEPTH]
        ],
        "key": scored["key"],
        "outcomes": scored["outcomes"],
    }


def _headline_json(m: Metrics | None) -> dict[str, float | None]:
    if m is None:
        return {}
    return {name: m.values.get(name) for name in metric_names(m.cutoffs)}


def render_json(run: Run, floors: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Every figure of a run as plain JSON data, and every case (opaque for a held-out set).

    The headline metrics stand at the top level as bare numbers (0–1), with `region_path`
    holding the same keys for the cases asked with their region.
    """
    s = run.summary
    body: dict[str, Any] = {
        **_headline_json(s.overall),
        "region_path": _headline_json(s.region_path),
        "label": run.label,
        "set": "holdout" if run.blind else "development",
        "source": run.source,
        "started_at": run.started_at,
        "seconds": round(run.seconds, 3),
        "cases_file": run.cases_file,
        "cases_sha256": run.cases_sha256,
        "top_k": run.top_k,
        "depth": max(DEPTH, run.top_k),
        "settings": run.settings,
        "overrides": run.overrides,
        "notes": list(run.notes),
        "overall": _metrics_json(s.overall),
        "by_kind": {k: _metrics_json(m) for k, m in s.by_kind.items()},
        "by_tag": {k: _metrics_json(m) for k, m in s.by_tag.items()},
        "region_path_by_kind": {k: _metrics_json(m) for k, m in s.region_path_by_kind.items()},
        "floors": dict(floors) if floors else None,
        "below_floors": below_floors(run, floors) if floors else None,
    }
    if not run.blind:
        body.update({
            "by_region": {k: _metrics_json(m) for k, m in s.by_region.items()},
            "by_document": {k: _metrics_json(m) for k, m in s.by_document.items()},
            "hit_curve": s.curve,
            "decline_sweep": [_sweep_json(r) for r in s.sweep],
            "suggested_min_support": _sweep_json(s.suggestion),
        })
    body["cases"] = [case_json(r, run.top_k, run.blind) for r in run.results]
    body["region_path_cases"] = [case_json(r, run.top_k, run.blind) for r in run.region_results]
    return body


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_report(
    run: Run, out_dir: Path, floors: Mapping[str, float] | None = None
) -> ReportFiles:
    """Write `<stem>.md`, `.json` and `.svg` for one run into out_dir."""
    stem = report_stem(run)
    files = ReportFiles(out_dir / f"{stem}.md", out_dir / f"{stem}.json", out_dir / f"{stem}.svg")
    write_text(files.svg, render_chart([run]))
    write_text(files.markdown, render_markdown(run, files.svg.name, floors))
    write_text(files.json, json.dumps(render_json(run, floors), ensure_ascii=False, indent=2,
                                  default=str) + "\n")
    return files


def render_console(run: Run) -> str:
    """The headline and per-kind figures as a plain-text table for the terminal."""
    names = metric_names(run.summary.overall.cutoffs)
    rows = [f"{run.label} ({run.set_name})"]
    groups = {"alla": run.summary.overall, **{kind_name(k): m for k, m in
                                              run.summary.by_kind.items()}}
    if run.summary.region_path is not None:
        groups["med region"] = run.summary.region_path
    width = 14
    rows.append(f"{'':40}" + "".join(f"{name[:width - 1]:>{width}}" for name in groups))
    rows.append(f"{'fall':40}" + "".join(f"{m.cases:>{width}}" for m in groups.values()))
    for name in names:
        rows.append(f"{short_metric(name)[:39]:40}" + "".join(
            f"{shown_share(m.values.get(name)):>{width}}" for m in groups.values()
        ))
    o = run.summary.overall
    rows.append(f"svarstid p50 {shown_seconds(o.latency_p50)}, p95 {shown_seconds(o.latency_p95)}")
    if run.summary.suggestion and not run.blind:
        s = run.summary.suggestion
        rows.append(
            f"föreslagen min_support {s.threshold:.2f}: besvarar {s.answered:.3f}, "
            f"avböjer {s.declined:.3f}"
        )
    rows.extend(f"Obs: {note}" for note in run.notes)
    return "\n".join(rows)
