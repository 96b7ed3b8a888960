"""A whole eval run: the cases asked, the results summarised, settings compared.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from dataclasses import replace as dataclass_replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer.weights import WEIGHTS, Weights, is_weight, with_weights
from assistant.errors import InputError
from assistant.settings import Settings, load_settings, project_root

if TYPE_CHECKING:
    from assistant.pipeline import Engine

from assistant.evals.answer_checks import unclean_parts
from assistant.evals.asking import (
    Asker,
    CaseResult,
    http_asker,
    local_asker,
    run_cases,
    server_documents,
)
from assistant.evals.cases import (
    DEPTH,
    Case,
    is_held_out,
    quotes_hold_evidence,
    require_known_documents,
)
from assistant.evals.client import Waits
from assistant.evals.metrics import Summary, cutoffs_for, summarise


@dataclass(frozen=True)
class Run:
    """One eval run: what was run against, the per-case results and their summary."""

    label: str
    source: str  # "i processen" or the server's URL
    cases_file: str
    cases_sha256: str
    top_k: int
    settings: dict[str, Any]
    started_at: str  # ISO 8601, UTC
    seconds: float
    results: tuple[CaseResult, ...]
    summary: Summary
    notes: tuple[str, ...] = ()
    overrides: dict[str, str] = field(default_factory=dict)
    region_results: tuple[CaseResult, ...] = ()  # the region path: asked with the case's region
    blind: bool = False  # a held-out set: reports give counts by kind and tag, never a case

    @property
    def set_name(self) -> str:
        """"utvecklingsmängden" or "den undanhållna mängden", as the report names the set."""
        return "den undanhållna mängden" if self.blind else "utvecklingsmängden"

    def failures(self) -> list[tuple[CaseResult, list[str]]]:
        """Cases that failed, each with why: no hit in the top k, wrong status or party."""
        failed = []
        for result in self.results:
            reasons = failure_reasons(result, self.top_k)
            if reasons:
                failed.append((result, reasons))
        return failed


def failure_reasons(result: CaseResult, top_k: int) -> list[str]:
    """Why a case counts as failed (empty when it passed)."""
    case, reply = result.case, result.reply
    reasons = []
    if case.answerable:
        if result.rank is None or result.rank > top_k:
            where = (
                f"först på plats {result.rank}" if result.rank
                else f"inte bland de {DEPTH} första"
            )
            reasons.append(f"ingen träff bland de {top_k} första passagerna ({where})")
        if reply.status == "no_support":
            reasons.append("avböjde att svara")
        if case.responsible and reply.status is not None and reply.responsible != case.responsible:
            reasons.append(
                f"ansvarig: väntat {case.responsible}, fick {reply.responsible or 'inget'}"
            )
        if reply.status == "answered" and not quotes_hold_evidence(case, reply.quoted):
            reasons.append("svarets citat innehåller inte evidensen")
    elif reply.status == "answered":
        reasons.append("svarade på en fråga som texterna inte besvarar")
    if case.responsible is None and reply.responsible is not None:
        reasons.append(f"angav en part ({reply.responsible}) där fallet inte har någon")
    if reply.status == "answered":
        reasons += [f"ostädat svar: {why}" for why in unclean_parts(reply.answer)]
    return reasons


def settings_summary(settings: Settings, engine: Engine | None = None) -> dict[str, Any]:
    """The settings that shape the figures, plus the index they were measured on."""
    summary: dict[str, Any] = {
        name: getattr(settings, name)
        for name in (
            "embedder", "embedder_model", "chunk_size", "chunk_overlap", "fusion", "rrf_k",
            "dense_weight", "candidates", "min_support",
        )
    }
    summary["llm"] = bool(settings.llm_url)
    if engine is not None:
        summary["weights"] = asdict(engine.weights)
        manifest = engine.index.manifest
        summary["index"] = {
            "dir": shown_path(settings.index_dir),
            "built_at": manifest.built_at,
            "chunks": manifest.chunk_count,
            "embedder": manifest.embedder,
            "corpus_fingerprint": manifest.corpus_fingerprint[:12],
        }
    return summary


def shown_path(path: Path) -> str:
    """A path as reports show it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(project_root()))
    except ValueError:
        return str(path)


