"""Chunking of the real corpus: nothing lost, lists keep their lead-in, pages stay true."""

from __future__ import annotations

import re
from itertools import accumulate
from pathlib import Path

import pytest

from assistant.index.chunking import MIN_PASSAGE, chunk_document, chunk_documents
from assistant.ingest.catalog import load_catalog, read_text
from assistant.ingest.normalise import line_roles, normalise
from assistant.models import Chunk, Document, DocumentMeta
from assistant.settings import Settings, load_settings

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
Corpus = dict[str, tuple[DocumentMeta, str, Document, list[Chunk]]]
TOKEN = re.compile(r"[^\W_]+")
BULLET_GLYPHS = "•\uf0b7\uf0a7\u25aa\u25a1\u25cf▪□●◦"
# A sentence ends at . ! ? : ; and a new one starts with a line that opens with a capital,
# a digit or a bullet (a title, an item, a new paragraph), or with a bullet glyph anywhere.
SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|(?=[" + BULLET_GLYPHS + r"])")
STARTS = re.compile(r"^(?:[A-ZÅÄÖ0-9" + BULLET_GLYPHS + r"]|[-–] |https?://)")
# Words the normaliser drops on purpose, with why. Nothing else may be missing.
DROPPED = {
    # The margin mark of a revised passage, printed after the last sentence of a list item.
    "dalarna-psykisk-funktionsnedsattning": ["Nytt"],
}


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings({})


@pytest.fixture(scope="module")
def corpus(settings: Settings) -> Corpus:
    catalog = load_catalog(CORPUS)
    out = {}
    for doc_id, meta in catalog.items():
        raw = read_text(CORPUS, meta)
        doc = normalise(meta, raw)
        out[doc_id] = (meta, raw, doc, chunk_document(doc, settings))
    return out


def chunks_of(corpus: Corpus, doc_id: str) -> list[Chunk]:
    return corpus[doc_id][3]


def in_footnote(doc: Document, chunk: Chunk) -> bool:
    return any(b.kind == "footnote" and b.start <= chunk.start < b.end for b in doc.blocks)


def flat(text: str) -> str:
    return " ".join(text.split())


# Nothing is lost ------------------------------------------------------------------------


def sentences(lines: list[str]) -> list[str]:
    """The sentences of some raw lines: split at sentence ends, bullets and new lines that
    start with a capital, a digit or a bullet; a sub-bullet "o" is a glyph, not a word."""
    units: list[list[str]] = []
    for line in lines:
        sub_bullet = re.match(r"^o\s+", line)
        line = line[sub_bullet.end() :] if sub_bullet else line
        if not units or sub_bullet or STARTS.match(line) or re.search(r"[.!?:;]$", units[-1][-1]):
            units.append([])
        units[-1].append(line)
    return [s for unit in units for s in SENTENCE_END.split("\n".join(unit)) if s.strip()]


class Words:
    """A passage's words run together, with the places where a word starts, so that a
    sentence can be found regardless of spacing, punctuation and rejoined hyphens."""

    def __init__(self, text: str) -> None:
        tokens = [t.lower() for t in TOKEN.findall(text)]
        self.joined = "".join(tokens)
        self.starts = set(accumulate([0, *map(len, tokens)]))

    def holds(self, sentence: str) -> bool:
        wanted = "".join(t.lower() for t in TOKEN.findall(sentence))
        at = self.joined.find(wanted)
        while at >= 0:
            if at in self.starts and at + len(wanted) in self.starts:
                return True
            at = self.joined.find(wanted, at + 1)
        return False


def lost_sentences(meta: DocumentMeta, raw: str, chunks: list[Chunk]) -> list[str]:
    """Sentences of the raw text (page furniture removed) that no passage contains.

    Running text and footnotes are split apart (a footnote interrupts a sentence in the
    raw text); a heading counts as contained when it is in a passage's heading trail.
    """
    passages = [Words(chunk.indexed_text) for chunk in chunks]
    roles = line_roles(meta, raw)
    lost = []
    for role in ("body", "note"):
        lines = [text for r, text, _ in roles if r == role and text]
        for sentence in sentences(lines):
            has_words = re.search(r"[^\W\d_]", sentence)  # a lone number says nothing
            if has_words and not any(p.holds(sentence) for p in passages):
                lost.append(" ".join(sentence.split()))
    return lost


