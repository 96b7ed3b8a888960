"""Extractive answers: the sentences that answer, who is responsible, when to decline.

No language model is needed: the answer is made of the agreements' own sentences
(`sentences`), each followed by the `[n]` of the passage it comes from, and names the party
those sentences give the matter to (`parties`). Without a region in the question, sentences
from different regions are never blended: the answer is given per region, with a warning.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from urllib.parse import quote as url_quote

from assistant.answer.language import FOREIGN_REPLY, in_another_language
from assistant.answer.matching import QuestionTerms, question_terms
from assistant.answer.parties import (
    RESPONSIBILITY_QUESTION,
    asks_who,
    offers_choice,
    party_asked_of,
)
from assistant.answer.scoring import (
    Reading,
    Scored,
    rank_sentences,
    read_passages,
    support_score,
)
from assistant.answer.sentences import plain
from assistant.answer.statement_answers import (
    Matched,
    choose,
    match_statements,
    party_of_statements,
    quote_in,
    sentence_of,
)
from assistant.answer.unheld import decline_text, unheld_fact
from assistant.answer.validity import validity_warnings
from assistant.answer.weights import WEIGHTS, Weights
from assistant.models import (
    Answer,
    Citation,
    DocumentMeta,
    Hit,
    RegionQuery,
    Responsibility,
    Responsible,
    Statement,
)
from assistant.search.retrieval import Retrieval

NATIONAL = "nationell vägledning"


def _cite(hit: Hit, n: int, quote: str, meta: DocumentMeta) -> Citation:
    chunk = hit.chunk
    return Citation(
        n=n,
        document_id=chunk.document_id,
        title=meta.title,
        short_title=meta.short_name,
        region=meta.region,
        section=chunk.section,
        page=chunk.page_start,
        text=chunk.text,
        quote=quote,
        score=round(float(hit.fused), 4),
        url=passage_url(chunk.document_id, chunk.id, quote),
        chunk_id=chunk.id,
    )


def passage_url(document_id: str, chunk_id: str, quote: str) -> str:
    """Self-contained link: the passage view marks the quote without stored state."""
    return (
        f"/dokument/{document_id}/{chunk_id}"
        + (f"?citat={url_quote(quote, safe='')}" if quote else "")
        + "#stycke"
    )


def _region_label(meta: DocumentMeta) -> str:
    return meta.region or NATIONAL


def compose(
    retrieval: Retrieval,
    catalog: Mapping[str, DocumentMeta],
    idf: Mapping[str, float],
    *,
    today: date,
    min_support: float,
    chunk_statements: Mapping[str, Sequence[Statement]] | None = None,
    weights: Weights = WEIGHTS,
    read: Mapping[str, tuple[Reading, ...]] | None = None,
    terms: QuestionTerms | None = None,
) -> tuple[Answer, float | None]:
    """The extractive answer for a retrieval, answered per region or declined, and its
    support score (None: declined whatever the threshold, nothing to answer from).

    `chunk_statements` (chunk id → the statements in it): a question of who does what is
    answered from the statements that match it, where one answers as well as a sentence.
    `read`, `terms`: the hits' sentences and the question's terms as the pipeline already
    read them (see `scoring.read_passages`); computed here when not given.
    """
    question = retrieval.question  # typos corrected: what is read
    shown = retrieval.query.shown  # as typed: what the answer echoes
    answer_id = uuid.uuid4().hex
    place = retrieval.place
    covered = sorted({m.region for m in catalog.values() if m.region})
    if place.uncovered:
        text = (
            f"Det finns ingen samverkansöverenskommelse för {place.uncovered} i underlaget. "
            f"Tjänsten täcker {', '.join(covered)} samt nationell vägledning från SKR. "
            "Kontakta din egen region eller kommun för deras överenskommelse."
        )
        return Answer(answer_id, shown, "no_support", text, None, None, ()), None
    if in_another_language(question):
        return Answer(answer_id, shown, "no_support", FOREIGN_REPLY, None, place.region, ()), None
    unheld = unheld_fact(question)
    if unheld is not None:  # no nearest sentence: none can hold such a fact
        return Answer(answer_id, shown, "no_support", decline_text(unheld), None,
                      place.region, ()), None

    # Place names have done their work as a filter; they say nothing about the answer.
    stripped = retrieval.query.stripped
    q = terms or question_terms(stripped, idf, weights)
    if read is None:
        read = read_passages(stripped, retrieval.hits, idf, about=question, weights=weights,
                             terms=q)
    scored = rank_sentences(retrieval.hits, read, weights)
    best_by_passage: dict[int, Scored] = {}
    for s in scored:
        best_by_passage.setdefault(s.n, s)
    citations = tuple(
        _cite(hit, n, best_by_passage[n].sentence.text if n in best_by_passage else "",
              catalog[hit.chunk.document_id])
        for n, hit in enumerate(retrieval.hits, start=1)
    )
    top = scored[0] if scored else None
    top_dense = max((h.dense for h in retrieval.hits), default=0.0)
    support = (
        None if top is None
        else support_score(top.coverage, top_dense, weights, q.unknown)
    )
    if top is None or support is None or support < min_support:
        missing = _listed([_as_written(w, question) for w in q.unknown_words])
        text = (
            f"Överenskommelserna säger inget om {missing}."
            if missing else "Jag hittar inget i överenskommelserna som besvarar frågan."
        )
        if retrieval.hits:
            text += (
                " Nedan visas de avsnitt som ligger närmast, så att du kan läsa själv; "
                "de besvarar inte frågan."
            )
        answer = Answer(answer_id, shown, "no_support", text, None, place.region, citations)
        return answer, support

    responsibility = bool(RESPONSIBILITY_QUESTION.search(question))
    choice = offers_choice(question)
    by_region: dict[str, list[Scored]] = {}
    for s in scored:
        if (s.score >= weights.pool_score * top.score
                and s.coverage >= weights.pool_coverage * top.coverage):
            by_region.setdefault(_region_label(catalog[s.hit.chunk.document_id]), []).append(s)
    regions = answering_regions(by_region, [r for r in by_region if r != NATIONAL], weights)
    warnings: list[str] = []
    if place.region or len(regions) <= 1:
        pool = by_region.get(regions[0] if regions else NATIONAL, [top]) or [top]
        answered = [(regions[0] if regions and not place.region else None, pool)]
        if regions and not place.region and len(covered) > 1:
            warnings.append(
                f"Frågan nämner ingen region. Svaret bygger på överenskommelsen för "
                f"{regions[0]}; i andra regioner kan ansvaret vara fördelat på annat sätt. "
                "Ange region (eller en kommun) för ett svar som gäller just er."
            )
    else:
        ordered = sorted(regions, key=lambda r: -by_region[r][0].score)
        answered = [(region, by_region[region]) for region in ordered]
    picks = {
        label: _pick(pool, responsibility, choice, weights, read) for label, pool in answered
    }
    party = {
        label: _combined([c.party for c in picked])
        for label, picked in picks.items()
    }
    from_statements: dict[str | None, list[Matched]] = {}
    if responsibility and chunk_statements:
        asked_of = party_asked_of(question)
        for label, pool in answered:
            own = _region_label(catalog[pool[0].hit.chunk.document_id])
            hits = [
                (n, h) for n, h in enumerate(retrieval.hits, start=1)
                if _region_label(catalog[h.chunk.document_id]) == own
            ]
            matched = match_statements(q, hits, chunk_statements, idf, asked_of, weights)
            best = picks[label][0]
            anchor = (best.n, best.sentence.text)
            answering = choose(matched, pool[0].coverage, choice, asked_of, anchor, weights)
            if answering:
                from_statements[label] = answering
                party[label] = party_of_statements(answering)
    # Asked who does it, a region whose text names nobody does not gainsay the regions that
    # name a party; the answer says so for it and shows its nearest sentence, but the
    # party it gives is only that of the regions that name one. Nor does a region answered
    # only by a sentence gainsay regions whose statements state the duty: a sentence that
    # merely shares the question's words names a party far less reliably than a statement.
    silent: list[str | None] = []
    if asks_who(question) and len(picks) > 1 and any(party.values()):
        stating = [label for label in from_statements if party[label]]
        silent = [
            label for label in picks
            if party[label] is None or (stating and label not in from_statements)
        ]
    named = [label for label in picks if label not in silent]
    parts: list[str] = []
    quotes: dict[int, str] = {}  # passage number → the sentence the answer uses from it
    from_lists: list[Matched] = []  # list items answered as their statements
    for label in picks:
        if label in from_statements:
            for n in dict.fromkeys(m.n for m in from_statements[label]):
                passage = retrieval.hits[n - 1].chunk.text
                quoted = quote_in(
                    passage, [m for m in from_statements[label] if m.n == n], weights.quote_reach
                )
                quotes[n] = quoted or quotes.get(n) or passage
            for i, m in enumerate(from_statements[label]):
                parts.append(_where(label) + sentence_of(m) if i == 0 and label else sentence_of(m))
            continue
        for i, chosen in enumerate(picks[label]):
            quotes[chosen.n] = _quote(chosen, quotes.get(chosen.n))
            listed = _listed_statement(chosen, chunk_statements) if label not in silent else None
            if listed is not None:
                # A list item read with its lead-in is shown as the statement made of it (a
                # whole sentence, with its party), not as the fragment the text holds.
                item = Matched(listed, chosen.hit, chosen.n, chosen.coverage, chosen.score,
                               frozenset())
                from_lists.append(item)
                parts.append(_where(label) + sentence_of(item) if i == 0 and label
                             else sentence_of(item))
                continue
            if label in silent:  # one sentence, which states no duty the question asks of
                parts.append(
                    f"I {label}: De avsnitt jag hittar säger inte tydligt vem som ansvarar; "
                    "närmast är: " + _sentence_with_marker(chosen, None)
                )
                break
            else:
                parts.append(_sentence_with_marker(chosen, label if i == 0 else None))
    # The party is one the regions that name one agree on; it is never claimed for a region
    # whose text names another.
    stated = {party[label] for label in named}
    if len(answered) > 1:
        # Several regions answer, each in its own words; they differ only where the parties
        # they give do (or where one names none).
        warnings.insert(0, (
            f"Svaret gäller flera regioner: {_listed([str(r) for r in named])} ger samma "
            "ansvar, med egna ord."
            if len(stated) == 1 and None not in stated and not silent
            else "Svaret skiljer sig mellan regioner."
        ) + " Ange region (eller en kommun) i frågan för ett svar som gäller just er.")
    responsible: Responsible | None = (
        stated.pop() if responsibility and len(stated) == 1 else None
    )
    # Only the national guidance speaks, though the question is about the agreements: the
    # answer says so. Asked about one region, the guidance is not that region's rule, so it
    # gives no party; asked in general, what it says of the law is the answer's party.
    guidance_only = not regions and any(
        catalog[d].region for d in retrieval.searched_documents if d in catalog
    ) and all(catalog[s.hit.chunk.document_id].region is None for p in picks.values() for s in p)
    if guidance_only:
        silent_text = (
            f"överenskommelsen för {place.region} säger inget om detta."
            if place.region else "ingen av regionernas överenskommelser säger något om detta."
        )
        parts = [
            "Den nationella vägledningen från SKR säger: "
            + " ".join(p.removeprefix(_where(NATIONAL)) for p in parts),
            f"Den är inte bindande; {silent_text}",
        ]
        responsible = None if place.region else responsible
    text, citations, renumbered = _cited_first(" ".join(parts), citations, quotes)
    responsibilities = tuple(
        Responsibility(
            party=m.statement.party,
            actor=m.statement.actor,
            duty=m.statement.duty,
            conditions=m.statement.conditions,
            polarity=m.statement.polarity,
            region=catalog[m.statement.document_id].region,
            n=renumbered[m.n],
            statement_id=m.statement.id,
        )
        for m in [*(m for label in picks if label in from_statements
                    for m in from_statements[label]), *from_lists]
    )
    cited_docs = {c.document_id for c in citations if c.n <= len(quotes)}
    warnings.extend(validity_warnings((catalog[d] for d in sorted(cited_docs)), today))
    answer = Answer(
        id=answer_id,
        question=shown,
        status="answered",
        text=text,
        responsible=responsible,
        region=place.region or (named[0] if len(named) == 1 and named[0] in regions else None),
        citations=citations,
        warnings=tuple(warnings),
        responsibilities=responsibilities,
        # Every region the answer speaks of, the ones whose text is silent on it included.
        regions=(place.region,) if place.region else tuple(r for r in picks if r in regions),
    )
    return answer, support


def with_place_note(answer: Answer, place: RegionQuery) -> Answer:
    """The answer with a note first among its warnings when the question named a place
    other than the region the request gave (a remembered setting), which it is answered for."""
    if not place.instead_of:
        return answer
    named = place.region or place.uncovered
    note = (
        f"Frågan nämner {named}, så svaret gäller {named} och inte {place.instead_of}, "
        "som är vald i inställningarna."
    )
    return replace(answer, warnings=(note, *answer.warnings))


def _quote(chosen: Scored, quoted: str | None) -> str:
    """A passage's quote: the sentence used, or the span up to it when it follows the one
    already quoted ("Regionen ansvarar för … Kommunerna ansvarar för resterande …")."""
    if quoted is None:
        return chosen.sentence.text
    if chosen.sentence.previous is None or not quoted.endswith(chosen.sentence.previous):
        return quoted
    passage = chosen.hit.chunk.text
    start = passage.find(quoted)
    end = passage.find(chosen.sentence.text, start + len(quoted))
    return passage[start : end + len(chosen.sentence.text)] if start >= 0 and end >= 0 else quoted


def _cited_first(
    text: str, citations: tuple[Citation, ...], quotes: Mapping[int, str]
) -> tuple[str, tuple[Citation, ...], dict[int, int]]:
    """Renumber so the passages the answer uses come first, in the order the answer uses them.

    The rest follow in retrieval order; a used passage's quote is the sentence used. Also
    gives the new number of each old one.
    """
    used = list(dict.fromkeys(int(m) for m in re.findall(r"\[(\d+)\]", text)))
    order = used + [c.n for c in citations if c.n not in used]
    new_n = {old: new for new, old in enumerate(order, start=1)}
    by_n = {c.n: c for c in citations}
    renumbered = tuple(_requoted(by_n[old], new_n[old], quotes.get(old)) for old in order)
    text = re.sub(r"\[(\d+)\]", lambda m: f"[{new_n[int(m.group(1))]}]", text)
    return text, renumbered, new_n


def _requoted(citation: Citation, n: int, quote: str | None) -> Citation:
    """The citation renumbered, quoting what the answer uses (its link marks that too)."""
    if quote is None or quote == citation.quote:
        return replace(citation, n=n)
    return replace(
        citation, n=n, quote=quote,
        url=passage_url(citation.document_id, citation.chunk_id, quote),
    )


def _pick(
    candidates: list[Scored],
    responsibility: bool,
    choice: bool,
    weights: Weights,
    read: Mapping[str, tuple[Reading, ...]],
) -> list[Scored]:
    """The best sentence; for a question of responsibility, also the best one naming a party.

    When the best-matching sentence does not say who is responsible, a nearly as good
    sentence that does is added, so the answer states the party with its own citation.
    When that sentence spells out a duty the sentence before it states ("Hälso- och
    sjukvården ansvarar för …"), the two are read together. When the question offers a
    choice ("soc eller vården?") and an equally good sentence gives the matter to the other
    party, both are shown: the text gives it to both. Asked without a choice, the same holds
    for the sentence right before or after the best one in the same passage: two adjacent,
    equally good sentences naming different parties divide the matter between them.
    """
    best = candidates[0]
    party = best.party if responsibility else None
    if not responsibility:
        return [best]
    if party and not choice:
        # "Regionen ansvarar för hjälpmedel till barn och unga … Kommunerna ansvarar för
        # resterande hjälpmedel till vuxna.": the sentence next to the best one gives the
        # same matter, as well matched, to the other party. The text divides the matter
        # between the two; both sentences are shown, in the text's order.
        for other in candidates[1:6]:
            if other.score < weights.tie * best.score:
                break
            if other.n != best.n:
                continue
            if other.sentence.previous == best.sentence.text:
                pair = [best, other]
            elif best.sentence.previous == other.sentence.text:
                pair = [other, best]
            else:
                continue
            found = other.party
            if found and found != party:
                return pair
        return [best]
    if party is None and best.sentence.previous:
        # "Hälso- och sjukvården ansvarar för medicinska insatser. Individer … kan behöva
        # LARO, sprututbyte …": the sentence before states the duty this one spells out.
        before = next(
            (r for r in read[best.hit.chunk.id] if r.sentence.text == best.sentence.previous),
            None,
        )
        if before and _STATES_DUTY.search(before.sentence.text) and before.party:
            return [replace(best, sentence=before.sentence, party=before.party), best]
    for other in candidates[1:6]:
        if other.score < (weights.tie if party else weights.other_party) * best.score:
            break
        found = other.party
        if found and found != party:
            return [best, other]
    return [best]


def answering_regions(
    by_region: Mapping[str, list[Scored]], regions: list[str], weights: Weights = WEIGHTS
) -> list[str]:
    """The regions whose own text answers the question, not just comes near it.

    A region whose best sentence answers far less well than the best region's is a near
    miss ("Ansvarar för att ansöka om tvångsvård …" for a question on suicide risk);
    showing it as that region's answer would mislead. Merit leaves out the passage's
    retrieval rank, which says how well the passage matched, not whether the sentence
    answers. The answer's warning says that other regions may divide the matter otherwise.
    """
    if not regions:
        return regions
    merit = {r: max(s.merit for s in by_region[r]) for r in regions}
    cover = {r: max(s.coverage for s in by_region[r]) for r in regions}
    top_merit, top_cover = max(merit.values()), max(cover.values())
    return [
        r for r in regions
        if merit[r] == top_merit
        or (
            merit[r] >= weights.other_region_merit * top_merit
            and cover[r] >= weights.other_region_coverage * top_cover
        )
    ]


# "Hälso- och sjukvården ansvarar för …": a sentence that states whose a duty is.
_STATES_DUTY = re.compile(r"\bansvar(?:ar|et)? för\b", re.IGNORECASE)


def _combined(parties: list[Responsible | None]) -> Responsible | None:
    """The party of one region's answer: the one named, or both when both are named.

    Sentences that name no party do not outvote those that do.
    """
    named = {p for p in parties if p}
    if len(named) > 1:
        return "gemensamt"
    return named.pop() if named else None


def _listed_statement(
    chosen: Scored, chunk_statements: Mapping[str, Sequence[Statement]] | None
) -> Statement | None:
    """The statement read from the list item the sentence is (its lead-in and the item,
    both in the sentence, the item at its end), when one duty is read from it."""
    text = " ".join(plain(chosen.sentence).split()).rstrip(".")
    found = {
        st.duty: st
        for st in (chunk_statements or {}).get(chosen.hit.chunk.id, ())
        if len(st.quotes) > 1
        and all(" ".join(q.split()) in text for q in st.quotes)
        and text.endswith(" ".join(st.quotes[-1].split()).rstrip("."))
    }
    return next(iter(found.values())) if len(found) == 1 else None


def _sentence_with_marker(s: Scored, region: str | None) -> str:
    text = plain(s.sentence).rstrip()
    text = text if text.endswith((".", "!", "?", ":")) else text + "."
    if text.endswith((".", "!", "?")):
        marked = f"{text[:-1]} [{s.n}]{text[-1]}"
    else:
        marked = f"{text} [{s.n}]"
    return marked if region is None else _where(region) + marked


def _as_written(word: str, question: str) -> str:
    """The word as the question writes it ("Transportstyrelsen", not "transportstyrelsen")."""
    found = re.search(rf"\b{re.escape(word)}\b", question, re.IGNORECASE)
    return found.group(0) if found else word


def _listed(words: Sequence[str]) -> str:
    """"a", "a och b", "a, b och c" (at most three words)."""
    shown = list(words[:3])
    return " och ".join([", ".join(shown[:-1]), shown[-1]] if len(shown) > 1 else shown)


def _where(region: str) -> str:
    """The opening that says whose agreement a part of the answer comes from."""
    return "I nationell vägledning (SKR): " if region == NATIONAL else f"I {region}: "
