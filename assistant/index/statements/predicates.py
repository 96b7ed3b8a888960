"""Predicates: which kind of duty a verb gives (modal, holder of a duty noun, duty
adjective, "ansvarar för", a task verb, "saknar … skyldighet") and whether it is denied.
"""

from __future__ import annotations

from assistant import morphology
from assistant.index.statements.clause import _Clause
from assistant.index.statements.grammar import (
    _DUTY_ADJECTIVES,
    _DUTY_MODALS,
    _DUTY_NOUN,
    _INVERSION_ADVERBS,
    _NEGATIONS,
    _SOFT_MODALS,
    _STATE_VERBS,
    _SUBORDINATORS,
    _TASK_PARTICLES,
    _is_finite,
    _is_infinitive,
    _is_passive,
)


def _predicate(c: _Clause, i: int) -> str | None:
    """What kind of predicate starts at toks[i]: modal, holder, adjective, verb, task, lacks."""
    toks = c.toks
    w = toks[i].low
    nxt = [t.low for k, t in enumerate(toks[i + 1 : i + 16], start=i + 1) if k not in c.in_mention]
    if w in _DUTY_MODALS:
        verb = next((x for x in nxt[:3] if x not in _INVERSION_ADVERBS | _NEGATIONS), "")
        if verb in ("vara", "bli") and not any(a in _DUTY_ADJECTIVES for a in nxt[:5]):
            return None  # "Den enskilde ska vara helt bostadslös": a state, not a duty
        if _is_passive(verb):
            return None  # "Närstående ska ges möjlighet": the subject is not the doer
        return "modal"
    if w == "behöver" and nxt and (_is_infinitive(nxt[0]) or nxt[0] in _INVERSION_ADVERBS):
        return "modal"
    if w in ("kan", "får"):
        # "kan … vara skyldig", "kan således ansvara för": a hedged duty; "får inte": a ban.
        if w == "får" and nxt[:1] == ["inte"]:
            return "modal"
        window = nxt[:5]
        if "ansvara" in window or ("vara" in window and any(a in _DUTY_ADJECTIVES for a in window)):
            return "modal"
        return None
    if w in ("har", "hade"):
        for k, word in enumerate(nxt[:8]):
            if word in _SUBORDINATORS and word != "att":
                return None
            if _DUTY_NOUN.match(word) and not word.startswith(("ansvarsför", "uppgiftsfö")):
                return "holder"
            if word == "roll" and "att" in nxt[k + 1 : k + 4]:
                return "holder"
            if _is_finite(word) or word in ("som",):
                return None
        return None
    if w in ("är", "blir"):
        window = nxt[:4]
        if any(a in _DUTY_ADJECTIVES for a in window):
            return "adjective"
        if "aktörer" in window:
            return "adjective"
        return None
    if w == "saknar" and any(_DUTY_NOUN.match(x) for x in nxt[:3]):
        return "lacks"
    if w in ("ansvarar", "svarar", "ansvara"):
        return "verb"
    # "Regionen ansvar för att …": the noun written for the verb, right after its actor.
    if (
        w == "ansvar"
        and nxt[:1] == ["för"]
        and i > 0
        and i - 1 in c.in_mention
        and not toks[i - 1].low.endswith("s")
    ):
        return "verb"
    if w in _TASK_PARTICLES and nxt and nxt[0] in _TASK_PARTICLES[w]:
        return "task"
    if w in _STATE_VERBS or w in _SOFT_MODALS:
        return None
    if morphology.is_present_tense(w):
        return "task"
    return None


def _negated(c: _Clause, i: int, kind: str, boundary: int) -> bool:
    """Whether the predicate at toks[i] is denied ("ansvarar inte för", "inget krav på att
    organisationerna ska …"); a prohibition ("får inte") is a duty."""
    if kind == "lacks":
        return True
    toks = c.toks
    if toks[i].low == "får":
        return False
    for t in toks[i + 1 : i + 7]:
        if t.low in _SUBORDINATORS or t.low in ("som", "men"):
            break
        if t.low in _NEGATIONS:
            return True
    # "inget krav på att X ska …", "ingen skyldighet att …": the duty itself is denied.
    if boundary > 0 and toks[boundary - 1].low == "att":
        before = [t.low for t in toks[max(0, boundary - 5) : boundary - 1]]
        if any(w in _NEGATIONS for w in before) and any(
            _DUTY_NOUN.match(w) or w == "krav" for w in before
        ):
            return True
    return False
