"""The `assistant` command. Each subcommand is a thin shell over one stage's functions.

Heavy modules (models, FAISS, the web app) are imported inside the commands, so that
`assistant --help` stays fast and loads no model.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from assistant.channels.cli_swedish import SwedishTyper
from assistant.errors import AssistantError
from assistant.ingest.catalog import TARGET_GROUPS
from assistant.models import Document, Statement
from assistant.settings import Settings, load_settings

app = SwedishTyper(
    help="Svarsassistenten för samverkansöverenskommelser.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


@app.callback()
def _root() -> None:
    """Svarsassistenten för samverkansöverenskommelser."""


def friendly_errors(func: F) -> F:
    """Print our errors as one readable line and exit non-zero, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AssistantError as exc:
            typer.secho(f"Fel: {exc.message}", err=True, fg=typer.colors.RED)
            raise typer.Exit(code=2) from None
        except KeyboardInterrupt:
            typer.secho("Avbrutet.", err=True)
            raise typer.Exit(code=130) from None

    return wrapper  # type: ignore[return-value]


def settings_from(corpus: Path | None = None, index: Path | None = None) -> Settings:
    """Settings from the environment, with the common folder options applied."""
    return load_settings(corpus_dir=corpus, index_dir=index)


CorpusOption = Annotated[
    Path | None, typer.Option("--corpus", help="Mapp med texter och catalog.json.")
]
IndexOption = Annotated[Path | None, typer.Option("--index", help="Mapp för indexet.")]


