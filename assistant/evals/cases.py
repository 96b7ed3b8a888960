"""Eval cases: the case format, loading with every bad line named, and the hit rule.

The hit rule (DESIGN.md, "Eval cases"): a returned passage is a hit for a case when it comes
from an evidence document and contains at least 80% of that quote's word tokens, counted as
a multiset. Word tokens are `\\w+` over NFKC-normalised, lower-cased text, so punctuation and
bullet glyphs (• and the private-use U+F0B7 of PDF extraction) are never tokens. Any evidence
alternative counts. Matching is on text, never on chunk ids, so cases survive re-chunking.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import CasesError
from assistant.settings import Settings
from assistant.text import MAX_QUESTION_CHARS

KINDS = ("responsibility", "procedure", "fact", "definition", "comparison", "unanswerable")
PARTIES = ("kommun", "region", "gemensamt", "annan")
REQUIRED_FIELDS = ("id", "question", "kind", "answerable", "evidence")
DEPTH = 10  # passages asked for, so that hit@10, MRR@10 and nDCG@10 can be computed
HIT_SHARE = 0.8
QUOTE_SHARE = 0.6  # share of an evidence quote's tokens the answer's own quotes must hold
NO_REGION = "ingen region"
NO_DOCUMENT = "inget (obesvarbar)"
_WORD = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")
DEVELOPMENT = "cases.jsonl"
HELD_OUT = "holdout.jsonl"


# ── cases ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Evidence:
    """One alternative that fully answers a case: a verbatim quote from one document."""

    document: str
    quote: str


@dataclass(frozen=True)
class Case:
    """One known question with what a correct answer rests on."""

    id: str
    question: str
    kind: str
    answerable: bool
    region: str | None
    responsible: str | None
    answer: str
    evidence: tuple[Evidence, ...]
    line: int  # line number in the cases file (1-based)
    tags: tuple[str, ...] = ()

    @property
    def region_label(self) -> str:
        """The region for breakdowns, or "ingen region"."""
        return self.region or NO_REGION

    @property
    def document_label(self) -> str:
        """The first evidence document, for per-document breakdowns."""
        return self.evidence[0].document if self.evidence else NO_DOCUMENT


@dataclass(frozen=True)
class Problem:
    """Something wrong on one line of a cases file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"rad {self.line}: {self.message}"


def _optional_text(row: Mapping[str, Any], name: str, problems: list[str]) -> str | None:
    value = row.get(name)
    if value is not None and not isinstance(value, str):
        problems.append(f"fältet '{name}' måste vara en text eller null")
        return None
    if isinstance(value, str):
        return value.strip() or None
    return None


def _evidence(value: Any, problems: list[str]) -> tuple[Evidence, ...]:
    if not isinstance(value, list):
        problems.append("fältet 'evidence' måste vara en lista")
        return ()
    found: list[Evidence] = []
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            problems.append(f"evidence nr {i} måste vara ett objekt med 'document' och 'quote'")
            continue
        document, quote = item.get("document"), item.get("quote")
        if not isinstance(document, str) or not document.strip():
            problems.append(f"evidence nr {i} saknar 'document' (ett dokument-id)")
            continue
        if not isinstance(quote, str) or not word_tokens(quote):
            problems.append(f"evidence nr {i} saknar 'quote' (ett citat med ord)")
            continue
        found.append(Evidence(document.strip(), quote))
    return tuple(found)


def _tags(value: Any, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        problems.append("fältet 'tags' måste vara en lista med icke-tomma texter")
        return ()
    return tuple(dict.fromkeys(t.strip() for t in value))


def parse_case(text: str, line: int) -> tuple[Case | None, list[str]]:
    """One line of a cases file as a Case, or the problems that keep it from being one."""
    try:
        row = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"ogiltig JSON ({exc.msg}, tecken {exc.pos + 1})"]
    if not isinstance(row, dict):
        return None, ["raden måste vara ett JSON-objekt"]
    missing = [name for name in REQUIRED_FIELDS if name not in row]
    if missing:
        return None, [f"fält saknas: {', '.join(missing)}"]
    problems: list[str] = []
    case_id, question, kind = row["id"], row["question"], row["kind"]
    if not isinstance(case_id, str) or not case_id.strip():
        problems.append("fältet 'id' måste vara en icke-tom text")
    if not isinstance(question, str) or not question.strip():
        problems.append("fältet 'question' måste vara en icke-tom text")
    elif len(" ".join(question.split())) > MAX_QUESTION_CHARS:
        problems.append(f"frågan är längre än {MAX_QUESTION_CHARS} tecken")
    elif not _LETTER.search(question):
        problems.append("frågan innehåller inga ord")
    if kind not in KINDS:
        problems.append(f"okänd kind {kind!r}; tillåtna: {', '.join(KINDS)}")
    answerable = row["answerable"]
    if not isinstance(answerable, bool):
        problems.append("fältet 'answerable' måste vara true eller false")
    responsible = row.get("responsible")
    if responsible is not None and responsible not in PARTIES:
        problems.append(f"okänd responsible {responsible!r}; tillåtna: {', '.join(PARTIES)}, null")
    region = _optional_text(row, "region", problems)
    answer = _optional_text(row, "answer", problems) or ""
    evidence = _evidence(row["evidence"], problems)
    tags = _tags(row.get("tags"), problems)
    if answerable is True and row["evidence"] == []:
        problems.append("en besvarbar fråga (answerable: true) måste ha minst en evidence")
    if answerable is False and row["evidence"]:
        problems.append("en obesvarbar fråga (answerable: false) ska ha tom evidence")
    if isinstance(answerable, bool) and kind in KINDS and answerable == (kind == "unanswerable"):
        problems.append(
            "kind 'unanswerable' hör ihop med answerable: false (och bara med det)"
        )
    if problems:
        return None, problems
    return (
        Case(
            id=case_id.strip(),
            question=question,
            kind=kind,
            answerable=answerable,
            region=region,
            responsible=responsible,
            answer=answer,
            evidence=evidence,
            line=line,
            tags=tags,
        ),
        [],
    )


