"""Adding or replacing an agreement in the corpus: validate, extract, check, then write.

Everything is checked before anything is written, and the text and the catalog entry are
written atomically, so a failed ingestion leaves `corpus/` exactly as it was.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NotRequired, TypedDict, Unpack

from assistant.errors import CorpusError, IngestError, InputError
from assistant.ingest.catalog import (
    CATALOG_NAME,
    KINDS,
    TARGET_GROUPS,
    TEXT_SUFFIX,
    load_catalog,
    parse_entry,
    read_text,
    save_catalog,
    short_title_problem,
    source_url_problem,
    write_atomically,
)
from assistant.ingest.extract import extract_text
from assistant.ingest.normalise import normalise
from assistant.ingest.regions import REGIONS, canonical_region, default_parties
from assistant.models import Document, DocumentMeta
from assistant.settings import Settings

__all__ = [
    "LAN",
    "EntryFields",
    "Ingested",
    "build_meta",
    "canonical_region",
    "content_key",
    "default_parties",
    "ingest_file",
]

# The 21 län, by the short name the catalog uses, with the county's full name.
LAN: dict[str, str] = {short: names.county for short, names in REGIONS.items()}


class EntryFields(TypedDict):
    """The catalog fields an administrator gives for an agreement (the CLI's options)."""

    doc_id: str
    title: str
    region: str | None
    parties: Sequence[str]
    target_groups: Sequence[str]
    age_scope: str
    kind: str
    valid_from: date | str | None
    valid_to: date | str | None
    extension: str | None
    draft: bool
    identity: NotRequired[str | None]
    source_url: NotRequired[str | None]
    short_title: NotRequired[str | None]


@dataclass(frozen=True)
class Ingested:
    """What an ingestion did: the new entry, its normalised text, the entries it replaced."""

    meta: DocumentMeta
    document: Document
    replaced: tuple[str, ...]  # ids whose entry and text it took the place of
    # Other entries whose short title is the one this entry got by default: staff could not
    # tell them apart in a warning or a Teams citation until one is given --short-title.
    same_short_title: tuple[str, ...] = ()


def ingest_file(
    settings: Settings, path: Path, *, replace: bool = False, **fields: Unpack[EntryFields]
) -> Ingested:
    """Add one agreement file to the corpus; with `replace`, in place of the entry with the
    same id and of any entry holding the same text under another id."""
    corpus_dir = settings.corpus_dir
    # A mistyped file name is the likeliest mistake; say so before judging the fields.
    if not path.exists():
        raise IngestError(f"Filen finns inte: {path}")
    meta = build_meta(**fields)
    # Fail fast on a duplicate id before the (possibly slow) extraction; checked again below.
    _check_id_free(_current_catalog(corpus_dir), meta.id, replace)
    raw = extract_text(path)
    text = raw if raw.endswith("\n") else raw + "\n"
    document = normalise(meta, text)
    if not any(block.text.strip() for block in document.blocks):
        raise IngestError(f"{path.name}: texten gav inga stycken efter normalisering")
    with _locked(corpus_dir):
        catalog = _current_catalog(corpus_dir)
        _check_id_free(catalog, meta.id, replace)
        twins = _same_text(corpus_dir, catalog, meta.id, text)
        _check_twins(corpus_dir, twins, meta.id, replace)
        same = _same_short_title(catalog, meta, twins)
        _write(corpus_dir, catalog, meta, text, twins)
    replaced = ((meta.id,) if meta.id in catalog else ()) + twins
    return Ingested(meta=meta, document=document, replaced=replaced, same_short_title=same)


def _same_short_title(
    catalog: dict[str, DocumentMeta], meta: DocumentMeta, twins: tuple[str, ...]
) -> tuple[str, ...]:
    """The other entries (those it replaces aside) with the new entry's short title; an
    explicit --short-title that another entry has is refused."""
    same = tuple(
        other for other, entry in catalog.items()
        if other != meta.id and other not in twins
        and entry.short_name.casefold() == meta.short_name.casefold()
    )
    if same and meta.short_title:
        raise InputError(
            f"--short-title {meta.short_title!r} används redan av '{same[0]}'; välj ett "
            "kortnamn som skiljer överenskommelserna åt"
        )
    return same


def content_key(text: str) -> str:
    """The text's identity for finding the same agreement again: a hash of its words, so a
    second extraction with other line breaks or page breaks is still the same text."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def _same_text(
    corpus_dir: Path, catalog: dict[str, DocumentMeta], doc_id: str, text: str
) -> tuple[str, ...]:
    """The other entries of the corpus whose text is this one."""
    key = content_key(text)
    return tuple(
        other for other, meta in catalog.items()
        if other != doc_id and content_key(read_text(corpus_dir, meta)) == key
    )


def _check_twins(corpus_dir: Path, twins: tuple[str, ...], doc_id: str, replace: bool) -> None:
    """The same text under another id is refused, unless `replace` says it takes its place
    and the other entry has no files of its own beside its text (statement corrections
    name it by its id)."""
    if not twins:
        return
    named = ", ".join(f"'{twin}'" for twin in twins)
    if not replace:
        raise InputError(
            f"samma text finns redan i korpusen som {named}. Ange --id {twins[0]} --replace "
            f"för att ersätta den, eller --replace för att byta ut den mot '{doc_id}'"
        )
    for twin in twins:
        others = sorted(
            p.name for p in corpus_dir.glob(f"{twin}.*") if p.name != twin + TEXT_SUFFIX
        )
        if others:
            raise InputError(
                f"'{twin}' har samma text och egna filer i korpusen ({', '.join(others)}) "
                f"som hänvisar till dess id; ersätt den under samma id (--id {twin} --replace)"
            )


def build_meta(**fields: Unpack[EntryFields]) -> DocumentMeta:
    """Validate catalog fields with the catalog's own rules and return the entry."""
    doc_id = fields["doc_id"].strip()
    canonical = canonical_region(fields["region"])
    party_list = [p for p in fields["parties"] if p.strip()] or list(default_parties(canonical))
    if not party_list:
        raise InputError("ange minst en part (--party) för en text utan region")
    if not fields["target_groups"]:
        raise InputError(f"ange minst en målgrupp (--target-group): {', '.join(TARGET_GROUPS)}")
    unknown = [group for group in fields["target_groups"] if group not in TARGET_GROUPS]
    if unknown:
        raise InputError(
            f"Okänd målgrupp {_quoted(unknown)}. Tillåtna målgrupper: {', '.join(TARGET_GROUPS)}."
        )
    if fields["kind"] not in KINDS:
        raise InputError(
            f"Okänd dokumenttyp {_quoted([fields['kind']])} (--kind). Välj {' eller '.join(KINDS)}."
        )
    extension = fields["extension"]
    identity = fields.get("identity")
    source_url = (fields.get("source_url") or "").strip() or None
    problem = source_url_problem(source_url) if source_url else None
    if problem:
        raise InputError(f"--source-url {source_url!r} {problem}")
    short_title = (fields.get("short_title") or "").strip() or None
    problem = short_title_problem(short_title) if short_title else None
    if problem:
        raise InputError(f"--short-title {short_title!r} {problem}")
    entry = {
        "id": doc_id,
        "title": fields["title"],
        "region": canonical,
        "parties": party_list,
        "target_groups": list(fields["target_groups"]),
        "age_scope": fields["age_scope"],
        "kind": fields["kind"],
        "valid_from": _iso(fields["valid_from"]),
        "valid_to": _iso(fields["valid_to"]),
        "extension": extension if extension and extension.strip() else None,
        "draft": fields["draft"],
        "source": doc_id + TEXT_SUFFIX,
        "identity": identity if identity and identity.strip() else None,
        "source_url": source_url,
        "short_title": short_title,
    }
    try:
        return parse_entry(entry, "nytt dokument")
    except CorpusError as exc:
        raise InputError(exc.message) from None


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(f'"{value}"' for value in values)


def _iso(value: date | str | None) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _current_catalog(corpus_dir: Path) -> dict[str, DocumentMeta]:
    """The validated catalog; a folder with neither catalog nor texts is an empty corpus."""
    if not (corpus_dir / CATALOG_NAME).exists() and not any(corpus_dir.glob("*" + TEXT_SUFFIX)):
        return {}
    try:
        return load_catalog(corpus_dir)
    except CorpusError as exc:
        raise CorpusError(f"korpusen är inte i ordning, inget har ändrats: {exc.message}") from None


def _check_id_free(catalog: dict[str, DocumentMeta], doc_id: str, replace: bool) -> None:
    if doc_id in catalog and not replace:
        raise InputError(
            f"dokument-id '{doc_id}' finns redan i korpusen; använd --replace för att ersätta det"
        )


def _write(
    corpus_dir: Path,
    catalog: dict[str, DocumentMeta],
    meta: DocumentMeta,
    text: str,
    twins: tuple[str, ...] = (),
) -> None:
    """Write text, then catalog, then remove the texts of `twins` (the entries this one
    replaces under another id); if the catalog fails, put the old text back."""
    text_path = corpus_dir / meta.source
    previous = text_path.read_bytes() if text_path.exists() else None
    # A replaced entry keeps its place in the catalog, or takes the place of the first twin.
    place = meta.id if meta.id in catalog else next(iter(twins), None)
    updated: dict[str, DocumentMeta] = {}
    for other, entry in catalog.items():
        if other == place:
            updated[meta.id] = meta
        elif other not in twins:
            updated[other] = entry
    updated.setdefault(meta.id, meta)
    write_atomically(text_path, text.encode("utf-8"))
    try:
        save_catalog(corpus_dir, updated)
    except BaseException:
        if previous is None:
            text_path.unlink(missing_ok=True)
        else:
            write_atomically(text_path, previous)
        raise
    for twin in twins:
        (corpus_dir / catalog[twin].source).unlink(missing_ok=True)


@contextmanager
def _locked(corpus_dir: Path) -> Iterator[None]:
    """Serialise writers on the corpus folder itself, so that no lock file is left behind."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(corpus_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