@app.command()
@friendly_errors
def chunks(
    document: Annotated[
        str | None, typer.Option("--document", help="Visa bara detta dokument-id.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="En JSON-rad per passage.")] = False,
    corpus: CorpusOption = None,
) -> None:
    """Visa hur dokumenten delas upp i passager (id, rubrikspår, sidor, text)."""
    from assistant.index.chunking import chunk_document
    from assistant.ingest.catalog import load_documents

    settings = settings_from(corpus)
    for doc in load_documents(settings.corpus_dir, [document] if document else None):
        for chunk in chunk_document(doc, settings):
            if as_json:
                row = {
                    "id": chunk.id,
                    "document_id": chunk.document_id,
                    "section": chunk.section,
                    "page_start": chunk.page_start,
                    "page_end": chunk.page_end,
                    "start": chunk.start,
                    "end": chunk.end,
                    "text": chunk.text,
                }
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                pages = _pages_label(chunk.page_start, chunk.page_end)
                typer.secho(f"── {chunk.id}  [{chunk.section or '–'}]  {pages}", bold=True)
                typer.echo(chunk.text + "\n")


@app.command()
@friendly_errors
def ingest(
    file: Annotated[
        Path, typer.Argument(metavar="FIL", help="Fil att lägga in: .pdf, .docx, .txt eller .md.")
    ],
    doc_id: Annotated[
        str, typer.Option("--id", help="Dokument-id (a–z, 0–9, bindestreck); blir filnamnet.")
    ],
    title: Annotated[str, typer.Option("--title", help="Dokumentets titel.")],
    region: Annotated[
        str | None, typer.Option("--region", help="Län, t.ex. Värmland; utelämna för nationella.")
    ] = None,
    party: Annotated[
        list[str] | None,
        typer.Option("--party", help="Part (upprepa); standard: regionen och länets kommuner."),
    ] = None,
    target_group: Annotated[
        list[str] | None,
        typer.Option(
            "--target-group",
            help=f"Målgrupp (upprepa; minst en): {', '.join(TARGET_GROUPS)}.",
        ),
    ] = None,
    age_scope: Annotated[str, typer.Option("--age-scope", help="Åldrar som omfattas.")] = (
        "alla åldrar"
    ),
    kind: Annotated[
        str, typer.Option("--kind", help="överenskommelse eller vägledning.")
    ] = "överenskommelse",
    valid_from: Annotated[
        str | None, typer.Option("--valid-from", help="Gäller från (ÅÅÅÅ-MM-DD).")
    ] = None,
    valid_to: Annotated[
        str | None,
        typer.Option("--valid-to", help="Gäller till (ÅÅÅÅ-MM-DD); utelämna = tills vidare."),
    ] = None,
    extension: Annotated[
        str | None, typer.Option("--extension", help="Regel för automatisk förlängning.")
    ] = None,
    identity: Annotated[
        str | None, typer.Option("--identity", help="Dokumentidentitet eller diarienummer.")
    ] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Texten är ett förslag.")] = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Ersätt ett befintligt dokument med samma id, eller med samma text under "
            "ett annat id.",
        ),
    ] = False,
    source_url: Annotated[
        str | None,
        typer.Option("--source-url", help="Var överenskommelsen är publicerad (http/https)."),
    ] = None,
    short_title: Annotated[
        str | None,
        typer.Option(
            "--short-title",
            help="Kortnamn som skiljer den från de andra, t.ex. \"Dalarna – missbruk och "
            "beroende 2021\"; standard: region – första målgruppen och startår.",
        ),
    ] = None,
    corpus: CorpusOption = None,
) -> None:
    """Lägg in en ny överenskommelse (PDF, DOCX eller text) i korpusen."""
    from assistant.ingest.add import ingest_file
    from assistant.ingest.regions import region_mismatch
    from assistant.search.regions import region_mentions

    settings = settings_from(corpus)
    done = ingest_file(
        settings, file, doc_id=doc_id, title=title, region=region, parties=party or [],
        target_groups=target_group or [], age_scope=age_scope, kind=kind,
        valid_from=valid_from, valid_to=valid_to, extension=extension, draft=draft,
        replace=replace, identity=identity, source_url=source_url, short_title=short_title,
    )
    meta, doc = done.meta, done.document
    known = {span.page for span in doc.pages if span.page is not None}
    pages = doc.page_count or len(known)
    pages_text = f"{pages} sidor" if pages else "sidor okända"
    others = [r for r in done.replaced if r != meta.id]
    verb = "Ersatte" if meta.id in done.replaced else "Lade till"
    if others:
        verb = f"Ersatte {', '.join(repr(r) for r in others)} med"
    typer.echo(
        f"{verb} '{meta.id}' ({meta.region or 'nationell'}) i {settings.corpus_dir}: "
        f"{pages_text}, {len(doc.blocks)} stycken."
    )
    warning = region_mismatch(meta.region, region_mentions(doc.text))
    if warning:
        typer.secho(warning, err=True, fg=typer.colors.YELLOW)
    if done.same_short_title:
        typer.secho(
            f"Kortnamnet ”{meta.short_name}” används redan av "
            f"{', '.join(repr(i) for i in done.same_short_title)}; "
            "ange --short-title så att de går att skilja åt.", err=True, fg=typer.colors.YELLOW,
        )
    _print_statement_review(settings, doc)
    typer.echo("Kör `assistant index` för att uppdatera indexet.")


def _print_statement_review(settings: Settings, doc: Document) -> None:
    """What the extractor read in a new agreement, and the duty sentences it could not place."""
    from collections import Counter

    from assistant.index import statements
    from assistant.ingest.catalog import read_text

    found = statements.extract_statements(doc, (), read_text(settings.corpus_dir, doc.meta))
    if statements.overrides_path(settings.corpus_dir, doc.id).is_file():
        try:
            overrides = statements.read_overrides(settings.corpus_dir, [doc])
            found = statements.apply_overrides(found, [doc], (), overrides)
        except AssistantError as exc:
            typer.secho(f"Obs: rättelserna går inte att tillämpa: {exc.message}", fg="yellow")
    parties = Counter(s.party for s in found)
    denied = Counter(s.party for s in found if s.polarity == "not")
    by_party = ", ".join(
        f"{party} {parties[party]}" + (f" (varav {denied[party]} INTE)" if denied[party] else "")
        for party in ("kommun", "region", "gemensamt", "annan")
        if parties[party]
    )
    typer.echo(f"Påståenden om vem som gör vad: {len(found)}" + (f" ({by_party})" if found else ""))
    for statement in found[:EXAMPLES]:
        typer.echo(_statement_line(statement))
    if len(found) > EXAMPLES:
        typer.echo(f"  … alla med `assistant statements --document {doc.id}` efter indexeringen.")
    loose = statements.unattributed_duties(doc, found)
    if not loose:
        return
    typer.echo(
        f"{len(loose)} {'mening' if len(loose) == 1 else 'meningar'} med ansvarsverb där "
        "ingen känd aktör hittades – lägg till "
        "aktören i assistant/data/actors.tsv eller påståendet i "
        f"{statements.overrides_path(settings.corpus_dir, doc.id).name} (docs/statements.md):"
    )
    for duty in loose:
        where = ", ".join(
            ([f"s. {duty.page}"] if duty.page is not None else [])
            + ([duty.section] if duty.section else [])
        )
        typer.echo(f"  - {duty.text}" + (f"  ({where})" if where else ""))


