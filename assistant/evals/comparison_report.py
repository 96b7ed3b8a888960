"""Reports of two runs side by side: two settings (`eval --compare`), two saved runs
(`eval --compare-runs`), and the development and held-out sets (the committed report).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.evals.asking import CaseResult
from assistant.evals.cases import KINDS
from assistant.evals.charts import headline_chart, render_chart
from assistant.evals.compare import change_counts
from assistant.evals.names import (
    HEADLINE_NAMES,
    kind_name,
    metric_title,
    tag_name,
)
from assistant.evals.reporting import (
    RATE_COLUMNS,
    ReportFiles,
    case_json,
    render_json,
    render_markdown,
    report_metric_names,
    settings_lines,
    shown_share,
    shown_value,
    slug,
    snippet,
    table_cell,
    write_text,
)
from assistant.evals.runs import Difference, Run

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
        *settings_lines(a),
        "",
        f"### B: {b.label}",
        "",
        *settings_lines(b),
        "",
        "## Huvudtal",
        "",
        "| mått | A | B | B − A |",
        "|---|---:|---:|---:|",
    ]
    for name in report_metric_names(a.summary.overall):
        va, vb = named_a.get(name), named_b.get(name)
        delta = "–" if va is None or vb is None else (
            f"{(vb - va) * 1000:+.0f} ms" if name.startswith("latency") else f"{vb - va:+.3f}"
        )
        lines.append(
            f"| {HEADLINE_NAMES.get(name, name)} | {shown_value(name, va)} | "
            f"{shown_value(name, vb)} | {delta} |"
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
            f"| {kind_name(kind)} | {ma.cases} | {shown_share(ma.hits.get(k))} | "
            f"{shown_share(mb.hits.get(k))} | "
            f"{shown_share(ma.mrr)} | {shown_share(mb.mrr)} | {shown_share(ma.answered)} | "
            f"{shown_share(mb.answered)} | {shown_share(ma.declined)} | "
            f"{shown_share(mb.declined)} |"
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
            f"| {d.case.id} | {d.case.kind} | {table_cell(snippet(d.case.question, 120))} | "
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
    write_text(files.svg, render_chart([a, b]))
    write_text(files.markdown, render_comparison(a, b, changes, files.svg.name))
    body = {
        "a": render_json(a),
        "b": render_json(b),
        "differences": [
            {"id": d.case.id, "change": d.change, "a": case_json(d.a, a.top_k),
             "b": case_json(d.b, b.top_k)}
            for d in changes
        ],
    }
    write_text(files.json, json.dumps(body, ensure_ascii=False, indent=2, default=str) + "\n")
    return files



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
            f"| {metric_title(c.name)} | {shown_share(c.a)} | {shown_share(c.b)} | {diff} | "
            f"{interval_text(c)} | {c.verdict} |"
        )
    return rows


def render_run_comparison(comparison: Any, svg_name: str) -> str:
    """The Markdown of `assistant eval --compare-runs`: metrics with intervals, changed cases."""
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
                f"{n} {shown_share(x)} → {shown_share(y)}" for n, (x, y) in case.changed.items()
            )
            lines.append(f"| {case.id} | {kind_name(case.kind)} | "
                         f"{table_cell(snippet(case.question or '', 100))} | {what} |")
    lines.append("")
    return "\n".join(lines)


def write_run_comparison(comparison: Any, out_dir: Path, stem: str) -> ReportFiles:
    """Write the comparison of two saved runs as `.md`, `.json` and `.svg`."""
    c = comparison
    files = ReportFiles(out_dir / f"{stem}.md", out_dir / f"{stem}.json", out_dir / f"{stem}.svg")
    series = [(f"A: {c.a_label}", {m.name: m.a for m in c.metrics}),
              (f"B: {c.b_label}", {m.name: m.b for m in c.metrics})]
    write_text(files.svg, headline_chart(series, "Huvudtal, A och B"))
    write_text(files.markdown, render_run_comparison(c, files.svg.name))

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
    write_text(files.json, json.dumps(body, ensure_ascii=False, indent=2) + "\n")
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
        *settings_lines(dev),
        "",
        "## Huvudtal sida vid sida",
        "",
        "| mått | " + " | ".join(label for _, label in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for name in report_metric_names(dev.summary.overall):
        cells = [shown_value(name, m.named().get(name) if m else None) for m, _ in columns]
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
                         + " | ".join(shown_share(m.values.get(n)) for n in key) + " |")
    tags = sorted({t for run in runs for t in run.summary.by_tag})
    lines += ["", "## Per etikett", "", head.replace("| typ |", "| etikett |"),
              "|---|---|---:|" + "---:|" * len(key)]
    for tag in tags:
        for run in runs:
            m = run.summary.by_tag.get(tag)
            if m is None:
                continue
            lines.append(f"| {tag_name(tag)} | {run.set_name} | {m.cases} | "
                         + " | ".join(shown_share(m.values.get(n)) for n in key) + " |")
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
    title = "Huvudtal: utvecklingsmängden och den undanhållna mängden"
    write_text(files.svg, headline_chart(series, title))
    write_text(files.markdown, render_sets(dev, held, files.svg.name, floors))
    return files
