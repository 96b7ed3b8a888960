"""Eval reports: Markdown and JSON files, a hand-drawn SVG chart, and a console summary.

A report is written as three files with one stem, `<timestamp>-<label>`: `.md` (for people),
`.json` (every figure and every case, for tools) and `.svg` (hit@k curve and per-kind bars,
linked from the Markdown; keep it next to the report when copying it).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from assistant.evaluation import (
    DEPTH,
    KINDS,
    MIN_ANSWERED,
    Case,
    CaseResult,
    Difference,
    Metrics,
    Passage,
    Run,
    SweepRow,
    below_floors,
    failure_reasons,
    is_hit,
    word_tokens,
)

COLOURS = ("#1f5fbf", "#c8501e", "#2b8a3e", "#7048e8")
SHADES = ("#9dbbe8", "#4f86d6", "#1f3f80")
SNIPPET = 260

RATE_COLUMNS = (
    ("hit@1", "hit@1"), ("hit@3", "hit@3"), ("hit@5", "hit@5"), ("hit@10", "hit@10"),
    ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10"), ("answered", "besvarade"),
    ("declined", "avböjda obesv."), ("responsible", "rätt ansvarig"),
)
HEADLINE_NAMES = {
    "mrr@10": "MRR@10",
    "ndcg@10": "nDCG@10",
    "answered": "besvarade (av besvarbara)",
    "declined": "avböjda (av obesvarbara)",
    "responsible": "rätt ansvarig part",
    "latency_p50": "svarstid p50",
    "latency_p95": "svarstid p95",
}


@dataclass(frozen=True)
class ReportFiles:
    """The files one report was written to."""

    markdown: Path
    json: Path
    svg: Path


# ── small formatting helpers ───────────────────────────────────────────────────────────


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def _value(name: str, value: float | None) -> str:
    return _seconds(value) if name.startswith("latency") else _share(value)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _snippet(text: str, limit: int = SNIPPET) -> str:
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
            return "… " + _snippet(text[found.start() - 30 :])
    return _snippet(passage.text)


def slug(text: str) -> str:
    """A file-name-safe form of a label: ascii, lower case, hyphens."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:60] or "eval"


def report_stem(run: Run) -> str:
    """`<UTC timestamp>-<label>` for the report's files."""
    started = datetime.fromisoformat(run.started_at).astimezone(UTC)
    return f"{started:%Y%m%d-%H%M%S}-{slug(run.label)}"


def _metric_names(metrics: Metrics) -> list[str]:
    return [*(f"hit@{k}" for k in metrics.hits), "mrr@10", "ndcg@10", "answered", "declined",
            "responsible", "latency_p50", "latency_p95"]


def _counts(metrics: Metrics, name: str) -> str:
    if name.startswith("hit@") or name in ("mrr@10", "ndcg@10", "answered"):
        return f"{metrics.answerable} besvarbara"
    if name == "declined":
        return f"{metrics.unanswerable} obesvarbara"
    if name == "responsible":
        return f"{metrics.responsible_cases} med angiven part"
    return f"{metrics.cases} fall"


# ── the chart ──────────────────────────────────────────────────────────────────────────


def _curve_panel(series: Sequence[tuple[str, list[float]]], x0: float, y0: float) -> list[str]:
    """hit@k for k = 1 … 10 as lines, one per series."""
    width, height = 330.0, 210.0
    out = [f'<text x="{x0}" y="{y0 - 14}" class="h">hit@k (k = 1–{DEPTH})</text>']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = y0 + height - tick * height
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + width}" y2="{y:.1f}" class="g"/>')
        out.append(
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" class="t" text-anchor="end">{tick:.2f}</text>'
        )
    step = width / (DEPTH - 1)
    for k in range(1, DEPTH + 1):
        x = x0 + (k - 1) * step
        out.append(
            f'<text x="{x:.1f}" y="{y0 + height + 16}" class="t" text-anchor="middle">{k}</text>'
        )
    for i, (label, curve) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        points = [
            (x0 + (k - 1) * step, y0 + height - value * height) for k, value in enumerate(curve, 1)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5">'
            f"<title>{escape(label)}</title></polyline>"
        )
        for k, (x, y) in enumerate(points, 1):
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(label)}: hit@{k} = {curve[k - 1]:.3f}</title></circle>"
            )
        if points:
            x, y = points[-1]
            out.append(
                f'<text x="{x + 6:.1f}" y="{y + 4 + 12 * i:.1f}" class="t" fill="{colour}">'
                f"{curve[-1]:.2f}</text>"
            )
    return out