def test_every_sentence_of_every_text_is_in_some_passage(corpus: Corpus) -> None:
    lost = {
        doc_id: found
        for doc_id, (meta, raw, _, chunks) in corpus.items()
        if (found := lost_sentences(meta, raw, chunks))
    }
    assert lost == DROPPED


def test_the_coverage_check_notices_a_lost_sentence(corpus: Corpus) -> None:
    meta, raw, _, chunks = corpus["varmland-psykisk-funktionsnedsattning-beroende"]
    without = [c for c in chunks if "abstinensvård" not in c.text]
    assert "o abstinensvård" in raw and "abstinensvård" in lost_sentences(meta, raw, without)


def test_passages_together_cover_all_running_text(corpus: Corpus) -> None:
    """Every block's text lies inside some passage's span (a heading inside the trail)."""
    for doc_id, (_, _, doc, chunks) in corpus.items():
        trails = {t for c in chunks for t in c.trail}
        for block in doc.blocks:
            inside = any(c.start <= block.start and block.end <= c.end for c in chunks)
            cut = [c for c in chunks if c.start < block.end and c.end > block.start]
            spanned = bool(cut) and min(c.start for c in cut) <= block.start
            covered = inside or (spanned and max(c.end for c in cut) >= block.end)
            assert covered or block.text in trails, (doc_id, block.text[:80])


# Page furniture and headings ------------------------------------------------------------


@pytest.mark.parametrize(
    "furniture",
    [
        re.compile(r"^\d{1,3} \(\d{1,3}\)$", re.M),  # "9 (27)"
        re.compile(r"^\d{1,3}$", re.M),  # a bare page number
        re.compile(r"^(Titel|Dokumentidentitet|Version|Giltig t\.o\.m\.|Sida)$", re.M),
        re.compile(r"RIK-33008|Giltig t\.o\.m\.|2021-07-01 Dnr"),
    ],
)
def test_no_passage_contains_page_furniture(corpus: Corpus, furniture: re.Pattern[str]) -> None:
    for doc_id, (_, _, _, chunks) in corpus.items():
        for chunk in chunks:
            assert not furniture.search(chunk.text), (doc_id, chunk.id)


def test_two_sections_with_the_same_number_stay_apart(corpus: Corpus) -> None:
    chunks = chunks_of(corpus, "dalarna-missbruk-beroende")
    municipal = [c for c in chunks if "3.3 Kommunernas ansvar" in c.trail]
    regional = [c for c in chunks if "3.3 Regionens ansvar" in c.trail]
    assert municipal and regional
    assert not {c.id for c in municipal} & {c.id for c in regional}
    assert any("information och rådgivning" in c.text for c in municipal)
    assert any("abstinensbehandling i öppen- och slutenvård" in c.text for c in regional)
    assert not any("abstinensbehandling" in c.text for c in municipal)
    for chunk in municipal + regional:
        assert not ("3.3 Kommunernas ansvar" in chunk.text and "3.3 Regionens ansvar" in chunk.text)


def test_a_heading_the_trail_cannot_hold_opens_the_next_passage(corpus: Corpus) -> None:
    """Värmland's "Plan för uppföljning" › "Mätpunkter" › "Framgångsfaktorer": three titles
    in a row, more than the trail of unnumbered titles keeps."""
    chunks = chunks_of(corpus, "varmland-psykisk-funktionsnedsattning-beroende")
    holding = [c for c in chunks if "Plan för uppföljning" in c.indexed_text]
    assert holding and "Antal verksamheter" in holding[0].text


# Lists keep who is responsible -----------------------------------------------------------


def test_regionens_ansvar_travels_with_every_item_in_varmland(
    corpus: Corpus, settings: Settings
) -> None:
    doc = corpus["varmland-psykisk-funktionsnedsattning-beroende"][2]
    small = load_settings({}, chunk_size=200, chunk_overlap=0)  # cut the list into pieces
    for chunks in (chunk_document(doc, settings), chunk_document(doc, small)):
        items = ["LARO-behandling", "abstinensvård", "helhetssyn", "medicinskt förebygga"]
        for item in items:
            holding = [c for c in chunks if item in c.text]
            assert holding, item
            for chunk in holding:
                assert "Regionen ansvarar för:" in chunk.text, (item, chunk.text)


