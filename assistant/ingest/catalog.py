"""The corpus on disk: agreement texts plus `catalog.json`, validated on every load."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from assistant.errors import CorpusError
from assistant.ingest.normalise import normalise
from assistant.models import Document, DocumentMeta

CATALOG_NAME = "catalog.json"
TEXT_SUFFIX = ".txt"
KINDS = ("överenskommelse", "vägledning")
TARGET_GROUPS = (
    "psykisk funktionsnedsättning",
    "psykisk ohälsa",
    "missbruk och beroende",
    "barn och unga placerade utanför hemmet",
)
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,80}$")
MAX_URL_CHARS = 2000
# A short title is a line in a warning, a source card and a Teams citation name (≤ 80
# characters with the section after it): it must leave room for the section.
MAX_SHORT_TITLE_CHARS = 60
# Optional fields: absent from an entry when unset, so older catalogs (and the index's
# fingerprint of them) stay as they were.
OPTIONAL = ("source_url", "short_title")
REQUIRED = (
    "id", "title", "region", "parties", "target_groups", "age_scope", "kind",
    "valid_from", "valid_to", "extension", "draft", "source",
)


def catalog_path(corpus_dir: Path) -> Path:
    """Where the catalog of a corpus folder lives."""
    return corpus_dir / CATALOG_NAME


def _field_error(where: str, name: str, problem: str) -> CorpusError:
    return CorpusError(f"{where}: fältet '{name}' {problem}")


def _text(entry: dict[str, Any], name: str, where: str, *, optional: bool = False) -> str | None:
    value = entry.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _field_error(where, name, "måste vara en icke-tom text")
    return value.strip()


def _strings(entry: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = entry.get(name)
    if not isinstance(value, list) or not value or not all(
        isinstance(v, str) and v.strip() for v in value
    ):
        raise _field_error(where, name, "måste vara en icke-tom lista av texter")
    return tuple(v.strip() for v in value)


def _date(entry: dict[str, Any], name: str, where: str) -> date | None:
    value = entry.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _field_error(where, name, "måste vara ett datum ÅÅÅÅ-MM-DD eller null")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _field_error(where, name, f"har ogiltigt datum {value!r} (ÅÅÅÅ-MM-DD)") from None


def source_url_problem(url: str) -> str | None:
    """Why `url` cannot be an agreement's source address (None when it can): only an
    absolute http(s) address, which the passage view may link to."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        return "är ingen giltig webbadress"
    if parts.scheme.lower() not in ("http", "https"):
        return "måste börja med http:// eller https://"
    if not parts.hostname or len(url) > MAX_URL_CHARS:
        return "måste vara en fullständig webbadress, t.ex. https://www.region.se/avtal.pdf"
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return "får inte innehålla blanksteg eller styrtecken"
    return None


def _source_url(entry: dict[str, Any], where: str) -> str | None:
    url = _text(entry, "source_url", where, optional=True)
    problem = source_url_problem(url) if url is not None else None
    if problem:
        raise _field_error(where, "source_url", problem)
    return url


def short_title_problem(title: str) -> str | None:
    """Why `title` cannot be an agreement's short title (None when it can)."""
    if not title.strip():
        return "måste vara en icke-tom text"
    if len(title.strip()) > MAX_SHORT_TITLE_CHARS:
        return f"får vara högst {MAX_SHORT_TITLE_CHARS} tecken (nu {len(title.strip())})"
    if any(not ch.isprintable() for ch in title):
        return "måste stå på en rad, utan radbrytningar eller styrtecken"
    return None


def _short_title(entry: dict[str, Any], where: str) -> str | None:
    title = entry.get("short_title")
    if title is None:
        return None
    if not isinstance(title, str):
        raise _field_error(where, "short_title", "måste vara en text eller utelämnas")
    problem = short_title_problem(title)
    if problem:
        raise _field_error(where, "short_title", problem)
    return " ".join(title.split())


