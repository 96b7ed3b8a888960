"""Overrides: an administrator's additions, corrections and removals of one agreement's
statements, kept beside its text as `corpus/<document_id>.statements.jsonl` and applied
when the index is built (docs/statements.md describes the format).

One JSON object a line; blank lines and lines starting with `#` are skipped:

    {"action": "add", "actor": "Samordningsgruppen", "party": "gemensamt",
     "polarity": "duty", "duty": "Samordningsgruppen ska följa upp överenskommelsen.",
     "quote": "Samordningsgruppen ska följa upp överenskommelsen"}
    {"action": "correct", "id": "varmland-…-st-1a2b3c4d5e6f", "party": "region"}
    {"action": "drop", "quote": "Ombudet för inga journaler"}

A quote is found in the normalised text the extractor reads, ignoring differences in
whitespace only (a line break in the text matches a space in the quote). Every bad line is a
`CorpusError` naming the file and line, so a build stops before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

from assistant.errors import CorpusError
from assistant.index.statements.actors import PARTIES
from assistant.ingest.normalise import page_at
from assistant.models import SECTION_SEPARATOR, Chunk, Document, Party, Polarity, Statement

SUFFIX = ".statements.jsonl"
ACTIONS = ("add", "correct", "drop")
POLARITIES: tuple[Polarity, ...] = ("duty", "not")
# The fields a line may set on a statement, and which an added one must have.
FIELDS = ("actor", "party", "duty", "polarity", "conditions")
REQUIRED_FOR_ADD = ("actor", "party", "duty", "polarity", "quote")
# Besides FIELDS: the action, what names a statement, and the document as a check.
_NAMING = ("action", "id", "quote", "document_id")


@dataclass(frozen=True)
class Override:
    """One checked line of an overrides file."""

    action: str  # add | correct | drop
    where: str  # "<file>:<line>", for errors
    id: str | None  # correct/drop: the statement named by its id
    quote: str | None  # correct/drop: the statement named by a quote it contains
    spans: tuple[tuple[int, int], ...]  # add: where each quote stands in Document.text
    changes: Mapping[str, Any]  # the FIELDS the line sets


def overrides_path(corpus_dir: Path, document_id: str) -> Path:
    """Where the overrides of one agreement live."""
    return corpus_dir / f"{document_id}{SUFFIX}"


def override_files(corpus_dir: Path) -> list[Path]:
    """Every overrides file in the corpus folder, by name."""
    return sorted(corpus_dir.glob("*" + SUFFIX))


def document_of(path: Path) -> str:
    """The document id an overrides file belongs to (its name without the suffix)."""
    return path.name[: -len(SUFFIX)]


def _squeezed(text: str) -> str:
    return " ".join(text.split())


def _pattern(quote: str) -> re.Pattern[str]:
    """The quote with any run of whitespace matching any other."""
    return re.compile(r"\s+".join(re.escape(word) for word in quote.split()))


def _text_field(row: Mapping[str, Any], name: str, where: str) -> str | None:
    value = row.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CorpusError(f"{where}: fältet '{name}' måste vara en icke-tom text")
    return value.strip()


def _changes(row: Mapping[str, Any], where: str) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in ("actor", "duty"):
        value = _text_field(row, name, where)
        if value is not None:
            changes[name] = _as_sentence(value) if name == "duty" else value
    party = row.get("party")
    if party is not None:
        if party not in PARTIES:
            raise CorpusError(
                f"{where}: okänd part {party!r}; ange en av {', '.join(PARTIES)}"
            )
        changes["party"] = party
    polarity = row.get("polarity")
    if polarity is not None:
        if polarity not in POLARITIES:
            raise CorpusError(
                f"{where}: okänd polaritet {polarity!r}; ange 'duty' (skyldighet) eller "
                "'not' (uttryckligen inte)"
            )
        changes["polarity"] = polarity
    if "conditions" in row:
        conditions = row["conditions"]
        if not isinstance(conditions, list) or not all(
            isinstance(c, str) and c.strip() for c in conditions
        ):
            raise CorpusError(f"{where}: fältet 'conditions' måste vara en lista av texter")
        changes["conditions"] = tuple(c.strip() for c in conditions)
    return changes


def _as_sentence(text: str) -> str:
    """A duty as the answers show it: capital first, a full stop last."""
    text = _squeezed(text)
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")", "”")) else text + "."


def _spans(document: Document, quotes: Sequence[str], where: str) -> tuple[tuple[int, int], ...]:
    spans = []
    for quote in quotes:
        found = list(_pattern(quote).finditer(document.text))
        if not found:
            raise CorpusError(
                f"{where}: citatet {_short(quote)!r} finns inte ordagrant i texten till "
                f"'{document.id}'"
            )
        if len(found) > 1:
            raise CorpusError(
                f"{where}: citatet {_short(quote)!r} förekommer {len(found)} gånger i "
                f"'{document.id}'; ta med mer av meningen så att det blir entydigt"
            )
        spans.append((found[0].start(), found[0].end()))
    return tuple(spans)


def _short(text: str, limit: int = 60) -> str:
    text = _squeezed(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quotes(row: Mapping[str, Any], where: str) -> tuple[str, ...]:
    """The quote of an added statement: one text, or a list (a lead-in, then its item)."""
    value = row.get("quote")
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise CorpusError(
            f"{where}: fältet 'quote' måste vara en icke-tom text eller lista av texter"
        )
    return tuple(values)


def parse_line(line: str, where: str, document: Document) -> Override:
    """Check one line of a document's overrides file; a bad line raises CorpusError."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{where}: ogiltig JSON ({exc.msg}, tecken {exc.pos + 1})") from None
    if not isinstance(row, dict):
        raise CorpusError(f"{where}: raden måste vara ett JSON-objekt")
    action = row.get("action")
    if action not in ACTIONS:
        raise CorpusError(
            f"{where}: okänd åtgärd {action!r}; ange \"add\", \"correct\" eller \"drop\""
        )
    unknown = sorted(set(row) - set(FIELDS) - set(_NAMING))
    if unknown:
        raise CorpusError(
            f"{where}: okända fält {', '.join(unknown)}; tillåtna är "
            f"{', '.join(_NAMING + FIELDS)}"
        )
    document_id = _text_field(row, "document_id", where)
    if document_id is not None and document_id != document.id:
        raise CorpusError(
            f"{where}: raden gäller dokumentet '{document_id}', men filen hör till "
            f"'{document.id}'"
        )
    changes = _changes(row, where)
    if action == "add":
        missing = [name for name in REQUIRED_FOR_ADD if row.get(name) is None]
        if missing:
            raise CorpusError(f"{where}: \"add\" kräver fälten {', '.join(missing)}")
        if "id" in row:
            raise CorpusError(f"{where}: \"add\" får inget 'id'; det räknas fram ur citatet")
        spans = _spans(document, _quotes(row, where), where)
        return Override("add", where, None, None, spans, changes)
    statement_id = _text_field(row, "id", where)
    quote = _text_field(row, "quote", where)
    if statement_id is None and quote is None:
        raise CorpusError(f"{where}: \"{action}\" måste ange påståendets 'id' eller 'quote'")
    if action == "correct" and not changes:
        raise CorpusError(
            f"{where}: \"correct\" ändrar inget; ange något av {', '.join(FIELDS)}"
        )
    if action == "drop" and changes:
        raise CorpusError(f"{where}: \"drop\" tar bort påståendet och tar inga fält att ändra")
    return Override(action, where, statement_id, quote, (), changes)


