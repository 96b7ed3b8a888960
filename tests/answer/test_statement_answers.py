"""Answers from statements: agreements read by the real extractor, composed by `compose`.

Each test writes small agreement texts, normalises, chunks and extracts them as an index
build does, and asks `compose` over their passages: the party comes from the statements,
the answer is made of complete sentences, and regions are weighed by what they state.
"""

from __future__ import annotations

from datetime import date

from assistant.answer.compose import compose
from assistant.answer.scoring import idf_table
from assistant.index.chunking import chunk_document
from assistant.index.statements import extract_statements
from assistant.models import Answer, Chunk, DocumentMeta, Hit, RegionQuery, Statement
from assistant.search.query import make_query
from assistant.search.retrieval import Retrieval
from assistant.settings import Settings
from tests.corpus import normalised

TODAY = date(2026, 1, 15)
BACKGROUND = [
    "Överenskommelsen gäller samverkan mellan kommunerna och regionen i länet.",
    "Parterna ansvarar för att följa upp överenskommelsen varje år.",
    "Tvister mellan parterna hanteras i första hand på lokal nivå.",
    "Överenskommelsen ska revideras vart fjärde år.",
]


def read(texts: dict[str, tuple[str, str]]) -> tuple[
    dict[str, DocumentMeta], list[Chunk], dict[str, list[Statement]]
]:
    """Agreements (doc id → (region, text)) as an index build reads them."""
    catalog: dict[str, DocumentMeta] = {}
    chunks: list[Chunk] = []
    by_chunk: dict[str, list[Statement]] = {}
    for doc_id, (region, text) in texts.items():
        doc = normalised(text, doc_id, region)
        catalog[doc_id] = doc.meta
        own = chunk_document(doc, Settings())
        chunks.extend(own)
        for statement in extract_statements(doc, own):
            by_chunk.setdefault(statement.chunk_id or "", []).append(statement)
    return catalog, chunks, by_chunk


def ask(question: str, texts: dict[str, tuple[str, str]], region: str | None = None) -> Answer:
    catalog, chunks, by_chunk = read(texts)
    hits = tuple(
        Hit(chunk=c, dense=0.88 - 0.01 * i, lexical=5.0 - i, fused=1.0 - 0.1 * i, rank=i + 1)
        for i, c in enumerate(chunks)
    )
    idf = idf_table([c.indexed_text for c in chunks] + BACKGROUND)
    place = RegionQuery(region=region, uncovered=None, mentioned=())
    found = Retrieval(make_query(question, place), hits, tuple(catalog))
    answer, _ = compose(
        found, catalog, idf, today=TODAY, min_support=0.3, chunk_statements=by_chunk
    )
    return answer


def test_a_list_item_answers_as_a_complete_sentence_with_its_party() -> None:
    result = ask(
        "Vem ansvarar för abstinensbehandling?",
        {"dalarna": ("Dalarna", "# 3. Ansvar\n\nRegionen ansvarar för:\n\n"
                     "• abstinensbehandling\n• läkemedelsassisterad behandling\n")},
        region="Dalarna",
    )
    assert result.responsible == "region"
    assert result.text.startswith("Regionen ansvarar för abstinensbehandling [1]")
    assert [(r.party, r.actor) for r in result.responsibilities] == [("region", "Regionen")]
    assert "abstinensbehandling" in result.citations[0].quote


def test_a_list_item_read_for_another_kind_of_question_is_its_statement_not_a_fragment() -> None:
    # "Vad gäller …" does not ask who: the answer is the sentence that fits, and when that
    # sentence is a list item read with its lead-in, the statement made of it stands in.
    result = ask(
        "Vad gäller för läkemedelsassisterad behandling?",
        {"dalarna": ("Dalarna", "# 3. Ansvar\n\nInsatser som regionen ansvarar för:\n\n"
                     "• abstinensbehandling\n• läkemedelsassisterad behandling vid "
                     "opiatberoende\n")},
        region="Dalarna",
    )
    assert result.text == (
        "Regionen ansvarar för läkemedelsassisterad behandling vid opiatberoende [1]."
    )
    assert [(r.party, r.n) for r in result.responsibilities] == [("region", 1)]
    assert "opiatberoende" in result.citations[0].quote


def test_a_region_answered_only_by_a_sentence_does_not_gainsay_stating_regions() -> None:
    # Dalarna and Värmland state who gives boendestöd; Västmanland's passage only names
    # socialtjänsten beside the words of the question, stating no duty. Asked without a
    # region, the party is the one the stating regions give (not null for a disagreement),
    # and Västmanland's part says its text does not say it clearly.
    result = ask(
        "Vem ger boendestöd efter utskrivning?",
        {
            "dalarna": ("Dalarna", "# 3. Ansvar\n\nRegionen ansvarar för boendestöd efter "
                        "utskrivning från slutenvården.\n"),
            "varmland": ("Värmland", "# 2. Ansvar\n\nRegionen ansvarar för boendestöd efter "
                         "utskrivning.\n"),
            "vastmanland": ("Västmanland", "# 4. Boende\n\nSocialtjänsten: boendestöd efter "
                            "utskrivning.\n"),
        },
    )
    assert result.responsible == "region"
    assert "I Västmanland: De avsnitt jag hittar säger inte tydligt vem som ansvarar" in (
        result.text
    )
    assert {r.region for r in result.responsibilities} == {"Dalarna", "Värmland"}


def test_a_negative_statement_never_makes_its_actor_the_party() -> None:
    result = ask(
        "Vem ansvarar för boendestöd?",
        {"dalarna": ("Dalarna", "# 3. Ansvar\n\nKommunen ansvarar för boendestöd. Regionen "
                     "ansvarar inte för boendestöd.\n")},
        region="Dalarna",
    )
    assert result.responsible == "kommun"