PARTY_LABELS = {"kommun": "kommun", "region": "region", "gemensamt": "gemensamt"}
POLARITY_LABELS = {"duty": "ansvar", "not": "INTE ansvar"}
EXAMPLES = 3  # statements shown after an ingestion


def _party_label(statement: Statement) -> str:
    """The party as staff read it; an `annan` actor is named instead."""
    return PARTY_LABELS.get(statement.party) or statement.actor


def _statement_line(statement: Statement) -> str:
    """One statement as one line: party, actor, polarity, duty, conditions, page and section."""
    party = _party_label(statement)
    who = party if statement.party == "annan" else f"{party} · {statement.actor}"
    parts = [f"{who} · {POLARITY_LABELS[statement.polarity]}: {statement.duty}"]
    if statement.conditions:
        parts.append(f"villkor: {'; '.join(statement.conditions)}")
    where = [f"s. {statement.page}"] if statement.page is not None else []
    where += [statement.section] if statement.section else []
    if where:
        parts.append(", ".join(where))
    return "  " + "  |  ".join(parts) + f"  [{statement.id}]"


def _statement_json(statement: Statement) -> dict[str, Any]:
    return {
        "id": statement.id,
        "document_id": statement.document_id,
        "party": statement.party,
        "actor": statement.actor,
        "duty": statement.duty,
        "polarity": statement.polarity,
        "conditions": list(statement.conditions),
        "quote": " ".join(" ".join(statement.quotes).split()),
        "quotes": list(statement.quotes),
        "section": statement.section,
        "page": statement.page,
        "chunk_id": statement.chunk_id,
        "form": statement.form,
    }