@pytest.mark.parametrize("chunk_size", [1000, 300])
def test_dalarna_missbruk_lists_keep_their_lead_in(corpus: Corpus, chunk_size: int) -> None:
    doc = corpus["dalarna-missbruk-beroende"][2]
    chunks = chunk_document(doc, load_settings({}, chunk_size=chunk_size, chunk_overlap=0))
    for lead_in, first, last in [
        (
            "3.3.1 Insatser som regionen ansvarar för:",
            "Skyldighet att anmäla till socialnämnden",
            "genomföra suicidriskbedömningar",
        ),
        (
            "3.3.1 Insatser som kommunerna ansvarar för:",
            "information och rådgivning",
            "insatser enligt LSS",
        ),
    ]:
        block = next(b for b in doc.blocks if b.kind == "item" and first in b.text)
        end = next(b for b in doc.blocks if b.kind == "item" and last in b.text).end
        cut = [c for c in chunks if c.start < end and c.end > block.start]
        assert len(cut) >= (2 if chunk_size < 1000 else 1)
        for chunk in cut:
            assert lead_in in chunk.text, (lead_in, chunk.text[:120])


def test_lead_in_is_not_repeated_when_the_passage_holds_it(corpus: Corpus) -> None:
    for _, (_, _, _, chunks) in corpus.items():
        for chunk in chunks:
            if chunk.lead_in:
                assert chunk.text == f"{chunk.lead_in}\n[…]\n{chunk.body}"
                assert chunk.lead_in not in chunk.body
            else:
                assert chunk.body == chunk.text and "\n[…]\n" not in chunk.text


# Pages -----------------------------------------------------------------------------------


def test_passage_pages_never_decrease_and_agree_with_the_text(corpus: Corpus) -> None:
    for doc_id, (_, _, doc, chunks) in corpus.items():
        running = [c for c in chunks if not in_footnote(doc, c)]
        seen: list[int] = []
        for chunk in running:
            pages = [p for p in (chunk.page_start, chunk.page_end) if p is not None]
            assert pages == sorted(pages), (doc_id, chunk.id)
            seen.extend(pages)
        assert seen == sorted(seen), doc_id


@pytest.mark.parametrize(
    ("doc_id", "sentence", "page"),
    [
        ("dalarna-psykisk-funktionsnedsattning", "kravet är att överenskommelsen ska utformas", 10),
        ("dalarna-psykisk-funktionsnedsattning", "Brukarorganisationernas erfarenheter", 10),
        ("dalarna-missbruk-beroende", "Dalarnas femton kommuner har alla skilda", 35),
        ("varmland-psykisk-funktionsnedsattning-beroende", "När det gäller barn och unga", 10),
        ("vastmanland-psykisk-ohalsa-vuxna", "Överenskommelsen har tre mål", 8),
    ],
)
def test_passages_next_to_a_marker_carry_its_page(
    corpus: Corpus, doc_id: str, sentence: str, page: int
) -> None:
    holding = [c for c in chunks_of(corpus, doc_id) if sentence in flat(c.text)]
    assert holding
    assert page in (holding[0].page_start, holding[0].page_end)


# Size and identity -----------------------------------------------------------------------


def test_a_short_passage_is_a_whole_section(corpus: Corpus) -> None:
    """A piece shorter than MIN_PASSAGE (a heading alone) joins its neighbour, so a short
    passage only remains where its whole section is that short."""
    for doc_id, (_, _, doc, chunks) in corpus.items():
        runs = [(c.trail, in_footnote(doc, c)) for c in chunks]
        for i, chunk in enumerate(chunks):
            if len(chunk.text) < MIN_PASSAGE:
                beside = runs[max(i - 1, 0) : i] + runs[i + 1 : i + 2]
                assert runs[i] not in beside, (doc_id, chunk.text)


def test_ids_are_unique_and_stable(corpus: Corpus, settings: Settings) -> None:
    docs = [doc for _, _, doc, _ in corpus.values()]
    first = chunk_documents(docs, settings)
    again = chunk_documents(docs, settings)
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)
    for chunk in first:
        doc = next(d for d in docs if d.id == chunk.document_id)
        assert doc.text[chunk.start : chunk.end] in chunk.text
