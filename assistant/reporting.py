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
from html import escape
from pathlib import Path
from typing import Any

from assistant.evaluation import (
    DEPTH,
    KINDS,
    LOWER_IS_BETTER,
    MIN_ANSWERED,
    Case,
    CaseResult,
    Difference,
    Metrics,
    Passage,
    Run,
    SweepRow,
    below_floors,
    case_outcomes,
    failure_reasons,
    is_hit,
    metric_names,
    word_tokens,
)

COLOURS = ("#1f5fbf", "#c8501e", "#2b8a3e", "#7048e8")
SHADES = ("#9dbbe8", "#4f86d6", "#1f3f80")
SNIPPET = 260

RATE_COLUMNS = (
    ("hit@1", "hit@1"), ("hit@3", "hit@3"), ("hit@5", "hit@5"), ("hit@10", "hit@10"),
    ("mrr@10", "MRR@10"), ("answered", "besvarade"), ("declined", "avböjda obesv."),
    ("responsible", "rätt part"), ("answer_quotes_evidence", "citat = evidens"),
    ("clean_answers", "rena svar"), ("party_invented", "påhittad part"),
)
HEADLINE_NAMES = {
    "mrr@10": "MRR@10",
    "ndcg@10": "nDCG@10",
    "answered": "besvarade (av besvarbara)",
    "declined": "avböjda (av obesvarbara)",
    "responsible": "rätt ansvarig part",
    "answer_quotes_evidence": "svarets citat håller evidensen",
    "answer_quotes_evidence_responsibility": "svarets citat håller evidensen (ansvarsfrågor)",
    "clean_answers": "rena svar (inga fragment)",
    "party_invented": "påhittad part (lägre är bättre)",
    "false_declines": "felaktigt avböjda besvarbara (lägre är bättre)",
    "false_answers": "felaktigt besvarade obesvarbara (lägre är bättre)",
    "latency_p50": "svarstid p50",
    "latency_p95": "svarstid p95",
}
# Kinds and tags as the reports name them.
KIND_NAMES = {
    "responsibility": "ansvar",
    "procedure": "tillvägagångssätt",
    "fact": "fakta",
    "definition": "definition",
    "comparison": "jämförelse",
    "unanswerable": "obesvarbar",
}
TAG_NAMES = {
    "near_miss": "nära miss", "no_agreement": "plats utan överenskommelse",
    "off_topic": "utanför ämnet", "injection": "promptinjektion", "english": "engelska",
    "divided": "delat ansvar", "negation": "negation", "annan": "annan aktör",
    "no_place": "ingen plats", "municipality": "kommun i frågan", "region_named": "region i frågan",
    "typo": "stavfel", "no_diacritics": "utan å/ä/ö", "abbreviation": "förkortning",
    "either_or": "kommunen eller regionen?", "long_case": "lång fallbeskrivning",
    "everyday": "vardagsord", "prose": "löptext", "list": "lista", "table": "tabell",
    "guidance": "nationell vägledning",
}


def kind_name(kind: str) -> str:
    """A kind's Swedish name for reports and charts."""
    return KIND_NAMES.get(kind, kind)


def tag_name(tag: str) -> str:
    """A tag's Swedish label, with the tag itself for those who write cases."""
    return f"{TAG_NAMES[tag]} (`{tag}`)" if tag in TAG_NAMES else f"`{tag}`"


def metric_title(name: str) -> str:
    """A metric's Swedish name."""
    return HEADLINE_NAMES.get(name, name)


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


def _headline_panel(
    series: Sequence[tuple[str, Mapping[str, float | None]]], x0: float, y0: float
) -> tuple[list[str], float]:
    """Every headline metric as horizontal bars, one bar per series; returns (body, height)."""
    names = [n for n in metric_names() if any(v.get(n) is not None for _, v in series)]
    label_width, width, bar = 300.0, 440.0, 11.0
    row = bar * len(series) + 6
    out = [f'<text x="{x0}" y="{y0 - 14}" class="h">Huvudtal (0–1; markerade: lägre är '
           "bättre)</text>"]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = x0 + label_width + tick * width
        out.append(f'<line x1="{x:.1f}" y1="{y0 - 4}" x2="{x:.1f}" '
                   f'y2="{y0 + row * len(names):.1f}" class="g"/>')
        out.append(f'<text x="{x:.1f}" y="{y0 + row * len(names) + 14:.1f}" class="t" '
                   f'text-anchor="middle">{tick:.2f}</text>')
    for i, name in enumerate(names):
        y = y0 + i * row
        mark = " ▼" if name in LOWER_IS_BETTER else ""
        out.append(f'<text x="{x0 + label_width - 8}" y="{y + bar * len(series) / 2 + 4:.1f}" '
                   f'class="t" text-anchor="end">{escape(_short_metric(name))}{mark}</text>')
        for j, (label, values) in enumerate(series):
            value = values.get(name)
            if value is None:
                continue
            colour = COLOURS[j % len(COLOURS)]
            out.append(
                f'<rect x="{x0 + label_width}" y="{y + j * bar:.1f}" width="{value * width:.1f}" '
                f'height="{bar - 1:.1f}" fill="{colour}"><title>{escape(label)}: '
                f"{escape(metric_title(name))} = {value:.3f}</title></rect>"
            )
            out.append(f'<text x="{x0 + label_width + value * width + 4:.1f}" '
                       f'y="{y + j * bar + bar - 2:.1f}" class="t">{value:.2f}</text>')
    return out, row * len(names) + 30