@app.command("statements")
@friendly_errors
def statements_command(
    document: Annotated[
        str | None, typer.Option("--document", help="Visa bara detta dokument-id.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="En JSON-rad per påstående.")] = False,
    index: IndexOption = None,
) -> None:
    """Visa indexets påståenden om vem som gör vad, per dokument (för granskning)."""
    from assistant.errors import InputError
    from assistant.index.build import load_statements

    stored = load_statements(settings_from(index=index))
    if document is not None and document not in stored.documents:
        raise InputError(
            f"okänt dokument-id '{document}' i indexet; kända är "
            f"{', '.join(stored.documents) or 'inga'}"
        )
    for doc_id, meta in stored.documents.items():
        if document is not None and doc_id != document:
            continue
        found = [s for s in stored.statements if s.document_id == doc_id]
        if as_json:
            for statement in found:
                sys.stdout.write(json.dumps(_statement_json(statement), ensure_ascii=False) + "\n")
            continue
        typer.secho(
            f"── {doc_id} ({meta.region or 'nationell'}): {len(found)} påståenden", bold=True
        )
        for statement in found:
            typer.echo(_statement_line(statement))
        typer.echo("")


@app.command()
@friendly_errors
def purge(
    days: Annotated[
        int | None,
        typer.Option(
            "--days", min=0, help="Radera det som är äldre än så här många dagar "
            "(standard: ASSISTANT_RETENTION_DAYS)."
        ),
    ] = None,
) -> None:
    """Radera sparade frågor, svar, återkoppling och konversationer äldre än lagringstiden."""
    from assistant.store import open_store
    from assistant.store import purge as purge_store

    settings = load_settings()
    limit = settings.retention_days if days is None else days
    if not settings.store_url and not settings.store_path.exists():
        typer.echo(f"Ingen lagring finns ännu ({settings.store_path}); inget att radera.")
        return
    report = purge_store(open_store(settings.store_location), limit)
    typer.echo(
        f"Raderade {report.total} rader äldre än {limit} dagar "
        f"(före {report.cutoff:%Y-%m-%d %H:%M} UTC): frågor med svar {report.answers}, "
        f"återkopplingar {report.feedback}, konversationer {report.conversations}."
    )


@app.command("index")
@friendly_errors
def index_command(
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Kontrollera bara om indexet stämmer med korpus och inställningar "
            "(slutkod 1 om det saknas eller är inaktuellt)."
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Bygg om även när indexet redan är aktuellt.")
    ] = False,
    corpus: CorpusOption = None,
    index: IndexOption = None,
) -> None:
    """Bygg eller uppdatera indexet (vektorer, BM25, passager, manifest)."""
    from assistant.index.build import build_index, check_index

    settings = settings_from(corpus, index)
    status = check_index(settings)
    if status.fresh and (check or not force):
        typer.echo(f"Indexet i {settings.index_dir} är aktuellt.")
        return
    if check:
        typer.echo(f"Indexet i {settings.index_dir} är inte aktuellt:")
        for reason in status.reasons:
            typer.echo(f"  - {reason}")
        raise typer.Exit(code=1)
    for reason in status.reasons:
        typer.echo(f"Bygger om: {reason}")
    report = build_index(settings)
    built = report.manifest
    typer.echo(
        f"Byggde indexet i {settings.index_dir}: {built.chunk_count} passager ur "
        f"{len(built.documents)} dokument, {report.embedded} nya inbäddningar och "
        f"{report.reused} återanvända ur indexet eller cachen ({built.embedder}, "
        f"{built.build_seconds:.1f} s)."
    )


@app.command("eval")
@friendly_errors
def eval_command(
    cases: Annotated[
        Path | None,
        typer.Option("--cases", help="Fallfil (JSONL); standard: båda mängderna, "
                     "evals/cases.jsonl och evals/holdout.jsonl."),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option("--server", help="Kör mot en server (t.ex. http://127.0.0.1:8000), "
                     "annars i processen."),
    ] = None,
    top_k: Annotated[
        int | None,
        typer.Option("--top-k", min=1, max=20,
                     help="Passager användaren ser; utan träff bland dem räknas fallet som fel."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv rapporten som JSON.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Mapp för rapporterna; standard: evals/reports.")
    ] = None,
    label: Annotated[str | None, typer.Option("--label", help="Namn på körningen.")] = None,
    compare: Annotated[
        list[str] | None,
        typer.Option("--compare", help="Jämför inställningar, t.ex. --compare chunk_size=800 "
                     "--compare chunk_size=1200 (en gång: mot nuvarande)."),
    ] = None,
    compare_runs: Annotated[
        tuple[Path, Path] | None,
        typer.Option("--compare-runs", help="Jämför två sparade körningar (deras .json), "
                     "före och efter en ändring, med 95 %-intervall för varje skillnad."),
    ] = None,
    record_thresholds: Annotated[
        bool,
        typer.Option("--record-thresholds",
                     help="Spara måtten som golv i evals/thresholds.json (den undanhållna "
                     "mängdens golv höjs bara)."),
    ] = False,
    api_key: Annotated[
        str | None, typer.Option("--api-key", help="API-nyckel för --server.")
    ] = None,
    corpus: CorpusOption = None,
    index: IndexOption = None,
) -> None:
    """Kör utvärderingen: träffsäkerhet, svar, citat, avböjanden och svarstid, med rapport.

    Utan --cases körs båda mängderna och rapporten evals/report.md visar dem sida vid sida.
    Frågorna ställs i processen (eller till --server) och hamnar aldrig i tjänstens lagring.
    """
    import tempfile

    from assistant.errors import CasesError, InputError
    from assistant.evals import asking, comparison_report, gate, reporting
    from assistant.evals import cases as eval_cases
    from assistant.evals import runs as eval_runs

    settings = settings_from(corpus, index)
    out_dir = out or settings.evals_dir / "reports"
    say = sys.stderr if as_json else sys.stdout
    if compare_runs:
        _compare_saved_runs(*compare_runs, out_dir, say, as_json)
        return
    k = top_k or settings.top_k
    own_suites = cases is None
    if record_thresholds and (server or compare or not own_suites):
        raise InputError("--record-thresholds gäller bara projektets egna mängder, i processen.")
    if compare and server:
        raise InputError("--compare kör i processen och går inte att kombinera med --server.")
    files_to_run = [cases] if cases else [eval_cases.default_cases(settings)]
    held_out = eval_cases.held_out_cases(settings)
    if own_suites and held_out.exists():
        files_to_run.append(held_out)
    loaded = {path: eval_cases.read_cases(path) for path in files_to_run}
    thresholds = settings.evals_dir / gate.THRESHOLDS_NAME

    def floors_for(path: Path) -> dict[str, float] | None:
        own = path.resolve().parent == settings.evals_dir.resolve()
        if not own or not thresholds.exists():
            return None
        try:
            return gate.read_thresholds(thresholds, path.name)
        except CasesError:
            return None

    def steps(path: Path) -> int:
        return len(loaded[path]) + asking.region_path_count(loaded[path])

    if compare:
        sides = [eval_runs.parse_overrides(spec) for spec in compare]
        if len(sides) == 1:
            sides.insert(0, {})
        if len(sides) != 2:
            raise InputError("Ange --compare en eller två gånger.")
        path = files_to_run[0]
        runs = []
        with tempfile.TemporaryDirectory(prefix="assistant-eval-") as scratch:
            for overrides in sides:
                name = eval_runs.overrides_label(overrides)
                side = eval_runs.prepare_side(settings, overrides, Path(scratch))
                with _progress(steps(path), name) as tick:
                    runs.append(eval_runs.evaluate_locally(
                        side, loaded[path], path, top_k=k, label=name, overrides=overrides,
                        on_result=tick))
        changes = eval_runs.differences(runs[0].results, runs[1].results, k)
        files = comparison_report.write_comparison(runs[0], runs[1], changes, out_dir)
        for run in runs:
            typer.secho(f"\n{run.label}", bold=True, file=say)
            typer.echo(reporting.render_console(run), file=say)
        worse = sum(d.change == "sämre" for d in changes)
        typer.echo(f"\n{len(changes)} fall skiljer sig; {worse} av dem sämre med "
                   f"{runs[1].label}.", file=say)
        if as_json:
            sys.stdout.write(files.json.read_text("utf-8"))
        typer.echo(f"Rapport: {files.markdown} (och .json, .svg)", file=say)
        return

    results = []
    for path in files_to_run:
        name = label or ("server" if server else "i-processen")
        if len(files_to_run) > 1:
            name = f"{name}-{path.stem}"
        with _progress(steps(path), name) as tick:
            if server:
                result = eval_runs.evaluate_remotely(
                    server, settings, loaded[path], path, top_k=k, label=name,
                    api_key=api_key, on_result=tick)
            else:
                result = eval_runs.evaluate_locally(
                    settings, loaded[path], path, top_k=k, label=name, on_result=tick)
        floors = floors_for(path)
        files = reporting.write_report(result, out_dir, floors)
        typer.echo(reporting.render_console(result), file=say)
        for line in gate.below_floors(result, floors or {}):
            typer.secho(f"Under golvet ({path.name}): {line}", err=True,
                        fg=typer.colors.YELLOW)
        typer.echo(f"Rapport: {files.markdown} (och .json, .svg)", file=say)
        results.append((result, files))
    if own_suites and not server:
        dev = results[0][0]
        held = results[1][0] if len(results) > 1 else None
        if record_thresholds:
            gate.record_thresholds(thresholds, [r for r, _ in results])
            typer.echo(f"Sparade golv i {thresholds}.", file=say)
        all_floors = {
            p.name: f for p in files_to_run if (f := floors_for(p)) is not None
        }
        combined = comparison_report.write_sets(
            dev, held, settings.evals_dir / "report.md", all_floors
        )
        typer.echo(f"Båda mängderna sida vid sida: {combined.markdown}", file=say)
    if as_json:
        sys.stdout.write(results[-1][1].json.read_text("utf-8"))


def _compare_saved_runs(a: Path, b: Path, out_dir: Path, say: Any, as_json: bool) -> None:
    """`assistant eval --compare-runs A.json B.json`."""
    from assistant.evals import compare, comparison_report, names, reporting

    comparison = compare.compare_saved(
        compare.load_saved(a), compare.load_saved(b)
    )
    stem = f"jamforelse-{reporting.slug(a.stem)}-mot-{reporting.slug(b.stem)}"[:120]
    files = comparison_report.write_run_comparison(comparison, out_dir, stem)
    for change in comparison.metrics:
        diff = "–" if change.diff is None else f"{change.diff:+.3f}"
        typer.echo(f"{names.metric_title(change.name)[:50]:52}{diff:>8}  "
                   f"{comparison_report.interval_text(change):>20}  {change.verdict}", file=say)
    typer.echo(f"{len(comparison.cases)} av {comparison.paired} parade fall ändrades.",
               file=say)
    if as_json:
        sys.stdout.write(files.json.read_text("utf-8"))
    typer.echo(f"Rapport: {files.markdown} (och .json, .svg)", file=say)


@contextmanager
def _progress(total: int, title: str) -> Iterator[Callable[[Any], None]]:
    """A progress bar on stderr; yields the callback that moves it one case on."""
    with typer.progressbar(length=total, label=title, file=sys.stderr) as bar:
        yield lambda _result: bar.update(1)


@app.command()
@friendly_errors
def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Adress att lyssna på (standard 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="Port (standard 8000).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Modellanrop som körs samtidigt; frågor som kommer under tiden delar nästa "
            "anrop (standard 2, lika många som kärnorna).",
        ),
    ] = None,
    corpus: CorpusOption = None,
    index: IndexOption = None,
) -> None:
    """Starta webbtjänsten: API, chattsida, widget och Teams-bot (uvicorn)."""
    from assistant.channels.http import serve as run_server

    run_server(
        load_settings(corpus_dir=corpus, index_dir=index, host=host, port=port, workers=workers)
    )


