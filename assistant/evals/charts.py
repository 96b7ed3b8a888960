"""Every chart of the tooling, hand-drawn SVG: the evals' (hit@k curve, per-kind bars, every
headline metric) and the benchmark's (latency, throughput and scale as horizontal bars).

One module draws them all: a run's report, a comparison of settings, two saved runs side by
side, the report of both sets, and `assistant bench`'s results.svg. One writer draws every
horizontal bar (`horizontal_bar`) and one every document (`svg_document`). No plotting
library: the SVG is small, readable in any browser, and titled for screen readers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from assistant.evals.cases import DEPTH, KINDS
from assistant.evals.metrics import (
    LOWER_IS_BETTER,
    metric_names,
)
from assistant.evals.names import (
    kind_name,
    metric_title,
    short_metric,
)
from assistant.evals.runs import Run

COLOURS = ("#1f5fbf", "#c8501e", "#2b8a3e", "#7048e8")
SHADES = ("#9dbbe8", "#4f86d6", "#1f3f80")
# The benchmark's bars: p50 dark in front of p95 pale, and the target's marker.
P50_COLOUR, P95_COLOUR, MARKER_COLOUR = "#2f6db5", "#bcd4ee", "#c0392b"


def horizontal_bar(
    x: float, y: float, length: float, thickness: float, colour: str, title: str = ""
) -> str:
    """One horizontal bar from (x, y), with a tooltip when titled."""
    rect = (f'<rect x="{x:.1f}" y="{y:.1f}" width="{length:.1f}" height="{thickness:.1f}" '
            f'fill="{colour}"')
    return f"{rect}><title>{escape(title)}</title></rect>" if title else f"{rect}/>"


def range_panel(
    title: str,
    bars: Sequence[tuple[str, float | None, float | None]],
    x0: float,
    y0: float,
    unit: str,
    marker: tuple[float, str] | None = None,
) -> tuple[list[str], float]:
    """Horizontal bars (p50 solid, p95 pale behind it); returns the SVG and its height."""
    # A marker (value, label) is a dashed line across the bars, e.g. at the target.
    label_w, bar_w, row_h = 190.0, 330.0, 22.0
    values = [v for _, a, b in bars for v in (a, b) if v is not None]
    if marker:
        values.append(marker[0])
    top = max(values or [1.0]) * 1.08 or 1.0
    out = [f'<text x="{x0}" y="{y0 + 14}" font-weight="bold">{escape(title)}</text>']
    y = y0 + 26
    for label, p50, p95 in bars:
        out.append(f'<text x="{x0}" y="{y + 15}">{escape(label)}</text>')
        if p95 is not None:
            out.append(horizontal_bar(x0 + label_w, y + 3, bar_w * p95 / top, 16, P95_COLOUR))
        if p50 is not None:
            out.append(horizontal_bar(x0 + label_w, y + 3, bar_w * p50 / top, 16, P50_COLOUR))
            text = f"{p50:.1f}" + (f" / {p95:.1f}" if p95 is not None else "") + f" {unit}"
            out.append(f'<text x="{x0 + label_w + bar_w + 6}" y="{y + 15}">{text}</text>')
        y += row_h
    if marker:
        mx = x0 + label_w + bar_w * marker[0] / top
        out.append(f'<line x1="{mx:.1f}" y1="{y0 + 24}" x2="{mx:.1f}" y2="{y + 2}" '
                   f'stroke="{MARKER_COLOUR}" stroke-dasharray="4 3"/>')
        out.append(
            f'<text x="{mx + 3:.1f}" y="{y + 14}" fill="{MARKER_COLOUR}">{escape(marker[1])}</text>'
        )
        y += 16
    return out, y - y0 + 8


def _grid(x0: float, y0: float, width: float, height: float) -> list[str]:
    """Horizontal grid lines at 0, 0.25, … 1 of a panel's height, labelled on the left."""
    out = []
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = y0 + height - tick * height
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + width}" y2="{y:.1f}" class="g"/>')
        out.append(
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" class="t" text-anchor="end">{tick:.2f}</text>'
        )
    return out


def _curve_panel(series: Sequence[tuple[str, list[float]]], x0: float, y0: float) -> list[str]:
    """hit@k for k = 1 … 10 as lines, one per series."""
    width, height = 330.0, 210.0
    out = [f'<text x="{x0}" y="{y0 - 14}" class="h">hit@k (k = 1–{DEPTH})</text>']
    out += _grid(x0, y0, width, height)
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
    out += _grid(x0, y0, width, height)
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
                   f'class="t" text-anchor="end">{escape(short_metric(name))}{mark}</text>')
        for j, (label, values) in enumerate(series):
            value = values.get(name)
            if value is None:
                continue
            colour = COLOURS[j % len(COLOURS)]
            out.append(horizontal_bar(
                x0 + label_width, y + j * bar, value * width, bar - 1, colour,
                f"{label}: {metric_title(name)} = {value:.3f}",
            ))
            out.append(f'<text x="{x0 + label_width + value * width + 4:.1f}" '
                       f'y="{y + j * bar + bar - 2:.1f}" class="t">{value:.2f}</text>')
    return out, row * len(names) + 30


def svg_document(
    width: int, height: float, title: str, desc: str, body: Sequence[str],
    *, font_size: int | None = None,
) -> str:
    """A whole SVG, titled and described for screen readers, white behind `body`."""
    # `font_size`: the size of every text without a class (the benchmark's chart).
    size = f' font-size="{font_size}"' if font_size else ""
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
            f'viewBox="0 0 {width} {height:.0f}" role="img" font-family="sans-serif"{size}>',
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
    return svg_document(840, 60 + height, title, desc, [*body, *legend])


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
    return svg_document(840, 390 + height, "Utvärdering: hit@k, per typ av fråga och huvudtal",
                        desc, [*body, *legend])