def file_sha256(path: Path) -> str:
    """Hash of a file, to tell which version of the cases a report was made from."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def evaluate(
    cases: Sequence[Case],
    asker: Asker,
    *,
    label: str,
    source: str,
    cases_file: Path,
    top_k: int,
    settings: dict[str, Any],
    notes: Sequence[str] = (),
    overrides: Mapping[str, str] | None = None,
    on_result: Callable[[CaseResult], None] | None = None,
) -> Run:
    """Run the cases, then the region path, and summarise them as one Run."""
    from datetime import UTC, datetime

    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    clock = time.perf_counter()
    results = run_cases(cases, asker, on_result=on_result)
    region_results = run_cases(cases, asker, with_region=True, on_result=on_result)
    cutoffs = cutoffs_for(top_k)
    return Run(
        label=label,
        source=source,
        cases_file=shown_path(cases_file),
        cases_sha256=file_sha256(cases_file),
        top_k=top_k,
        settings=dict(settings),
        started_at=started_at,
        seconds=time.perf_counter() - clock,
        results=tuple(results),
        summary=summarise(results, cutoffs, region_results),
        notes=tuple(notes),
        overrides=dict(overrides or {}),
        region_results=tuple(region_results),
        blind=is_held_out(cases_file),
    )


# ── comparing settings ─────────────────────────────────────────────────────────────────

# Settings whose change needs an index of its own (the passages or their vectors differ).
INDEX_SETTINGS = frozenset({"chunk_size", "chunk_overlap", "embedder", "embedder_model"})


def parse_overrides(spec: str) -> dict[str, str]:
    """`chunk_size=800,fusion=weighted` → {"chunk_size": "800", "fusion": "weighted"}.

    A name is a setting or one of the answer weights (`assistant.answer.weights`, e.g. tie).
    """
    names = {f.name for f in fields(Settings)} | {f.name for f in fields(Weights)}
    out: dict[str, str] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip().lower().replace("-", "_")
        if not sep or not value.strip():
            raise InputError(
                f"Jämförelsen {spec!r}: skriv inställning=värde, t.ex. chunk_size=800."
            )
        if name not in names:
            raise InputError(f"Jämförelsen {spec!r}: okänd inställning {name!r}.")
        out[name] = value.strip()
    if not out:
        raise InputError("En jämförelse behöver minst en inställning=värde.")
    return out


def apply_overrides(base: Settings, overrides: Mapping[str, str]) -> Settings:
    """Settings with overrides given as text, converted and validated like the environment."""
    env = {f"ASSISTANT_{k.upper()}": v for k, v in overrides.items() if not is_weight(k)}
    kept = {f.name: getattr(base, f.name) for f in fields(Settings) if f.name not in overrides}
    return load_settings(env, **kept)


def overrides_label(overrides: Mapping[str, str]) -> str:
    """A short label for one side of a comparison."""
    return ", ".join(f"{k}={v}" for k, v in overrides.items()) or "nuvarande inställningar"


def ensure_index(settings: Settings, scratch: Path, *, progress: bool = True) -> Settings:
    """Settings whose index matches them: the configured one, or one built in scratch.

    Indexes built in scratch are named by what shapes them, so two sides of a comparison
    that differ only in, say, fusion share one.
    """
    from assistant.index.build import build_index, check_index

    if check_index(settings).fresh:
        return settings
    shape = "-".join(str(getattr(settings, name)) for name in sorted(INDEX_SETTINGS))
    folder = scratch / hashlib.sha256(shape.encode()).hexdigest()[:12]
    own = settings.with_overrides(index_dir=folder)
    if not check_index(own).fresh:
        build_index(own, progress=progress)
    return own


@dataclass(frozen=True)
class Difference:
    """A case whose outcome differs between the two sides of a comparison."""

    case: Case
    a: CaseResult
    b: CaseResult
    change: str  # "bättre" | "sämre" | "ändrad"


def _score(result: CaseResult, top_k: int) -> tuple[int, float]:
    """Failures first (fewer is better), then reciprocal rank."""
    return (-len(failure_reasons(result, top_k)), 1.0 / result.rank if result.rank else 0.0)


def differences(a: Sequence[CaseResult], b: Sequence[CaseResult], top_k: int) -> list[Difference]:
    """Cases whose first-hit rank, status or party differ between two runs of the same cases."""
    by_id = {r.case.id: r for r in b}
    out = []
    for left in a:
        right = by_id.get(left.case.id)
        if right is None:
            continue
        same = (
            left.rank == right.rank
            and left.reply.status == right.reply.status
            and left.reply.responsible == right.reply.responsible
        )
        if same:
            continue
        before, after = _score(left, top_k), _score(right, top_k)
        change = "bättre" if after > before else "sämre" if after < before else "ändrad"
        out.append(Difference(left.case, left, right, change))
    order = {"sämre": 0, "bättre": 1, "ändrad": 2}
    return sorted(out, key=lambda d: (order[d.change], d.case.line))


def evaluate_locally(
    settings: Settings,
    cases: Sequence[Case],
    cases_file: Path,
    *,
    top_k: int,
    label: str,
    overrides: Mapping[str, str] | None = None,
    on_result: Callable[[CaseResult], None] | None = None,
) -> Run:
    """Load the index and run the cases in-process through `pipeline.ask`."""
    from assistant import pipeline

    weights = with_weights(WEIGHTS, {k: v for k, v in (overrides or {}).items() if is_weight(k)})
    engine = pipeline.load_engine(settings, weights=weights)
    require_known_documents(cases_file, cases, engine.index.documents)
    pipeline.search(engine, "uppvärmning")  # load the model now, not inside case 1's timing
    return evaluate(
        cases,
        local_asker(engine, max(DEPTH, top_k)),
        label=label,
        source="i processen",
        cases_file=cases_file,
        top_k=top_k,
        settings=settings_summary(settings, engine),
        overrides=overrides,
        on_result=on_result,
    )


def evaluate_remotely(
    server: str,
    settings: Settings,
    cases: Sequence[Case],
    cases_file: Path,
    *,
    top_k: int,
    label: str,
    api_key: str | None = None,
    on_result: Callable[[CaseResult], None] | None = None,
) -> Run:
    """Run the cases against a running server's `POST /v1/ask`."""
    if not re.match(r"^https?://[^/\s]+", server):
        raise InputError(f"--server måste vara en http(s)-adress, inte {server!r}.")
    notes = []
    waits = Waits()
    known = server_documents(server, api_key=api_key, waits=waits)
    if known is None:
        from assistant.ingest.catalog import load_catalog

        known = set(load_catalog(settings.corpus_dir))
        notes.append(
            f"servern listade inga dokument (GET /v1/documents); dokument-id kontrollerades "
            f"mot den lokala katalogen i {settings.corpus_dir}"
        )
    require_known_documents(cases_file, cases, known)
    run = evaluate(
        cases,
        http_asker(server, max(DEPTH, top_k), api_key=api_key, waits=waits),
        label=label,
        source=server,
        cases_file=cases_file,
        top_k=top_k,
        settings={"server": server},
        notes=notes,
        on_result=on_result,
    )
    # The waits on Retry-After are known only now; they are in the report, not the scores.
    waited = waits.note()
    return dataclass_replace(
        run,
        settings={**run.settings, "retry_waits": waits.count},
        notes=(*run.notes, waited) if waited else run.notes,
    )


def prepare_side(base: Settings, overrides: Mapping[str, str], scratch: Path) -> Settings:
    """Settings for one side of a comparison, with an index built for it when needed."""
    return ensure_index(apply_overrides(base, overrides), scratch)