RESPONSIBLE_NAMES = {
    "kommun": "kommunen",
    "region": "regionen",
    "gemensamt": "kommunen och regionen gemensamt",
}


@app.command()
@friendly_errors
def ask(
    question: Annotated[str, typer.Argument(metavar="FRÅGA", help="Frågan, på svenska.")],
    region: Annotated[
        str | None, typer.Option("--region", help="Län att svara för, t.ex. Värmland.")
    ] = None,
    top_k: Annotated[
        int | None, typer.Option("--top-k", min=1, max=20, help="Antal passager (1–20).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Svaret som från API:t, plus passagernas poäng.")
    ] = False,
    corpus: CorpusOption = None,
    index: IndexOption = None,
) -> None:
    """Ställ en fråga: svaret, ansvarig part, varningar och passagerna med poäng."""
    from assistant import pipeline
    from assistant.channels.http.schemas import answer_json

    settings = settings_from(corpus, index)
    engine = pipeline.load_engine(settings)
    outcome = pipeline.ask(engine, question, region=region, top_k=top_k)
    answer = outcome.answer
    # The scores live on the hits; a citation is its hit's passage (used ones come first).
    by_chunk = {h.chunk.id: h for h in outcome.retrieval.hits}
    hits = {c.n: by_chunk[c.chunk_id] for c in answer.citations if c.chunk_id in by_chunk}
    if as_json:
        body = answer_json(answer)
        body["retrieval"] = [
            {"n": n, "chunk_id": h.chunk.id, "dense": round(h.dense, 4),
             "lexical": round(h.lexical, 4), "fused": round(h.fused, 4)}
            for n, h in sorted(hits.items())
        ]
        body["timings_ms"] = {k: round(v * 1000, 1) for k, v in answer.timings.items()}
        sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
        return
    typer.secho(f"Svar ({answer.status}):", bold=True)
    typer.echo(f"  {answer.text}")
    party = RESPONSIBLE_NAMES.get(answer.responsible or "", "inte angiven")
    typer.echo(f"Ansvarig: {party}")
    typer.echo(f"Region: {answer.region or 'ingen enskild'}")
    if answer.warnings:
        typer.secho("Varningar:", fg=typer.colors.YELLOW)
        for warning in answer.warnings:
            typer.echo(f"  • {warning}")
    typer.secho("Passager:", bold=True)
    for c in answer.citations:
        page = "sida okänd" if c.page is None else f"s. {c.page}"
        typer.echo(f"  [{c.n}] {c.region or 'nationell'} – {c.document_id} – "
                   f"{c.section or '–'} – {page}")
        hit = hits.get(c.n)
        if hit is not None:
            typer.echo(f"      poäng: semantisk {hit.dense:.3f} · lexikal (BM25) "
                       f"{hit.lexical:.2f} · sammanvägd {hit.fused:.3f}")
        if c.quote:
            typer.echo(f"      ”{' '.join(c.quote.split())}”")
    total = answer.timings.get("total")
    if total is not None:
        typer.echo(f"({total * 1000:.0f} ms)")