def _bar_panel(
    kinds: Sequence[str],
    bars: Sequence[tuple[str, str, Sequence[float | None]]],
    x0: float,
    y0: float,
    title: str,
) -> list[str]:
    """Grouped bars per kind: (label, colour, one value per kind) for each bar of a group."""
    width, height = 360.0, 210.0
    out = [f'<text x="{x0}" y="{y0 - 14}" class="h">{escape(title)}</text>']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = y0 + height - tick * height
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + width}" y2="{y:.1f}" class="g"/>')
        out.append(
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" class="t" text-anchor="end">{tick:.2f}</text>'
        )
    if not kinds:
        return out
    group = width / len(kinds)
    bar = min(22.0, (group - 10) / max(1, len(bars)))
    for g, kind in enumerate(kinds):
        left = x0 + g * group + (group - bar * len(bars)) / 2
        for b, (label, colour, values) in enumerate(bars):
            value = values[g]
            if value is None:
                continue
            h = value * height
            x = left + b * bar
            out.append(
                f'<rect x="{x:.1f}" y="{y0 + height - h:.1f}" width="{bar - 2:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(kind)}, {escape(label)}: '
                f"{value:.3f}</title></rect>"
            )
        out.append(
            f'<text x="{x0 + (g + 0.5) * group:.1f}" y="{y0 + height + 16}" class="t" '
            f'text-anchor="middle">{escape(kind)}</text>'
        )
    legend_x = x0
    for label, colour, _ in bars:
        y = y0 + height + 28
        out.append(f'<rect x="{legend_x}" y="{y}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{legend_x + 14}" y="{y + 9}" class="t">{escape(label)}</text>')
        legend_x += 16 + 7 * len(label)
    return out


def render_chart(runs: Sequence[Run]) -> str:
    """An SVG with the hit@k curve (left) and per-kind hit rates (right) of one or two runs."""
    kinds = [
        k for k in KINDS
        if any(k in r.summary.by_kind and r.summary.by_kind[k].answerable for r in runs)
    ]
    if len(runs) == 1:
        run = runs[0]
        ks = sorted({1, run.top_k, DEPTH})
        bars = [
            (f"hit@{k}", SHADES[i % len(SHADES)],
             [run.summary.by_kind[kind].hits.get(k) for kind in kinds])
            for i, k in enumerate(ks)
        ]
        title = "Per typ av fråga: " + ", ".join(f"hit@{k}" for k in ks)
    else:
        k = runs[0].top_k
        bars = [
            (
                r.label,
                COLOURS[i % len(COLOURS)],
                [r.summary.by_kind[kind].hits.get(k) for kind in kinds],
            )
            for i, r in enumerate(runs)
        ]
        title = f"Per typ av fråga: hit@{k}"
    body = [
        *_curve_panel([(r.label, r.summary.curve) for r in runs], 50, 50),
        *_bar_panel(kinds, bars, 450, 50, title),
    ]
    legend_y = 318
    legend = []
    if len(runs) > 1:
        x = 50
        for i, r in enumerate(runs):
            colour = COLOURS[i % len(COLOURS)]
            legend.append(f'<line x1="{x}" y1="{legend_y - 4}" x2="{x + 18}" y2="{legend_y - 4}" '
                          f'stroke="{colour}" stroke-width="2.5"/>')
            legend.append(f'<text x="{x + 22}" y="{legend_y}" class="t">{escape(r.label)}</text>')
            x += 40 + 7 * len(r.label)
    desc = "; ".join(
        f"{r.label}: " + ", ".join(f"hit@{k} {v:.2f}" for k, v in enumerate(r.summary.curve, 1)
                                   if k in (1, 3, 5, 10))
        for r in runs
    )
    return "\n".join(
        [
            '<svg xmlns="http://www.w3.org/2000/svg" width="840" height="330" '
            'viewBox="0 0 840 330" role="img" font-family="sans-serif">',
            "<title>Träffsäkerhet: hit@k och per typ av fråga</title>",
            f"<desc>{escape(desc)}</desc>",
            "<style>.h{font-size:13px;font-weight:bold}.t{font-size:11px}"
            ".g{stroke:#ddd;stroke-width:1}</style>",
            '<rect width="840" height="330" fill="#fff"/>',
            *body,
            *legend,
            "</svg>",
            "",
        ]
    )


