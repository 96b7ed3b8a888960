"""Adding or replacing an agreement in the corpus: validate, extract, check, then write.

Everything is checked before anything is written, and the text and the catalog entry are
written atomically, so a failed ingestion leaves `corpus/` exactly as it was.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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
    save_catalog,
    write_atomically,
)
from assistant.ingest.extract import extract_text
from assistant.ingest.normalise import normalise
from assistant.models import DocumentMeta
from assistant.settings import Settings

# The 21 län, by the short name the catalog uses, with the county's full name.
LAN: dict[str, str] = {
    "Blekinge": "Blekinge län",
    "Dalarna": "Dalarnas län",
    "Gotland": "Gotlands län",
    "Gävleborg": "Gävleborgs län",
    "Halland": "Hallands län",
    "Jämtland": "Jämtlands län",
    "Jönköping": "Jönköpings län",
    "Kalmar": "Kalmar län",
    "Kronoberg": "Kronobergs län",
    "Norrbotten": "Norrbottens län",
    "Skåne": "Skåne län",
    "Stockholm": "Stockholms län",
    "Södermanland": "Södermanlands län",
    "Uppsala": "Uppsala län",
    "Värmland": "Värmlands län",
    "Västerbotten": "Västerbottens län",
    "Västernorrland": "Västernorrlands län",
    "Västmanland": "Västmanlands län",
    "Västra Götaland": "Västra Götalands län",
    "Örebro": "Örebro län",
    "Östergötland": "Östergötlands län",
}


def canonical_region(region: str | None) -> str | None:
    """The catalog's name for a län given as "Värmland", "värmlands län" or "Region Värmland"."""
    if region is None or not region.strip():
        return None
    wanted = " ".join(region.split()).casefold()
    wanted = wanted.removeprefix("region ")
    for short, full in LAN.items():
        if wanted in (short.casefold(), full.casefold()):
            return short
    raise InputError(
        f"okänd region {region!r}; ange ett av de 21 länen ({', '.join(LAN)}), "
        "eller ingen region för nationella texter"
    )


def default_parties(region: str | None) -> tuple[str, ...]:
    """The usual parties of a länsövergripande agreement: the region and its municipalities."""
    if region is None:
        return ()
    if region == "Gotland":  # Region Gotland is county council and municipality in one
        return ("Region Gotland",)
    return (f"Region {region}", f"kommunerna i {LAN[region]}")


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


def ingest_file(
    settings: Settings, path: Path, *, replace: bool = False, **fields: Unpack[EntryFields]
) -> DocumentMeta:
    """Add (or with `replace`, replace) one agreement file in the corpus; return its entry."""
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
        _write(corpus_dir, catalog, meta, text)
    return meta


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
    corpus_dir: Path, catalog: dict[str, DocumentMeta], meta: DocumentMeta, text: str
) -> None:
    """Write text, then catalog; if the catalog fails, put the old text back."""
    text_path = corpus_dir / meta.source
    previous = text_path.read_bytes() if text_path.exists() else None
    updated = dict(catalog)
    updated[meta.id] = meta  # a replaced entry keeps its place in the catalog
    write_atomically(text_path, text.encode("utf-8"))
    try:
        save_catalog(corpus_dir, updated)
    except BaseException:
        if previous is None:
            text_path.unlink(missing_ok=True)
        else:
            write_atomically(text_path, previous)
        raise


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