@app.command("ansvar")
@friendly_errors
def ansvar_command(
    region: Annotated[
        str | None, typer.Option("--region", help="Bara detta län, t.ex. Dalarna.")
    ] = None,
    document: Annotated[
        str | None, typer.Option("--document", help="Bara detta dokument-id.")
    ] = None,
    q: Annotated[
        str | None, typer.Option("--q", help="Sök insats; bäst matchande först.")
    ] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Vyn som CSV (som sidans nedladdning).")]
    = False,
    corpus: CorpusOption = None,
    index: IndexOption = None,
) -> None:
    """Visa ansvarsmatrisen: vem som gör vad, insats för insats och region för region."""
    from assistant import pipeline
    from assistant.matrix.export import cell_label, conflict_note, csv_text

    engine = pipeline.load_engine(settings_from(corpus, index))
    shown = pipeline.ansvar(engine, region=region, document_id=document, q=q)
    if as_csv:
        sys.stdout.write(csv_text(shown))
        return
    for row in shown.rows:
        flags = " (skiljer mellan regioner)" if row.differs else ""
        typer.secho(f"{row.matter.name}{flags}", bold=True)
        for cell in row.cells:
            typer.echo(f"  {cell.region}: {cell_label(cell)}  ({len(cell.statements)} påståenden)")
        for conflict in row.conflicts:
            typer.secho(
                f"  ⚠ {conflict_note(conflict, engine.index.documents)}",
                fg=typer.colors.YELLOW,
            )
    if shown.unplaced:
        typer.echo(
            f"{len(shown.unplaced)} påståenden passar ingen insats i listan "
            "(corpus/matters.tsv, se docs/ansvar.md)."
        )