# ── Markdown ───────────────────────────────────────────────────────────────────────────


def _settings_lines(run: Run) -> list[str]:
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
        *_settings_lines(run),
        f"- Varje fråga ställs utan region och med top_k = {max(DEPTH, run.top_k)}: "
        f"hit@k, MRR@10 och nDCG@10 räknas på de första passagerna, svaret byggs av alla. "
        f"Ett fall räknas som misslyckat utan träff bland de {run.top_k} första.",
        *(f"- Obs: {note}" for note in run.notes),
    ]


def _headline(run: Run) -> list[str]:
    o = run.summary.overall
    rows = ["| mått | värde | underlag |", "|---|---:|---|"]
    for name in _metric_names(o):
        value = o.named()[name]
        title = HEADLINE_NAMES.get(name, name)
        rows.append(f"| {title} | {_value(name, value)} | {_counts(o, name)} |")
    return rows


def _group_table(title: str, groups: Mapping[str, Metrics], cutoffs: Sequence[int]) -> list[str]:
    columns = [(n, label) for n, label in RATE_COLUMNS if not n.startswith("hit@") or
               int(n[4:]) in cutoffs]
    columns[0:0] = [(f"hit@{k}", f"hit@{k}") for k in cutoffs if k not in (1, 3, 5, 10)]
    head = f"| {title} | fall | besv./obesv. | " + " | ".join(label for _, label in columns) + " |"
    rule = "|---|---:|---:|" + "---:|" * len(columns)
    rows = [head, rule]
    for name, m in groups.items():
        values = m.named()
        rows.append(
            f"| {_cell(name)} | {m.cases} | {m.answerable}/{m.unanswerable} | "
            + " | ".join(_share(values.get(n)) for n, _ in columns)
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
    named = run.summary.overall.named()
    failing = below_floors(run.summary.overall, floors)
    lines = [
        "## Regressionsgrind",
        "",
        "Golven i `evals/thresholds.json` (testet `tests/test_eval_gate.py`): "
        + ("**alla nås**." if not failing else f"**{len(failing)} under golvet**."),
        "",
        "| mått | värde | golv | |",
        "|---|---:|---:|---|",
    ]
    for name, floor in floors.items():
        value = named.get(name)
        ok = value is not None and value >= floor
        lines.append(f"| {name} | {_share(value)} | {floor:.2f} | {'ok' if ok else '**under**'} |")
    return lines


def _expected(result: CaseResult) -> list[str]:
    case = result.case
    if not case.answerable:
        return ["- Väntat: att frågan avböjs (texterna besvarar den inte)"]
    lines = []
    for i, e in enumerate(case.evidence, 1):
        prefix = "Väntat" if len(case.evidence) == 1 else f"Väntat, alternativ {i}"
        lines.append(f"- {prefix} (`{e.document}`): ”{_snippet(e.quote, 400)}”")
    if case.responsible:
        lines.append(f"- Väntad ansvarig part: {case.responsible}")
    return lines


def _returned(result: CaseResult, shown: int = 3) -> list[str]:
    reply = result.reply
    lines = []
    if reply.status is not None:
        lines.append(
            f"- Fick: {reply.status}, ansvarig {reply.responsible or '–'}: "
            f"”{_snippet(reply.answer, 400)}”"
        )
    passages = list(enumerate(reply.passages[:shown], 1))
    if result.rank and result.rank > shown:
        passages.append((result.rank, reply.passages[result.rank - 1]))
    for n, passage in passages:
        if is_hit(result.case, passage):
            text = f" ✓ träff: {_hit_snippet(result.case, passage)}"
        else:
            text = f": {_snippet(passage.text)}"
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
            f"**{_cell(case.question)}**",
            "",
            f"- Fel: {'; '.join(reasons)}",
            *_expected(result),
            *_returned(result),
            "",
        ]
    return lines