def check_lines(lines: Iterable[str]) -> tuple[list[Case], list[Problem]]:
    """Parse the lines of a cases file; blank lines are skipped, every problem is kept."""
    cases: list[Case] = []
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        case, messages = parse_case(text, number)
        problems.extend(Problem(number, m) for m in messages)
        if case is None:
            continue
        if case.id in first_line:
            problems.append(
                Problem(number, f"id {case.id!r} finns redan på rad {first_line[case.id]}")
            )
            continue
        first_line[case.id] = number
        cases.append(case)
    return cases, problems


def check_documents(cases: Iterable[Case], known: Collection[str]) -> list[Problem]:
    """Evidence that names a document the index does not hold (it could never be a hit)."""
    return [
        Problem(
            case.line,
            f"okänt dokument-id {e.document!r} i fallet {case.id!r} "
            f"(kända: {', '.join(sorted(known))})",
        )
        for case in cases
        for e in case.evidence
        if e.document not in known
    ]


def _raise_problems(path: Path, problems: Sequence[Problem]) -> None:
    shown = "\n".join(f"  {p}" for p in problems[:50])
    more = f"\n  … och {len(problems) - 50} till" if len(problems) > 50 else ""
    raise CasesError(f"Fallfilen {path} har {len(problems)} fel:\n{shown}{more}")


def read_cases(path: Path) -> list[Case]:
    """Load and check a cases file (JSONL); raises CasesError naming every bad line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CasesError(f"Kan inte läsa fallfilen {path}: {exc.strerror or exc}") from exc
    lines: list[str] = []
    problems: list[Problem] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            lines.append(line.decode("utf-8").removeprefix("\ufeff"))
        except UnicodeDecodeError:
            problems.append(Problem(number, "raden är inte giltig UTF-8"))
            lines.append("")
    cases, found = check_lines(lines)
    problems = sorted([*problems, *found], key=lambda p: p.line)
    if problems:
        _raise_problems(path, problems)
    if not cases:
        raise CasesError(f"Fallfilen {path} innehåller inga fall.")
    return cases


def require_known_documents(path: Path, cases: Sequence[Case], known: Collection[str]) -> None:
    """Raise CasesError listing every evidence document id that is not in the index."""
    problems = check_documents(cases, known)
    if problems:
        _raise_problems(path, problems)


def load_cases(path: Path, known_documents: Collection[str] | None = None) -> list[Case]:
    """Load and check a cases file, and (given the known ids) its evidence documents."""
    cases = read_cases(path)
    if known_documents is not None:
        require_known_documents(path, cases, known_documents)
    return cases


# ── the hit rule ───────────────────────────────────────────────────────────────────────


def word_tokens(text: str) -> list[str]:
    """Word tokens for matching: `\\w+` over NFKC-normalised, lower-cased text."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


def quote_share(quote: str, passage: str) -> float:
    """The share of the quote's word tokens the passage holds, counted as a multiset."""
    wanted = Counter(word_tokens(quote))
    total = sum(wanted.values())
    if not total:
        return 0.0
    have = Counter(word_tokens(passage))
    return sum(min(n, have[t]) for t, n in wanted.items()) / total


@dataclass(frozen=True)
class Passage:
    """A passage that came back for a question: where it is from and its text."""

    document_id: str
    text: str


def is_hit(case: Case, passage: Passage) -> bool:
    """Whether the passage holds ≥80% of any evidence quote's tokens, from that document."""
    return any(
        e.document == passage.document_id and quote_share(e.quote, passage.text) >= HIT_SHARE
        for e in case.evidence
    )


def quotes_hold_evidence(case: Case, quoted: Sequence[Passage]) -> bool:
    """Whether the answer's own quotes, together, hold ≥60% of some evidence quote's tokens.

    Only quotes from the evidence's document count; `quoted` are the quotes of the
    citations the answer's `[n]` markers point to.
    """
    for e in case.evidence:
        joined = " ".join(q.text for q in quoted if q.document_id == e.document)
        if joined and quote_share(e.quote, joined) >= QUOTE_SHARE:
            return True
    return False


def first_hit(case: Case, passages: Sequence[Passage], depth: int = DEPTH) -> int | None:
    """The rank (1-based) of the first hit among the first `depth` passages, or None."""
    for rank, passage in enumerate(passages[:depth], start=1):
        if is_hit(case, passage):
            return rank
    return None


def default_cases(settings: Settings) -> Path:
    """The project's development set (the one the team tunes on)."""
    return settings.evals_dir / DEVELOPMENT


def held_out_cases(settings: Settings) -> Path:
    """The held-out set, written blind: only measured, never tuned on."""
    return settings.evals_dir / HELD_OUT


def is_held_out(cases_file: Path) -> bool:
    """Whether a cases file is a held-out set, whose reports never show a case."""
    return cases_file.name.startswith("holdout")
