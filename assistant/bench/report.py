"""A run's figures for people: plain-text tables, an SVG chart (drawn by the one charts
module, `assistant.evals.charts`) and the files `results.json` and `results.svg`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant.bench.figures import lookup
from assistant.bench.plan import ASK_RATIO, HEAVY_RATIO, SCALE_P95_MS, THROUGHPUT_SHARE
from assistant.bench.targets import evaluate_targets, floor_p50, throughput_goal
from assistant.evals.charts import range_panel, svg_document


def _ms(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def _rows_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    rows = [list(header), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    out = []
    for n, row in enumerate(rows):
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def render_table(results: Mapping[str, Any]) -> str:
    """The figures as plain-text tables."""
    lines: list[str] = []
    m = results.get("machine", {})
    lines.append(f"Maskin: {m.get('cpu')}, {m.get('cores')} kärnor, {m.get('memory_gb')} GB, "
                 f"Python {m.get('python')}; last vid start {m.get('load_average_at_start')}")
    floor = floor_p50(results)
    if floor is not None:
        lines.append(f"Golv (modellens frågeinbäddning, p50): {floor:.1f} ms")
    for section in ("ask", "retrieval"):
        run = results.get(section)
        if not run:
            continue
        title = "ask i processen" if section == "ask" else "hämtning i processen"
        lines += ["", f"{title} ({run['questions']} unika frågor, tom frågecache), ms"]
        rows = [[name, _ms(s["p50_ms"]), _ms(s["p95_ms"]), _ms(s["p99_ms"]), str(s["n"])]
                for name, s in run["stages"].items()]
        rows.append(["golv (ren inbäddning)", *[_ms(run["floor"][k]) for k in
                                                 ("p50_ms", "p95_ms", "p99_ms")],
                     str(run["floor"]["n"])])
        rows.append(["hämtning utom inbäddning",
                     *[_ms(run["retrieval_without_embedding"][k]) for k in
                       ("p50_ms", "p95_ms", "p99_ms")],
                     str(run["retrieval_without_embedding"]["n"])])
        rows.append(["upprepad fråga (cacheträff)",
                     *[_ms(run["cached"][k]) for k in ("p50_ms", "p95_ms", "p99_ms")],
                     str(run["cached"]["n"])])
        lines += _rows_table(["steg", "p50", "p95", "p99", "n"], rows)
    http = results.get("http")
    if http:
        lines += ["", f"HTTP POST /v1/ask på 127.0.0.1 (workers = {http['workers']}), ms"]
        if http.get("floor"):
            floor_http = http["floor"]
            lines.append(f"Golv uppmätt före varje nivå, servern i vila: p50 "
                         f"{_ms(floor_http['p50_ms'])} ms, p95 {_ms(floor_http['p95_ms'])} ms")
        alone = http.get("floor_one_core")
        if alone:
            goal = throughput_goal(results, alone["p50_ms"])
            lines.append(f"Golv på en kärna: p50 {_ms(alone['p50_ms'])} ms "
                         f"({THROUGHPUT_SHARE:.0%} av kärnor ÷ det: {goal:.1f} frågor/s)")
        capacity = http.get("model_capacity")
        if capacity:
            lines.append(f"Modellens kapacitet (ren modell, {capacity['lanes']} samtidiga anrop "
                         f"à {capacity['batch']} frågor): {capacity['questions_per_s']} frågor/s")
        rows = []
        for level in [*http["levels"], {**http["cached"], "clients": "1, upprepad"}]:
            lat = level["latency"]
            probe = level.get("probe") or {}
            rows.append([str(level["clients"]), _ms((level.get("floor") or {}).get("p50_ms")),
                         _ms(lat["p50_ms"]), _ms(lat["p95_ms"]),
                         _ms(lat["p99_ms"]), f"{level['throughput_per_s'] or 0:.2f}",
                         f"{level['ok']}/{level['requests']}",
                         _ms(level.get("server_cpu_ms_per_answer")),
                         _ms(level.get("server_cores_busy")), _ms(probe.get("p95_ms"))])
        lines += _rows_table(["klienter", "golv p50", "p50", "p95", "p99", "frågor/s", "ok",
                              "CPU-ms/svar", "kärnor", "healthz p95"], rows)
        mem = http["server_memory"]
        lines.append(f"Serverns RSS: {mem['idle']['rss_mb']} MB i vila, "
                     f"{mem['after_load']['rss_mb']} MB efter lasten, "
                     f"topp {mem['after_load']['peak_rss_mb']} MB")
    build = results.get("build")
    if build:
        lines += ["", f"Indexbygge ({build['documents']} dokument)"]
        rows = []
        for name, label in (("cold", "kallt (tom cache)"), ("unchanged", "oförändrat"),
                            ("one_added", f"+1 dokument ({build['added_document']})")):
            b = build[name]
            rows.append([label, f"{b['seconds']:.1f}", str(b["passages"]),
                         str(b["embedded"] if b["embedded"] is not None else "–"),
                         str(b["peak_rss_mb"] or "–")])
        lines += _rows_table(["bygge", "s", "passager", "inbäddade", "topp-RSS MB"], rows)
        if build.get("statements_seconds") is not None:
            share = build.get("statements_share_of_cold")
            lines.append(
                f"Ansvarsuttagen (statements): {build['statements_seconds']:.2f} s"
                + (f", {share:.1%} av det kalla bygget" if share is not None else "")
            )
    scale = results.get("scale")
    if scale:
        lines += ["", f"Skala (syntetisk korpus, {scale['queries']} frågor, "
                      f"{scale['candidates']} kandidater), ms"]
        rows = []
        for size in scale["sizes"]:
            for kind, v in size["vectors"].items():
                rows.append([f"{size['rows']} {kind}", f"{v['build_s']:.1f}",
                             f"{v['size_mb']:.0f}", _ms(v["query"]["p50_ms"]),
                             _ms(v["query"]["p95_ms"]), _ms(v["query_as_asked"]["p95_ms"]),
                             str(v.get("recall_at_10", "–"))])
            b = size["bm25"]
            rows.append([f"{size['rows']} bm25", f"{b['build_s']:.1f}", f"{b['size_mb']:.0f}",
                         _ms(b["query"]["p50_ms"]), _ms(b["query"]["p95_ms"]),
                         _ms(b["query_as_asked"]["p95_ms"]), "–"])
            r = size["retrieval"]
            w = r["without_embedding"]
            rows.append([f"{size['rows']} hämtning ({r['vector_kind']})", "–",
                         "–", _ms(w["p50_ms"]), _ms(w["p95_ms"]), "–", "–"])
        lines += _rows_table(["index", "bygge s", "MB", "p50", "p95", "p95 filtrerad",
                              "recall@10"], rows)
    heavy = results.get("heavy")
    if heavy:
        lines += ["", f"Vanliga frågor ({heavy['normal_clients']} klienter) bredvid "
                      f"{heavy['heavy_clients']} klienter med tunga frågor "
                      f"({heavy['heavy_chars']} tecken), ms"]
        rows = []
        labels = {"alone": "utan tung last", "random": "bredvid slumptecken",
                  "cases": "bredvid fallbeskrivningar", "alone_again": "utan tung last igen"}
        for name, label in labels.items():
            phase = heavy["phases"].get(name)
            if not phase:
                continue
            lat = phase["normal"]["latency"]
            other = phase.get("heavy") or {}
            answered = (other.get("statuses") or {}).get("200", 0) if other else "–"
            shed = (other.get("statuses") or {}).get("503", 0) if other else "–"
            rows.append([label, _ms(lat["p50_ms"]), _ms(lat["p95_ms"]),
                         f"{phase['normal']['ok']}/{phase['normal']['requests']}",
                         str(answered), str(shed),
                         _ms((other.get("latency") or {}).get("p50_ms")) if other else "–",
                         _ms(phase.get("server_cores_busy"))])
        lines += _rows_table(["fas", "p50", "p95", "ok", "tunga besvarade", "tunga 503",
                              "tunga p50", "kärnor"], rows)
        lines.append(f"p95 bredvid slumptecken ÷ utan: {heavy['ratio_random']}; bredvid "
                     f"fallbeskrivningar ÷ utan: {heavy['ratio_cases']} (mål ≤ {HEAVY_RATIO})")
    lines += _ansvar_lines(results)
    targets = evaluate_targets(results)
    lines += ["", "Mål"]
    rows = []
    for t in targets:
        sign = "≤" if t.kind == "max" else "≥"
        verdict = "–" if t.holds is None else ("håller" if t.holds else "HÅLLER INTE")
        rows.append([t.name, _ms(t.measured), f"{sign} {_ms(t.limit)} {t.unit}", verdict])
    lines += _rows_table(["mål", "uppmätt", "gräns", ""], rows)
    return "\n".join(lines)


_CORPUS_NAMES = {"bundled": "medföljande", "synthetic": "syntetisk"}
_PATH_NAMES = {"page": "/ansvar", "json": "/v1/ansvar"}


def _kb(size: Any) -> str:
    return "–" if size is None else f"{size / 1024:.0f}"


def _ansvar_lines(results: Mapping[str, Any]) -> list[str]:
    """The ansvarsmatris stage: sizes, first and warm requests, the build's stages, and the
    ratio to a question when the same run measured HTTP /v1/ask."""
    ansvar = results.get("ansvar")
    if not ansvar:
        return []
    lines = ["", f"Ansvarsmatris: GET /ansvar (sida) och /v1/ansvar (JSON) på 127.0.0.1, "
                 f"en klient, {ansvar['requests']} varma anrop vardera, ms"]
    rows = []
    for corpus, figures in ansvar["corpora"].items():
        for name, path in _PATH_NAMES.items():
            warm = figures["warm"][name]
            lat = warm["latency"]
            page = name == "page"
            label = f"{_CORPUS_NAMES.get(corpus, corpus)} ({figures['regions']} regioner)"
            again = figures["after_restart"]["ms"] if page else None
            rows.append([label if page else "", path, _kb(warm["bytes"]),
                         _kb(warm["gzip_bytes"]), _ms(figures["first"][name]["ms"]), _ms(again),
                         _ms(lat["p50_ms"]), _ms(lat["p95_ms"]),
                         f"{warm['ok']}/{warm['requests']}"])
    lines += _rows_table(["korpus", "väg", "kB", "kB gzip", "första", "efter omstart", "p50",
                          "p95", "ok"], rows)
    lines.append("Första: /ansvar bygger matrisen med tom inbäddningscache, /v1/ansvar direkt "
                 "efter; efter omstart: första /ansvar med insatsernas vektorer i cachen.")
    for corpus, figures in ansvar["corpora"].items():
        b = figures["build"]
        memory = figures.get("server_memory") or {}
        rss = [lookup(memory, k, "rss_mb") for k in ("before", "after")]
        lines.append(
            f"{_CORPUS_NAMES.get(corpus, corpus).capitalize()}: {figures['documents']} dokument, "
            f"{figures['passages']} passager, {figures['statements']} påståenden; "
            f"{b['rows']} rader av {b['matters']} insatser, {b['cells']} celler, "
            f"{b['differs']} skiljer, {b['conflicts']} konflikter, {b['unplaced']} utan insats"
            + (f"; serverns RSS {rss[0]} → {rss[1]} MB" if None not in rss else "")
        )
        lines.append(
            f"  matrisbygget i processen: inbäddning {b['embed_s']:.2f} s ({b['embedded']} av "
            f"{b['texts']} texter genom modellen), placering {b['assign_s']:.2f} s, "
            f"tabell {b['table_s']:.2f} s"
            + (f"; syntetiskt index byggt på {figures['index_build_s']:.1f} s "
               f"({figures['index_embedded']} påståenden genom modellen)"
               if "index_build_s" in figures else "")
        )
    ratio = ansvar.get("ratio_to_ask")
    if ratio:
        parts = [f"{_CORPUS_NAMES.get(c, c)} {_PATH_NAMES[n]} {ratio[f'{c}_{n}']:.2f}×"
                 for c in ansvar["corpora"] for n in _PATH_NAMES if f"{c}_{n}" in ratio]
        lines.append("Varm p50 ÷ HTTP /v1/ask p50 (1 klient): " + ", ".join(parts))
    return lines


def _clients(n: int) -> str:
    return "1 klient" if n == 1 else f"{n} klienter"


def render_chart(results: Mapping[str, Any]) -> str:
    """An SVG of the latencies, the throughput and the scale figures."""
    parts: list[str] = []
    titles: list[str] = []
    y = 10.0
    floor = floor_p50(results)
    latency: list[tuple[str, float | None, float | None]] = []
    ask_run = results.get("ask") or results.get("retrieval")
    if ask_run:
        latency.append(("golv (inbäddning)", ask_run["floor"]["p50_ms"],
                        ask_run["floor"]["p95_ms"]))
        latency.append(("hämtning", ask_run["retrieval"]["p50_ms"],
                        ask_run["retrieval"]["p95_ms"]))
        total = ask_run["stages"]["total"]
        latency.append(("ask i processen" if "ask" in results else "search i processen",
                        total["p50_ms"], total["p95_ms"]))
        latency.append(("cacheträff", ask_run["cached"]["p50_ms"], ask_run["cached"]["p95_ms"]))
    # One client only: with more, latency is mostly waiting in line (see the throughput).
    for level in lookup(results, "http", "levels") or ():
        if level["clients"] == 1:
            latency.append(("HTTP, 1 klient", level["latency"]["p50_ms"],
                            level["latency"]["p95_ms"]))
    if latency:
        marker = (floor * ASK_RATIO, f"{ASK_RATIO} × golvet") if floor else None
        titles.append("Latens, p50 (mörk) och p95 (ljus)")
        svg, h = range_panel(titles[-1], latency, 10, y, "ms", marker)
        parts += svg
        y += h
    levels = lookup(results, "http", "levels") or ()
    if levels:
        target = throughput_goal(results, floor)
        goal = (target, "mål") if target is not None else None
        bars = [(_clients(lv["clients"]), lv["throughput_per_s"], None) for lv in levels]
        titles.append("Genomströmning")
        svg, h = range_panel(titles[-1], bars, 10, y, "frågor/s", goal)
        parts += svg
        y += h
    for size in lookup(results, "scale", "sizes") or ():
        bars = [(f"{kind}", v["query"]["p50_ms"], v["query"]["p95_ms"])
                for kind, v in size["vectors"].items()]
        bars.append(("bm25", size["bm25"]["query"]["p50_ms"], size["bm25"]["query"]["p95_ms"]))
        w = size["retrieval"]["without_embedding"]
        bars.append((f"hämtning ({size['retrieval']['vector_kind']})", w["p50_ms"], w["p95_ms"]))
        titles.append(f"{size['rows']} passager: sökning utan inbäddning")
        svg, h = range_panel(titles[-1], bars, 10, y, "ms",
                             (SCALE_P95_MS, "mål p95") if size["rows"] >= 100_000 else None)
        parts += svg
        y += h
    corpora = lookup(results, "ansvar", "corpora") or {}
    if corpora:
        bars = [(f"{_CORPUS_NAMES.get(c, c)} {path}", lookup(f, "warm", n, "latency", "p50_ms"),
                 lookup(f, "warm", n, "latency", "p95_ms"))
                for c, f in corpora.items() for n, path in _PATH_NAMES.items()]
        ask = next((lv["latency"]["p50_ms"] for lv in lookup(results, "http", "levels") or ()
                    if lv["clients"] == 1), None)
        titles.append("Ansvarsmatris, varm: p50 (mörk) och p95 (ljus)")
        svg, h = range_panel(titles[-1], bars, 10, y, "ms",
                             (ask, "/v1/ask p50") if ask else None)
        parts += svg
        y += h
    height = max(int(y + 10), 40)
    return svg_document(720, height, "Benchmark: latens, genomströmning och skala",
                        "; ".join(titles), parts, font_size=12)


def write_results(results: Mapping[str, Any], out_dir: Path, stem: str = "results") -> list[Path]:
    """Write `<stem>.json` and `<stem>.svg` into out_dir; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = out_dir / f"{stem}.json"
    chart = out_dir / f"{stem}.svg"
    data.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    chart.write_text(render_chart(results), encoding="utf-8")
    return [data, chart]