def render_markdown(run: Run, svg_name: str, floors: Mapping[str, float] | None = None) -> str:
    """The report for people: headline, breakdowns, decline trade-off, failed cases."""
    cutoffs = list(run.summary.overall.hits)
    lines = [
        f"# Utvärdering: {run.label}",
        "",
        *_header(run),
        "",
        "## Huvudtal",
        "",
        *_headline(run),
        "",
        f"![hit@k och träff per typ av fråga]({svg_name})",
        "",
        "## Per typ av fråga",
        "",
        *_group_table("typ", run.summary.by_kind, cutoffs),
        "",
        "## Per region (frågans region enligt fallet)",
        "",
        *_group_table("region", run.summary.by_region, cutoffs),
        "",
        "## Per dokument (första evidensdokumentet)",
        "",
        *_group_table("dokument", run.summary.by_document, cutoffs),
        "",
        *_sweep_section(run),
        "",
    ]
    if floors:
        lines += [*_floor_section(run, floors), ""]
    lines += _failures_section(run)
    lines += [
        "## Så räknas måtten",
        "",
        "En passage är en träff när den kommer från ett evidensdokument och innehåller minst "
        "80 % av citatets ordtecken (gemener, utan skiljetecken, räknade som multimängd); "
        "vilket alternativ som helst räcker. nDCG@10 har binär relevans och ideal = en "
        "relevant passage på plats 1, så bara den första träffen räknas: 1/log2(1 + plats). "
        "Svarstiden är hela frågan (i processen: sökning och svar; mot en server: hela "
        "HTTP-anropet), percentiler enligt närmaste rang.",
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


def _case_json(result: CaseResult, top_k: int) -> dict[str, Any]:
    case, reply = result.case, result.reply
    return {
        "id": case.id,
        "line": case.line,
        "kind": case.kind,
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
        "passages": [
            {"document_id": p.document_id, "text": p.text, "hit": is_hit(case, p)}
            for p in reply.passages[:DEPTH]
        ],
    }


def render_json(run: Run, floors: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Every figure and every case of a run, as plain JSON data."""
    s = run.summary
    return {
        "label": run.label,
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
        "by_region": {k: _metrics_json(m) for k, m in s.by_region.items()},
        "by_document": {k: _metrics_json(m) for k, m in s.by_document.items()},
        "hit_curve": s.curve,
        "decline_sweep": [_sweep_json(r) for r in s.sweep],
        "suggested_min_support": _sweep_json(s.suggestion),
        "floors": dict(floors) if floors else None,
        "below_floors": below_floors(s.overall, floors) if floors else None,
        "cases": [_case_json(r, run.top_k) for r in run.results],
    }


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_report(
    run: Run, out_dir: Path, floors: Mapping[str, float] | None = None
) -> ReportFiles:
    """Write `<stem>.md`, `.json` and `.svg` for one run into out_dir."""
    stem = report_stem(run)
    files = ReportFiles(out_dir / f"{stem}.md", out_dir / f"{stem}.json", out_dir / f"{stem}.svg")
    _write(files.svg, render_chart([run]))
    _write(files.markdown, render_markdown(run, files.svg.name, floors))
    _write(files.json, json.dumps(render_json(run, floors), ensure_ascii=False, indent=2,
                                  default=str) + "\n")
    return files


# ── comparison ─────────────────────────────────────────────────────────────────────────


def _outcome(result: CaseResult) -> str:
    rank = f"plats {result.rank}" if result.rank else "ingen träff"
    status = result.reply.status or "–"
    party = result.reply.responsible or "–"
    return f"{rank}, {status}, {party}"


def render_comparison(a: Run, b: Run, changes: Sequence[Difference], svg_name: str) -> str:
    """The side-by-side report of two settings over the same cases."""
    k = a.top_k
    named_a, named_b = a.summary.overall.named(), b.summary.overall.named()
    worse = sum(d.change == "sämre" for d in changes)
    better = sum(d.change == "bättre" for d in changes)
    lines = [
        f"# Jämförelse: {a.label} mot {b.label}",
        "",
        f"- Fall: {a.summary.overall.cases} från `{a.cases_file}` (sha256 {a.cases_sha256[:12]}), "
        f"körda {a.started_at}",
        "",
        f"### A: {a.label}",
        "",
        *_settings_lines(a),
        "",
        f"### B: {b.label}",
        "",
        *_settings_lines(b),
        "",
        "## Huvudtal",
        "",
        "| mått | A | B | B − A |",
        "|---|---:|---:|---:|",
    ]
    for name in _metric_names(a.summary.overall):
        va, vb = named_a.get(name), named_b.get(name)
        delta = "–" if va is None or vb is None else (
            f"{vb - va:+.2f} s" if name.startswith("latency") else f"{vb - va:+.3f}"
        )
        lines.append(
            f"| {HEADLINE_NAMES.get(name, name)} | {_value(name, va)} | {_value(name, vb)} "
            f"| {delta} |"
        )
    sa, sb = a.summary.suggestion, b.summary.suggestion
    if sa or sb:
        lines.append(
            f"| föreslagen min_support | {f'{sa.threshold:.2f}' if sa else '–'} | "
            f"{f'{sb.threshold:.2f}' if sb else '–'} | |"
        )
    lines += [
        "",
        f"![hit@k och hit@{k} per typ av fråga, A och B]({svg_name})",
        "",
        "## Per typ av fråga",
        "",
        f"| typ | fall | hit@{k} A | hit@{k} B | MRR@10 A | MRR@10 B | besvarade A | "
        "besvarade B | avböjda A | avböjda B |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, ma in a.summary.by_kind.items():
        mb = b.summary.by_kind.get(kind)
        if mb is None:
            continue
        lines.append(
            f"| {kind} | {ma.cases} | {_share(ma.hits.get(k))} | {_share(mb.hits.get(k))} | "
            f"{_share(ma.mrr)} | {_share(mb.mrr)} | {_share(ma.answered)} | "
            f"{_share(mb.answered)} | {_share(ma.declined)} | {_share(mb.declined)} |"
        )
    lines += [
        "",
        f"## Skillnader per fall ({len(changes)}: {better} bättre, {worse} sämre med B)",
        "",
        "Utfall = första träffens plats, status, ansvarig part. Sämre/bättre: fler/färre "
        f"fel (ingen träff bland de {k} första, fel status, fel part), annars träffens plats.",
        "",
        "| fall | typ | fråga | A | B | B är |",
        "|---|---|---|---|---|---|",
    ]
    for d in changes:
        lines.append(
            f"| {d.case.id} | {d.case.kind} | {_cell(_snippet(d.case.question, 120))} | "
            f"{_outcome(d.a)} | {_outcome(d.b)} | {d.change} |"
        )
    lines.append("")
    return "\n".join(lines)


def write_comparison(
    a: Run, b: Run, changes: Sequence[Difference], out_dir: Path
) -> ReportFiles:
    """Write the comparison's `.md`, `.json` (both runs and the differences) and `.svg`."""
    started = datetime.fromisoformat(a.started_at).astimezone(UTC)
    stem = f"{started:%Y%m%d-%H%M%S}-jamforelse-{slug(a.label)}-mot-{slug(b.label)}"[:120]
    files = ReportFiles(out_dir / f"{stem}.md", out_dir / f"{stem}.json", out_dir / f"{stem}.svg")
    _write(files.svg, render_chart([a, b]))
    _write(files.markdown, render_comparison(a, b, changes, files.svg.name))
    body = {
        "a": render_json(a),
        "b": render_json(b),
        "differences": [
            {"id": d.case.id, "change": d.change, "a": _case_json(d.a, a.top_k),
             "b": _case_json(d.b, b.top_k)}
            for d in changes
        ],
    }
    _write(files.json, json.dumps(body, ensure_ascii=False, indent=2, default=str) + "\n")
    return files


def render_console(run: Run) -> str:
    """The headline and per-kind figures as a plain-text table for the terminal."""
    cutoffs = list(run.summary.overall.hits)
    names = [*(f"hit@{k}" for k in cutoffs), "mrr@10", "ndcg@10", "answered", "declined",
             "responsible"]
    head = f"{'':16}{'fall':>5}" + "".join(f"{n:>12}" for n in names)
    rows = [head]
    groups = {"alla": run.summary.overall, **run.summary.by_kind}
    for name, m in groups.items():
        values = m.named()
        rows.append(f"{name:16}{m.cases:>5}" + "".join(f"{_share(values[n]):>12}" for n in names))
    o = run.summary.overall
    rows.append(f"svarstid p50 {_seconds(o.latency_p50)}, p95 {_seconds(o.latency_p95)}")
    if run.summary.suggestion:
        s = run.summary.suggestion
        rows.append(
            f"föreslagen min_support {s.threshold:.2f}: besvarar {s.answered:.3f}, "
            f"avböjer {s.declined:.3f}"
        )
    return "\n".join(rows)