def read_overrides(
    corpus_dir: Path, documents: Iterable[Document]
) -> dict[str, tuple[Override, ...]]:
    """Every overrides file of the corpus, checked line by line against its document's text;
    a file for a document the catalog lacks, or any bad line, raises CorpusError."""
    by_id = {doc.id: doc for doc in documents}
    out: dict[str, tuple[Override, ...]] = {}
    for path in override_files(corpus_dir):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            raise CorpusError(f"{path}: filen är inte giltig UTF-8") from None
        numbered = [
            (n, line) for n, line in enumerate(lines, start=1)
            if line.strip() and not line.lstrip().startswith("#")
        ]
        document = by_id.get(document_of(path))
        if document is None:
            first = numbered[0][0] if numbered else 1
            raise CorpusError(
                f"{path}:{first}: det finns inget dokument '{document_of(path)}' i katalogen "
                f"(filen ska heta <dokument-id>{SUFFIX})"
            )
        out[document.id] = tuple(
            parse_line(line, f"{path}:{n}", document) for n, line in numbered
        )
    return out


def apply_overrides(
    found: Sequence[Statement],
    documents: Iterable[Document],
    chunks: Sequence[Chunk],
    overrides: Mapping[str, Sequence[Override]],
) -> list[Statement]:
    """The statements with each document's overrides applied line by line, in text order; a
    line naming no statement (or several) raises CorpusError."""
    if not overrides:
        return list(found)
    by_document: dict[str, list[Statement]] = {}
    for statement in found:
        by_document.setdefault(statement.document_id, []).append(statement)
    docs = {doc.id: doc for doc in documents}
    for document_id, document in docs.items():
        for override in overrides.get(document_id, ()):
            current = by_document.setdefault(document_id, [])
            if override.action == "add":
                added = _added(document, chunks, override)
                if any(s.id == added.id for s in current):
                    raise CorpusError(f"{override.where}: påståendet finns redan (id {added.id})")
                _insert(current, added)
                continue
            at = _named(current, override)
            if override.action == "drop":
                del current[at]
            else:
                current[at] = replace(current[at], **override.changes)
    ordered = [s for document_id in docs for s in by_document.get(document_id, ())]
    return ordered + [s for s in found if s.document_id not in docs]