def _short_metric(name: str) -> str:
    return metric_title(name).replace(" (lägre är bättre)", "")


def _svg(width: int, height: float, title: str, desc: str, body: Sequence[str]) -> str:
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
            f'viewBox="0 0 {width} {height:.0f}" role="img" font-family="sans-serif">',
            f"<title>{escape(title)}</title>",
            f"<desc>{escape(desc)}</desc>",
            "<style>.h{font-size:13px;font-weight:bold}.t{font-size:11px}"
            ".g{stroke:#ddd;stroke-width:1}</style>",
            f'<rect width="{width}" height="{height:.0f}" fill="#fff"/>',
            *body,
            "</svg>",
            "",
        ]
    )


def _legend(labels: Sequence[str], y: float) -> list[str]:
    out = []
    x = 50.0
    for i, label in enumerate(labels):
        colour = COLOURS[i % len(COLOURS)]
        out.append(f'<rect x="{x}" y="{y - 9}" width="14" height="10" fill="{colour}"/>')
        out.append(f'<text x="{x + 18}" y="{y}" class="t">{escape(label)}</text>')
        x += 40 + 7 * len(label)
    return out


def headline_chart(series: Sequence[tuple[str, Mapping[str, float | None]]], title: str) -> str:
    """An SVG of every headline metric for one or more labelled sets of values."""
    body, height = _headline_panel(series, 50, 40)
    legend = _legend([label for label, _ in series], 40 + height) if len(series) > 1 else []
    desc = "; ".join(
        f"{label}: " + ", ".join(f"{n} {v:.2f}" for n, v in values.items() if v is not None)
        for label, values in series
    )
    return _svg(840, 60 + height, title, desc, [*body, *legend])


