"""Coordination: a sentence cut into clauses where a conjunction starts a second predicate
or a second subject with its verb; a dash or semicolon always ends a clause.
"""

from __future__ import annotations

import re

from assistant.index.statements.clause import _clause
from assistant.index.statements.grammar import (
    _DETERMINERS,
    _PERSONAL_PRONOUNS,
    _SUBORDINATORS,
    _is_finite,
    _is_infinitive,
)
from assistant.index.statements.predicates import _predicate
from assistant.index.statements.reading import _read_clause
from assistant.index.statements.sentences import _masked

# Where a sentence may go on with a second predicate: ", och har …", " och har därutöver
# …", ", men …", " samt …", ", de behöver också …"; a dash or semicolon always ends one.
_JOINS = re.compile(r",?\s+(?:och|men|samt)\s+(?:även\s+|också\s+)?|,\s+(?=[a-zåäö])")


_HARD_JOINS = re.compile(r"\s+[–—]\s+|;\s+")


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """Clauses of one sentence: (start, end, subject left out). A sentence is cut where a
    conjunction is followed by a second duty predicate ("… och har därutöver ett särskilt
    ansvar"), by "samt att" and an infinitive, or by a new subject and its verb after a
    complete clause ("… (ÖPT) och den rättspsykiatriska öppenvården samordnar …")."""
    whole = _clause(text, start, end)
    asides = _masked(text, start, end)
    cuts: list[tuple[int, int, bool]] = [
        (m.start(), m.end(), False) for m in _HARD_JOINS.finditer(text, start, end)
    ]
    for join in _JOINS.finditer(text, start, end):
        if any(m.start < join.end() and join.start() < m.end for m in whole.mentions):
            continue  # "hälso- och sjukvård": the "och" of an actor's name
        if any(a <= join.start() < b for a, b in asides):
            continue  # inside an aside in parentheses
        rest = _clause(text, join.end(), end)
        if len(rest.toks) < 3:
            continue
        joined = text[join.start() : join.end()]
        if "samt" in joined and rest.toks[0].low == "att" and _is_infinitive(rest.toks[1].low):
            if _read_clause(_clause(text, start, join.start())):
                cuts.append((join.start(), join.end(), True))
            continue
        kind = _predicate(rest, 0)
        if kind in ("modal", "holder", "verb", "adjective", "lacks") and rest.toks[0].low != "att":
            cuts.append((join.start(), join.end(), True))
            continue
        if not _has_predicate(text, start, join.start()):
            continue
        if rest.toks[0].low in _PERSONAL_PRONOUNS and _predicate(rest, 1):
            cuts.append((join.start(), join.end(), False))
            continue
        k = 0
        while (
            k < len(rest.toks)
            and k not in rest.in_mention
            and rest.toks[k].low in (_DETERMINERS | {"även", "också"})
        ):
            k += 1
        if k >= len(rest.toks) or k not in rest.in_mention:
            continue
        j = k
        while j < len(rest.toks) and (
            j in rest.in_mention or rest.toks[j].low in ("och", "samt", "eller")
        ):
            j += 1
        if j < len(rest.toks) and _predicate(rest, j) is not None:
            cuts.append((join.start(), join.end(), False))
    clauses: list[tuple[int, int, bool]] = []
    at, elided = start, False
    for cut_start, cut_end, cut_elided in sorted(cuts):
        if cut_start <= at:
            continue
        clauses.append((at, cut_start, elided))
        at, elided = cut_end, cut_elided
    clauses.append((at, end, elided))
    return clauses


def _has_predicate(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] holds a finite verb after its last subordinating word."""
    c = _clause(text, start, end)
    last = max((k for k, t in enumerate(c.toks) if t.low in _SUBORDINATORS), default=-1)
    return any(
        _is_finite(t.low) for k, t in enumerate(c.toks) if k > last and k not in c.in_mention
    )
