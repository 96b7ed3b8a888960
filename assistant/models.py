"""Our own data types. Every stage takes and returns these; no library type crosses a module."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Kind = Literal["överenskommelse", "vägledning"]
Responsible = Literal["kommun", "region", "gemensamt", "annan"]
Status = Literal["answered", "no_support"]
BlockKind = Literal["heading", "paragraph", "item", "footnote"]
Party = Literal["kommun", "region", "gemensamt", "annan"]
Polarity = Literal["duty", "not"]
# How the text states it: a sentence, a list item under its lead-in, a joint sentence, one of
# two adjacent sentences dividing a matter, a table row, or an explicit negative.
StatementForm = Literal["prose", "list", "joint", "divided", "table", "negation"]

SECTION_SEPARATOR = " › "


@dataclass(frozen=True)
class DocumentMeta:
    """One agreement as the catalog describes it."""

    id: str
    title: str
    region: str | None  # län, e.g. "Värmland"; None for national texts
    parties: tuple[str, ...]
    target_groups: tuple[str, ...]
    age_scope: str
    kind: Kind
    valid_from: date | None
    valid_to: date | None  # None = tills vidare
    extension: str | None  # automatic extension rule, as the text states it
    draft: bool
    source: str  # file name under corpus/
    identity: str | None = None  # document identity or diary number, where stated
    source_url: str | None = None  # where the agreement was published (http or https)
    # What tells it apart in a line ("Dalarna – psykisk funktionsnedsättning 2021"), as the
    # catalog gives it; None: derived, see `short_name`.
    short_title: str | None = None

    @property
    def short_name(self) -> str:
        """The agreement's short title: the catalog's own, else the derived default."""
        return self.short_title or default_short_title(self)

    def expired_on(self, day: date) -> bool:
        """Whether the stated period has ended before `day`."""
        return self.valid_to is not None and self.valid_to < day

    def in_force_on(self, day: date) -> bool:
        """Whether `day` lies within the stated period (open ends count as met)."""
        return (self.valid_from is None or self.valid_from <= day) and not self.expired_on(day)


def default_short_title(meta: DocumentMeta) -> str:
    """The short title of an agreement whose catalog entry gives none: its region (or
    "Nationell vägledning") – its first target group, and the year it applies from if known."""
    place = meta.region or ("Nationell vägledning" if meta.kind == "vägledning" else "Nationell")
    year = f" {meta.valid_from.year}" if meta.valid_from else ""
    return f"{place} – {meta.target_groups[0]}{year}" if meta.target_groups else place + year


@dataclass(frozen=True)
class Block:
    """A heading, paragraph, list item or footnote of the normalised text."""

    kind: BlockKind
    text: str
    trail: tuple[str, ...]  # headings above this block, outermost first
    start: int  # character span in Document.text
    end: int
    lead_in: str | None = None  # for list items: the line that introduces the list
    level: int = 0  # heading level (1 = top); list nesting for items


@dataclass(frozen=True)
class PageSpan:
    """A stretch of the normalised text known to lie on one page (None = unknown page)."""

    page: int | None
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """An agreement: its catalog entry plus normalised text with page and section structure."""

    meta: DocumentMeta
    text: str
    blocks: tuple[Block, ...]
    pages: tuple[PageSpan, ...]
    page_count: int | None = None

    @property
    def id(self) -> str:
        """The document id (the corpus file stem)."""
        return self.meta.id


# Between a list's lead-in and a passage cut from the middle of the list: the reader sees the
# two apart ("Regionen ansvarar för:\n[…]\n• LARO"); code reads `Chunk.lead_in` and `Chunk.body`.
LEAD_IN_GAP = "\n[…]\n"


@dataclass(frozen=True)
class Chunk:
    """A passage: what is indexed, retrieved and cited."""

    id: str
    document_id: str
    text: str  # what the reader sees and the index reads: lead-in + LEAD_IN_GAP + body
    trail: tuple[str, ...]
    page_start: int | None
    page_end: int | None
    start: int  # span of the passage body in Document.text
    end: int
    lead_in: str | None = None  # the lead-in of the list the passage was cut from, if any

    @property
    def body(self) -> str:
        """The passage as cut from the document, without the lead-in put in front of it."""
        return self.text[len(self.lead_in) + len(LEAD_IN_GAP) :] if self.lead_in else self.text

    @property
    def section(self) -> str:
        """The heading trail as one line, e.g. `3. Ansvar › 3.2 Regionens ansvar`."""
        return SECTION_SEPARATOR.join(self.trail)

    @property
    def indexed_text(self) -> str:
        """What embedding and BM25 see: the heading trail travels with the passage."""
        return f"{self.section}\n{self.text}" if self.trail else self.text


@dataclass(frozen=True)
class Statement:
    """Who does what, as one agreement states it: actor, party, duty, conditions, source."""

    id: str  # stable: derived from document id + source span + actor
    document_id: str
    chunk_id: str | None  # the passage the statement's first span lies in
    actor: str  # as written: "Regionen", "Socialtjänsten", "Statens institutionsstyrelse"
    party: Party
    duty: str  # a complete Swedish sentence for display
    conditions: tuple[str, ...]  # "om …", "vid …", "för personer över 18 år", as written
    polarity: Polarity  # "not": the text says the actor does NOT have this duty
    quotes: tuple[str, ...]  # verbatim source spans: a list item's lead-in, then the item
    spans: tuple[tuple[int, int], ...]  # the quotes' character spans in Document.text
    section: str  # the heading trail as one line
    page: int | None  # None where the text does not reveal it
    form: StatementForm = "prose"


@dataclass(frozen=True)
class Responsibility:
    """One statement an answer rests on, as the answer shows it."""

    party: Party
    actor: str
    duty: str
    conditions: tuple[str, ...]
    polarity: Polarity
    region: str | None  # the län of its agreement; None for national guidance
    n: int  # the citation it is quoted in
    statement_id: str = ""  # the `Statement` it shows (the ansvarsmatris finds its conflicts)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its scores."""

    chunk: Chunk
    dense: float
    lexical: float
    fused: float
    rank: int


@dataclass(frozen=True)
class RegionQuery:
    """What the question says about place: a covered region, or a place without agreement."""

    region: str | None  # covered län the question points to
    uncovered: str | None = None  # a named place with no agreement in the corpus
    mentioned: tuple[str, ...] = ()  # the words that led there
    # The region the request (a widget's or a user's setting) gave, when the question names
    # another place: the question is answered for the place it names, with a note.
    instead_of: str | None = None


@dataclass(frozen=True)
class Citation:
    """A passage an answer rests on, numbered as the `[n]` markers in the answer."""

    n: int
    document_id: str
    title: str
    short_title: str  # the agreement's `DocumentMeta.short_name`
    region: str | None
    section: str
    page: int | None
    text: str
    quote: str
    score: float
    url: str
    chunk_id: str = ""  # the passage's chunk in the index ("" for one not from the index)


@dataclass(frozen=True)
class Answer:
    """What every interface shows: text with [n] markers, the party, citations, warnings."""

    id: str
    question: str
    status: Status
    text: str
    responsible: Responsible | None
    region: str | None
    citations: tuple[Citation, ...]
    warnings: tuple[str, ...] = ()
    responsibilities: tuple[Responsibility, ...] = ()  # the statements the answer rests on
    regions: tuple[str, ...] = ()  # every region the answer covers
    timings: dict[str, float] = field(default_factory=dict, compare=False)