def render_chart(runs: Sequence[Run]) -> str:
    """An SVG: the hit@k curve, per-kind hit rates and every headline metric of one or two runs."""
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
    headline, height = _headline_panel(
        [(r.label, r.summary.overall.named()) for r in runs], 50, 380
    )
    body = [
        *_curve_panel([(r.label, r.summary.curve) for r in runs], 50, 50),
        *_bar_panel([kind_name(k) for k in kinds], bars, 450, 50, title),
        *headline,
    ]
    legend = _legend([r.label for r in runs], 330) if len(runs) > 1 else []
    desc = "; ".join(
        f"{r.label}: " + ", ".join(f"hit@{k} {v:.2f}" for k, v in enumerate(r.summary.curve, 1)
                                   if k in (1, 3, 5, 10))
        for r in runs
    )
    return _svg(840, 390 + height, "Utvärdering: hit@k, per typ av fråga och huvudtal", desc,
                [*body, *legend])


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
    for name in _metric_names(o):
        value = o.named()[name]
        with_region = r.named().get(name) if r else None
        rows.append(
            f"| {metric_title(name)} | {_value(name, value)} | {_value(name, with_region)} "
            f"| {_counts(o, name)} |"
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
            f"| {_cell(shown)} | {m.cases} | {m.answerable}/{m.unanswerable} | "
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
    named = dict(run.summary.overall.named())
    if run.summary.region_path is not None:
        named.update({f"region_path.{k}": v for k, v in run.summary.region_path.named().items()})
    failing = below_floors(run, floors)
    lines = [
        "## Regressionsgrind",
        "",
        "Golven (tak där lägre är bättre) i `evals/thresholds.json` (testet "
        "`tests/test_eval_gate.py`): "
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
            f"| {name} | {_share(value)} | {kind} {bound:.2f} | {'ok' if ok else '**missas**'} |"
        )
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


def _case_json(result: CaseResult, top_k: int, blind: bool = False) -> dict[str, Any]:
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
    body["cases"] = [_case_json(r, run.top_k, run.blind) for r in run.results]
    body["region_path_cases"] = [_case_json(r, run.top_k, run.blind) for r in run.region_results]
    return body


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
        rows.append(f"{_short_metric(name)[:39]:40}" + "".join(
            f"{_share(m.values.get(name)):>{width}}" for m in groups.values()
        ))
    o = run.summary.overall
    rows.append(f"svarstid p50 {_seconds(o.latency_p50)}, p95 {_seconds(o.latency_p95)}")
    if run.summary.suggestion and not run.blind:
        s = run.summary.suggestion
        rows.append(
            f"föreslagen min_support {s.threshold:.2f}: besvarar {s.answered:.3f}, "
            f"avböjer {s.declined:.3f}"
        )
    return "\n".join(rows)


# ── comparing two saved runs ───────────────────────────────────────────────────────────


def interval_text(change: Any) -> str:
    if change.low is None or change.high is None:
        return "–"
    return f"[{change.low:+.3f}, {change.high:+.3f}]"


def _change_rows(changes: Sequence[Any]) -> list[str]:
    rows = ["| mått | A | B | B − A | 95 % intervall | |", "|---|---:|---:|---:|---|---|"]
    for c in changes:
        diff = "–" if c.diff is None else f"{c.diff:+.3f}"
        rows.append(
            f"| {metric_title(c.name)} | {_share(c.a)} | {_share(c.b)} | {diff} | "
            f"{interval_text(c)} | {c.verdict} |"
        )
    return rows


def render_run_comparison(comparison: Any, svg_name: str) -> str:
    """The Markdown of `assistant eval --compare-runs`: metrics with intervals, changed cases."""
    from assistant.run_comparison import change_counts

    c = comparison
    lines = [
        f"# Jämförelse av två sparade körningar: {c.a_label} (A) mot {c.b_label} (B)",
        "",
        f"- Parade fall: {c.paired}" + (f"; {c.unpaired} fanns bara i den ena" if c.unpaired
                                        else ""),
        "- Intervallet är ett parat bootstrap-intervall (95 %, 2000 omdragningar av fallen). "
        "*Osäker*: intervallet rymmer 0, skillnaden kan vara slump.",
        "",
        "## Huvudtal",
        "",
        *_change_rows(c.metrics),
        "",
        f"![huvudtal A och B]({svg_name})",
        "",
    ]
    if any(m.a is not None for m in c.region_metrics):
        lines += ["## Regionvägen (frågan ställd med fallets region)", "",
                  *_change_rows(c.region_metrics), ""]
    kinds, tags = change_counts(c)
    lines += [f"## Ändrade fall ({len(c.cases)})", ""]
    if kinds:
        lines += ["| typ | ändrade fall |", "|---|---:|"]
        lines += [f"| {kind_name(k)} | {n} |" for k, n in sorted(kinds.items())]
        lines += ["", "| etikett | ändrade fall |", "|---|---:|"]
        lines += [f"| {tag_name(t)} | {n} |" for t, n in sorted(tags.items())]
        lines.append("")
    if c.blind:
        lines.append("Den undanhållna mängden: fallen visas bara som antal.")
    else:
        lines += ["| fall | typ | fråga | ändrat (A → B) |", "|---|---|---|---|"]
        for case in c.cases:
            what = ", ".join(
                f"{n} {_share(x)} → {_share(y)}" for n, (x, y) in case.changed.items()
            )
            lines.append(f"| {case.id} | {kind_name(case.kind)} | "
                         f"{_cell(_snippet(case.question or '', 100))} | {what} |")
    lines.append("")
    return "\n".join(lines)


def write_run_comparison(comparison: Any, out_dir: Path, stem: str) -> ReportFiles:
    """Write the comparison of two saved runs as `.md`, `.json` and `.svg`."""
    c = comparison
    files = ReportFiles(out_dir / f"{stem}.md", out_dir / f"{stem}.json", out_dir / f"{stem}.svg")
    series = [(f"A: {c.a_label}", {m.name: m.a for m in c.metrics}),
              (f"B: {c.b_label}", {m.name: m.b for m in c.metrics})]
    _write(files.svg, headline_chart(series, "Huvudtal, A och B"))
    _write(files.markdown, render_run_comparison(c, files.svg.name))

    def metric(m: Any) -> dict[str, Any]:
        return {"name": m.name, "a": m.a, "b": m.b, "diff": m.diff, "low": m.low,
                "high": m.high, "verdict": m.verdict}

    body = {
        "a": c.a_label, "b": c.b_label, "blind": c.blind, "paired": c.paired,
        "metrics": [metric(m) for m in c.metrics],
        "region_path": [metric(m) for m in c.region_metrics],
        "cases": [
            {"key": x.key, "kind": x.kind, "tags": list(x.tags),
             **({} if c.blind else {"id": x.id}),
             "changed": {n: list(v) for n, v in x.changed.items()}}
            for x in c.cases
        ],
    }
    _write(files.json, json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    return files


# ── both sets side by side ─────────────────────────────────────────────────────────────


def _demoted(markdown: str) -> list[str]:
    return [("#" + line) if line.startswith("#") else line for line in markdown.splitlines()]


def render_sets(dev: Run, held: Run | None, svg_name: str,
                floors: Mapping[str, Mapping[str, float]] | None = None) -> str:
    """The committed report: development and held-out figures side by side, then each set."""
    runs = [dev, *([held] if held else [])]
    columns = [(dev.summary.overall, "utveckling"), (dev.summary.region_path, "utv. med region")]
    if held:
        columns += [(held.summary.overall, "undanhållen"),
                    (held.summary.region_path, "undanh. med region")]
    lines = [
        "# Utvärdering: utvecklingsmängden och den undanhållna mängden",
        "",
        f"- Körd {dev.started_at} ({dev.source}).",
        f"- Utvecklingsmängden `{dev.cases_file}`: {dev.summary.overall.cases} fall; teamet "
        "trimmar på den.",
        *(
            [f"- Den undanhållna mängden `{held.cases_file}`: {held.summary.overall.cases} fall, "
             "skrivna blint ur texterna; bara mätt, aldrig trimmad på (evals/README.md)."]
            if held else ["- Ingen undanhållen mängd (evals/holdout.jsonl) finns."]
        ),
        *_settings_lines(dev),
        "",
        "## Huvudtal sida vid sida",
        "",
        "| mått | " + " | ".join(label for _, label in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for name in _metric_names(dev.summary.overall):
        cells = [_value(name, m.named().get(name) if m else None) for m, _ in columns]
        lines.append(f"| {metric_title(name)} | " + " | ".join(cells) + " |")
    lines += ["", f"![huvudtal]({svg_name})", "", "## Per typ av fråga", ""]
    key = ["hit@5", "answered", "declined", "responsible", "answer_quotes_evidence",
           "clean_answers", "party_invented"]
    head = "| typ | mängd | fall | " + " | ".join(RATE_LABELS[n] for n in key) + " |"
    lines += [head, "|---|---|---:|" + "---:|" * len(key)]
    for kind in KINDS:
        for run in runs:
            m = run.summary.by_kind.get(kind)
            if m is None:
                continue
            lines.append(f"| {kind_name(kind)} | {run.set_name} | {m.cases} | "
                         + " | ".join(_share(m.values.get(n)) for n in key) + " |")
    tags = sorted({t for run in runs for t in run.summary.by_tag})
    lines += ["", "## Per etikett", "", head.replace("| typ |", "| etikett |"),
              "|---|---|---:|" + "---:|" * len(key)]
    for tag in tags:
        for run in runs:
            m = run.summary.by_tag.get(tag)
            if m is None:
                continue
            lines.append(f"| {tag_name(tag)} | {run.set_name} | {m.cases} | "
                         + " | ".join(_share(m.values.get(n)) for n in key) + " |")
    lines.append("")
    for run in runs:
        name = Path(run.cases_file).name
        own = (floors or {}).get(name)
        lines += _demoted(render_markdown(run, svg_name, own))
        lines.append("")
    return "\n".join(lines)


RATE_LABELS = dict(RATE_COLUMNS)


def write_sets(dev: Run, held: Run | None, markdown: Path,
               floors: Mapping[str, Mapping[str, float]] | None = None) -> ReportFiles:
    """Write the side-by-side report (`.md` and `.svg`) at `markdown`.

    The runs' JSON (every case) is written by `write_report` beside each run's own report;
    it is not repeated here, so the committed report stays small.
    """
    files = ReportFiles(markdown, markdown.with_suffix(".json"), markdown.with_suffix(".svg"))
    series = [("utveckling", dev.summary.overall.named())]
    if held:
        series.append(("undanhållen", held.summary.overall.named()))
    _write(files.svg, headline_chart(series, "Huvudtal: utvecklingsmängden och den undanhållna"))
    _write(files.markdown, render_sets(dev, held, files.svg.name, floors))
    return files