def parse_entry(entry: Any, where: str) -> DocumentMeta:
    """Validate one catalog entry and turn it into a `DocumentMeta`."""
    if not isinstance(entry, dict):
        raise CorpusError(f"{where}: posten måste vara ett objekt")
    for name in REQUIRED:
        if name not in entry:
            raise _field_error(where, name, "saknas")
    doc_id = _text(entry, "id", where)
    assert doc_id is not None
    if not ID_PATTERN.match(doc_id):
        raise _field_error(where, "id", "får bara innehålla a–z, 0–9 och bindestreck")
    where = f"{where} ({doc_id})"
    kind = _text(entry, "kind", where)
    if kind not in KINDS:
        raise _field_error(where, "kind", f"måste vara ett av {', '.join(KINDS)}")
    groups = _strings(entry, "target_groups", where)
    unknown = [g for g in groups if g not in TARGET_GROUPS]
    if unknown:
        named = ", ".join(f'"{g}"' for g in unknown)
        raise _field_error(
            where, "target_groups", f"har okänd målgrupp {named}; tillåtna målgrupper: "
            f"{', '.join(TARGET_GROUPS)}"
        )
    if not isinstance(entry["draft"], bool):
        raise _field_error(where, "draft", "måste vara true eller false")
    valid_from = _date(entry, "valid_from", where)
    valid_to = _date(entry, "valid_to", where)
    if valid_from and valid_to and valid_to < valid_from:
        raise _field_error(where, "valid_to", "ligger före valid_from")
    source = _text(entry, "source", where)
    assert source is not None
    if Path(source).name != source:
        raise _field_error(where, "source", "måste vara ett filnamn i corpus/, utan katalog")
    return DocumentMeta(
        id=doc_id,
        title=_text(entry, "title", where) or "",
        region=_text(entry, "region", where, optional=True),
        parties=_strings(entry, "parties", where),
        target_groups=groups,
        age_scope=_text(entry, "age_scope", where) or "",
        kind=kind,  # type: ignore[arg-type]
        valid_from=valid_from,
        valid_to=valid_to,
        extension=_text(entry, "extension", where, optional=True),
        draft=entry["draft"],
        source=source,
        identity=_text(entry, "identity", where, optional=True),
        source_url=_source_url(entry, where),
        short_title=_short_title(entry, where),
    )


def load_catalog(corpus_dir: Path) -> dict[str, DocumentMeta]:
    """Read and validate the catalog; every entry must have its text and vice versa."""
    path = catalog_path(corpus_dir)
    if not path.is_file():
        raise CorpusError(f"{path}: katalogen saknas")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: ogiltig JSON ({exc})") from None
    entries = raw.get("documents") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise CorpusError(f"{path}: fältet 'documents' måste vara en lista")
    catalog: dict[str, DocumentMeta] = {}
    for i, entry in enumerate(entries, start=1):
        meta = parse_entry(entry, f"{path.name} post {i}")
        if meta.id in catalog:
            raise CorpusError(f"{path.name} post {i}: id '{meta.id}' finns redan")
        if meta.source != meta.id + TEXT_SUFFIX:
            raise CorpusError(
                f"{path.name} post {i} ({meta.id}): fältet 'source' måste vara '{meta.id}.txt'"
            )
        if not (corpus_dir / meta.source).is_file():
            raise CorpusError(f"{corpus_dir / meta.source}: texten för '{meta.id}' saknas")
        catalog[meta.id] = meta
    for text in sorted(corpus_dir.glob("*" + TEXT_SUFFIX)):
        if text.stem not in catalog:
            raise CorpusError(f"{text}: texten saknar post i {CATALOG_NAME}")
    return catalog


def meta_to_json(meta: DocumentMeta) -> dict[str, Any]:
    """A catalog entry as stored in `catalog.json`."""
    entry = asdict(meta)
    for name in ("parties", "target_groups"):
        entry[name] = list(entry[name])
    for name in ("valid_from", "valid_to"):
        entry[name] = entry[name].isoformat() if entry[name] else None
    for name in OPTIONAL:
        if entry[name] is None:
            del entry[name]
    return entry


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that readers never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_catalog(corpus_dir: Path, catalog: dict[str, DocumentMeta]) -> None:
    """Write the catalog atomically, entries in a stable order."""
    body = {"documents": [meta_to_json(m) for m in catalog.values()]}
    text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    write_atomically(catalog_path(corpus_dir), text.encode("utf-8"))


def read_text(corpus_dir: Path, meta: DocumentMeta) -> str:
    """The raw text of one agreement as stored in the corpus."""
    path = corpus_dir / meta.source
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CorpusError(f"{path}: texten är inte giltig UTF-8") from None


def load_documents(corpus_dir: Path, ids: list[str] | None = None) -> list[Document]:
    """Load and normalise the agreements (all, or those named), in catalog order."""
    catalog = load_catalog(corpus_dir)
    if ids:
        unknown = [i for i in ids if i not in catalog]
        if unknown:
            raise CorpusError(f"okänt dokument-id: {', '.join(unknown)}")
    return [
        normalise(meta, read_text(corpus_dir, meta))
        for meta in catalog.values()
        if not ids or meta.id in ids
    ]