@app.command()
@friendly_errors
def bench(
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Mät bara detta: retrieval, ask, http, build, scale eller ansvar (kan upprepas).",
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Mapp för results.json och results.svg.")
    ] = Path("bench"),
    quick: Annotated[
        bool, typer.Option("--quick", help="Snabb körning med få frågor och små storlekar.")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="ASSISTANT_WORKERS (modellanrop samtidigt)."),
    ] = None,
    corpus: CorpusOption = None,
    index: IndexOption = None,
) -> None:
    """Mät svarstider per steg, HTTP-genomströmning, minne, indexbygge och skala."""
    from assistant.bench import SECTIONS, render_table, run_benchmark, write_results

    sections = list(only or SECTIONS)
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise typer.BadParameter(
            f"okänd del {', '.join(unknown)}; välj bland {', '.join(SECTIONS)}", param_hint="--only"
        )
    if "retrieval" in sections and only and "build" not in sections:
        sections.append("build")  # the retrieval benchmark includes index build times
    settings = load_settings(corpus_dir=corpus, index_dir=index, workers=workers)
    results = run_benchmark(
        settings,
        sections,
        quick=quick,
        progress=lambda message: typer.echo(f"… {message}", err=True),
    )
    typer.echo(render_table(results))
    for path in write_results(results, out):
        typer.echo(f"Skrev {path}", err=True)


def _pages_label(first: int | None, last: int | None) -> str:
    if first is None:
        return "sida okänd"
    return f"s. {first}" if first == last or last is None else f"s. {first}–{last}"


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
