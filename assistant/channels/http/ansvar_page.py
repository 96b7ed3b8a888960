"""The ansvarsmatris page (`GET /ansvar`): matters as rows, regions as columns, each cell's
party linking to the passage that states it; a search box and a region filter that work
without JavaScript; on a phone each matter becomes a card.

Pure functions over the matrix's own types; everything from documents or requests is
escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape
from urllib.parse import urlencode

from assistant.answer.validity import validity_of
from assistant.channels.http.pages import render_page
from assistant.matrix.export import cell_label, citation_of, conflict_note
from assistant.matrix.finding import View
from assistant.matrix.table import Cell, Row
from assistant.models import DocumentMeta

STYLE = """
  main.wide { max-width: 80rem; }
  header.site p, footer.site p { max-width: 78rem; }
  main.wide > p, main.wide > .notice, main.wide section > p, .conflicts { max-width: 50rem; }
  form.filters { display: flex; flex-wrap: wrap; gap: 0.75rem 1rem; align-items: flex-end;
                 margin: 0 0 1rem; padding: 0.75rem 1rem; border: 1px solid #c9ced6;
                 border-radius: 6px; background: #f8f9fb; }
  form.filters label { display: block; font-weight: 600; }
  form.filters input, form.filters select, form.filters button {
    font: inherit; min-height: 2.6rem; padding: 0.35rem 0.5rem; border: 1px solid #5b6169;
    border-radius: 4px; background: #ffffff; color: #1b1b1b; }
  form.filters input { width: min(28rem, 80vw); }
  form.filters button { background: #0a4f94; color: #ffffff; border-color: #0a4f94;
                        font-weight: 600; cursor: pointer; padding: 0.35rem 1rem; }
  form.filters button:focus-visible, form.filters input:focus-visible,
  form.filters select:focus-visible { outline: 3px solid #1b1b1b; outline-offset: 2px; }
  .scroll { overflow-x: auto; border: 1px solid #c9ced6; border-radius: 6px; }
  table.ansvar { border-collapse: collapse; width: 100%; font-size: 0.97rem; }
  table.ansvar caption { text-align: left; padding: 0.5rem 0.75rem; font-weight: 600; }
  table.ansvar th, table.ansvar td { border-top: 1px solid #dde1e6; padding: 0.5rem 0.75rem;
                                     vertical-align: top; text-align: left; }
  table.ansvar thead th { background: #f2f4f7; }
  table.ansvar thead th:first-child:nth-last-child(n+3) { width: 32%; }  /* 2+ regions */
  table.ansvar tbody th { min-width: 11rem; }
  .party { font-weight: 600; }
  .flag { display: inline-block; font-size: 0.85rem; font-weight: 600; padding: 0 0.35rem;
          margin: 0.15rem 0.25rem 0 0; border-radius: 4px; border: 1px solid currentColor; }
  .flag-differs { color: #0a3d73; background: #eef4fb; }
  .flag-conflict { color: #7a1d1d; background: #fdeeee; }
  td details { margin-top: 0.25rem; font-size: 0.92rem; }
  td details ul { margin: 0.25rem 0 0; padding-left: 1.1rem; }
  .empty { color: #4a4f57; }
  .conflicts li { margin-bottom: 0.75rem; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
                     clip: rect(0 0 0 0); white-space: nowrap; }
  @media (max-width: 40rem) {
    form.filters > div:first-child, form.filters input { width: 100%; }
    .scroll { border: 0; overflow: visible; }
    table.ansvar, table.ansvar caption, table.ansvar tbody, table.ansvar tr, table.ansvar th,
    table.ansvar td { display: block; width: 100%; }
    table.ansvar caption { padding: 0 0 0.5rem; }
    table.ansvar thead { position: absolute; width: 1px; height: 1px; overflow: hidden;
                         clip: rect(0 0 0 0); }
    table.ansvar tr { border: 1px solid #c9ced6; border-radius: 6px; margin: 0 0 1rem; }
    table.ansvar tbody th { background: #f2f4f7; border-top: 0; }
    table.ansvar td { padding: 0.4rem 0.75rem; }
    table.ansvar td::before { content: attr(data-region); display: inline-block;
                              min-width: 7.5rem; margin-right: 0.5rem; font-weight: 600;
                              color: #0a3d73; }
  }
"""


_STATUS_NOTES = {
    "utgången": "giltighetstiden har gått ut",
    "förslag": "ett förslag",
    "kommande": "gäller ännu inte",
}


def _query_string(**params: str | None) -> str:
    kept = {k: v for k, v in params.items() if v}
    return ("?" + urlencode(kept)) if kept else ""


def _form(regions: Sequence[str], region: str | None, q: str | None) -> str:
    options = ['<option value="">Alla regioner</option>'] + [
        f'<option value="{escape(r)}"{" selected" if r == region else ""}>{escape(r)}</option>'
        for r in regions
    ]
    return (
        '<form class="filters" method="get" action="/ansvar" role="search">'
        '<div><label for="q">Sök insats</label>'
        f'<input id="q" name="q" type="search" value="{escape(q or "")}" '
        'placeholder="t.ex. abstinensvård, boendestöd, SIP"></div>'
        '<div><label for="region">Region</label>'
        f'<select id="region" name="region">{"".join(options)}</select></div>'
        '<div><button type="submit">Visa</button></div>'
        "</form>"
    )


def _cell(row: Row, cell: Cell | None, region: str) -> str:
    if cell is None:
        return (
            f'<td data-region="{escape(region)}"><span class="empty" aria-hidden="true">–</span>'
            '<span class="visually-hidden">Inget påstående</span></td>'
        )
    citations = [citation_of(s) for s in cell.statements]
    label = escape(cell_label(cell))
    first = citations[0]
    items = "".join(
        f'<li><a href="{escape(c.url)}">{escape(s.duty)}</a>'
        + (' <span class="flag flag-conflict">nej</span>' if s.polarity == "not" else "")
        + "</li>"
        for s, c in zip(cell.statements, citations, strict=True)
    )
    count = len(cell.statements)
    details = (
        f"<details><summary>{count} påstående{'n' if count != 1 else ''}"
        f'<span class="visually-hidden"> om {escape(row.matter.name)} i {escape(region)}'
        f"</span></summary><ul>{items}</ul></details>"
    )
    conflicts = [c for c in row.conflicts if c.region == region]
    flag = (
        f' <a class="flag flag-conflict" href="#konflikt-{escape(row.matter.id)}">Konflikt</a>'
        if conflicts
        else ""
    )
    return (
        f'<td data-region="{escape(region)}"><a class="party" href="{escape(first.url)}">'
        f"{label}</a>{flag}{details}</td>"
    )


def _row(row: Row, regions: Sequence[str]) -> str:
    by_region = {c.region: c for c in row.cells}
    flags = ""
    if row.differs:
        flags += '<br><span class="flag flag-differs">Skiljer mellan regioner</span>'
    return (
        f'<tr id="insats-{escape(row.matter.id)}">'
        f'<th scope="row">{escape(row.matter.name)}{flags}</th>'
        + "".join(_cell(row, by_region.get(r), r) for r in regions)
        + "</tr>"
    )


def _conflicts(rows: Sequence[Row], documents: Mapping[str, DocumentMeta]) -> str:
    items = []
    for row in rows:
        for i, conflict in enumerate(row.conflicts):
            ident = f' id="konflikt-{escape(row.matter.id)}"' if i == 0 else ""
            links = " · ".join(
                f'<a href="{escape(citation_of(s).url)}">Källa {n}</a>'
                for n, s in enumerate((conflict.first, conflict.second), 1)
            )
            items.append(
                f"<li{ident}>{escape(conflict_note(conflict, documents))} "
                f"{links}</li>"
            )
    if not items:
        return ""
    return (
        '<section aria-labelledby="konflikter"><h2 id="konflikter">Konflikter</h2>'
        '<p class="note">Två giltiga överenskommelser i samma region som säger olika om '
        "samma insats, för samma målgrupp och ålder. Läs båda källorna.</p>"
        f'<ul class="conflicts">{"".join(items)}</ul></section>'
    )


def render_ansvar_page(
    shown: View,
    documents: Mapping[str, DocumentMeta],
    regions: Sequence[str],
    *,
    region: str | None,
    document_id: str | None,
    q: str | None,
    today: date,
) -> str:
    """The whole page for one view."""
    columns = [r for r in regions if not region or r == region]
    csv_link = "/ansvar.csv" + _query_string(region=region, document_id=document_id, q=q)
    intro = (
        "<p>Vem gör vad enligt överenskommelserna, insats för insats. Varje cell visar "
        "huvudmannen och länkar till meningen i överenskommelsen; öppna "
        "<em>påståenden</em> för alla meningar cellen bygger på.</p>"
    )
    # An agreement past its end, a draft or one not yet in force: the cells still show
    # what it says, but the reader should know ("tills vidare" is valid).
    doubtful = [
        f"{m.title} ({_STATUS_NOTES[status]})"
        for m in documents.values()
        if m.region in columns and m.kind != "vägledning"
        and (status := validity_of(m, today).status) in _STATUS_NOTES
    ]
    notice = (
        '<div class="notice" role="note"><p><strong>Observera:</strong> '
        + escape("; ".join(doubtful) + ". Kontrollera att överenskommelserna tillämpas.")
        + "</p></div>"
        if doubtful
        else ""
    )
    whole = "/ansvar" + _query_string(region=region, document_id=document_id)
    searched = (
        f'<p role="status">Insatserna som bäst matchar «{escape(q)}» visas först, och varje '
        "cell visar de påståenden som bäst svarar på frågan. "
        f'<a href="{escape(whole)}">Visa hela matrisen</a></p>'
        if q else ""
    )
    if shown.rows:
        table = (
            '<div class="scroll" tabindex="0" role="region" aria-labelledby="matris-rubrik">'
            '<table class="ansvar"><caption id="matris-rubrik">Ansvar per insats och region'
            '</caption><thead><tr><th scope="col">Insats</th>'
            + "".join(f'<th scope="col">{escape(r)}</th>' for r in columns)
            + "</tr></thead><tbody>"
            + "".join(_row(row, columns) for row in shown.rows)
            + "</tbody></table></div>"
        )
    else:
        table = "<p>Inga insatser matchar urvalet.</p>"
    unplaced = (
        f'<p class="note">{len(shown.unplaced)} påståenden passar ännu ingen insats i listan '
        "(insatserna och deras ord står i <code>corpus/matters.tsv</code>, som en "
        "administratör kan utöka).</p>"
        if shown.unplaced
        else ""
    )
    main = (
        "<h1>Ansvarsmatris – vem gör vad</h1>"
        + intro
        + notice
        + _form(regions, region, q)
        + searched
        + f'<p><a href="{escape(csv_link)}" download>Ladda ner vyn som CSV</a></p>'
        + table
        + _conflicts(shown.rows, documents)
        + unplaced
    )
    page = render_page("Ansvarsmatris – Svarsassistenten", main, style=STYLE)
    return page.replace('<main id="innehall">', '<main id="innehall" class="wide">', 1)