def _named(statements: Sequence[Statement], override: Override) -> int:
    """The index of the one statement a correct/drop line names."""
    matches = [
        k for k, s in enumerate(statements)
        if (override.id is None or s.id == override.id)
        and (override.quote is None or _squeezed(override.quote) in _squeezed(" ".join(s.quotes)))
    ]
    named = " och ".join(
        part for part in (
            f"id {override.id!r}" if override.id else "",
            f"citatet {_short(override.quote)!r}" if override.quote else "",
        ) if part
    )
    if not matches:
        raise CorpusError(
            f"{override.where}: inget påstående med {named} (se `assistant statements "
            "--document <id>`; ett id ändras när texten eller påståendeläsningen ändras)"
        )
    if len(matches) > 1:
        raise CorpusError(
            f"{override.where}: {len(matches)} påståenden har {named}; ange 'id' eller ett "
            "längre citat"
        )
    return matches[0]


def _added(document: Document, chunks: Sequence[Chunk], override: Override) -> Statement:
    changes = override.changes
    spans = override.spans
    own = spans[-1]  # like a list item after its lead-in: the last quote is the statement's
    party = cast(Party, changes["party"])
    polarity = cast(Polarity, changes["polarity"])
    key = hashlib.sha256(
        f"tillagd\x1f{document.id}\x1f{spans}\x1f{changes['actor']}\x1f{party}".encode()
    ).hexdigest()[:12]
    block = next((b for b in document.blocks if b.start <= own[0] < b.end), None)
    return Statement(
        id=f"{document.id[:24]}-st-{key}",
        document_id=document.id,
        chunk_id=next(
            (c.id for c in chunks
             if c.document_id == document.id and c.start <= own[0] < c.end),
            None,
        ),
        actor=changes["actor"],
        party=party,
        duty=changes["duty"],
        conditions=changes.get("conditions", ()),
        polarity=polarity,
        quotes=tuple(document.text[a:b] for a, b in spans),
        spans=spans,
        section=SECTION_SEPARATOR.join(block.trail) if block else "",
        page=page_at(document, own[0], own[1])[0],
        form="negation" if polarity == "not" else "joint" if party == "gemensamt" else "prose",
    )


def _insert(statements: list[Statement], added: Statement) -> None:
    """Place an added statement in text order among its document's statements."""
    at = added.spans[-1][0]
    for k, statement in enumerate(statements):
        if min(a for a, _ in statement.spans) > at:
            statements.insert(k, added)
            return
    statements.append(added)
