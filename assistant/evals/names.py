"""How the eval reports and charts name things: metrics, kinds and tags, in Swedish."""

from __future__ import annotations

HEADLINE_NAMES = {
    "mrr@10": "MRR@10",
    "ndcg@10": "nDCG@10",
    "answered": "besvarade (av besvarbara)",
    "declined": "avböjda (av obesvarbara)",
    "responsible": "rätt ansvarig part",
    "answer_quotes_evidence": "svarets citat håller evidensen",
    "answer_quotes_evidence_responsibility": "svarets citat håller evidensen (ansvarsfrågor)",
    "clean_answers": "rena svar (inga fragment)",
    "party_invented": "påhittad part (lägre är bättre)",
    "false_declines": "felaktigt avböjda besvarbara (lägre är bättre)",
    "false_answers": "felaktigt besvarade obesvarbara (lägre är bättre)",
    "latency_p50": "svarstid p50",
    "latency_p95": "svarstid p95",
}
# Kinds and tags as the reports name them.
KIND_NAMES = {
    "responsibility": "ansvar",
    "procedure": "tillvägagångssätt",
    "fact": "fakta",
    "definition": "definition",
    "comparison": "jämförelse",
    "unanswerable": "obesvarbar",
}
TAG_NAMES = {
    "near_miss": "nära miss", "no_agreement": "plats utan överenskommelse",
    "off_topic": "utanför ämnet", "injection": "promptinjektion", "english": "engelska",
    "divided": "delat ansvar", "negation": "negation", "annan": "annan aktör",
    "no_place": "ingen plats", "municipality": "kommun i frågan", "region_named": "region i frågan",
    "typo": "stavfel", "no_diacritics": "utan å/ä/ö", "abbreviation": "förkortning",
    "either_or": "kommunen eller regionen?", "long_case": "lång fallbeskrivning",
    "everyday": "vardagsord", "prose": "löptext", "list": "lista", "table": "tabell",
    "guidance": "nationell vägledning",
}


def kind_name(kind: str) -> str:
    """A kind's Swedish name for reports and charts."""
    return KIND_NAMES.get(kind, kind)


def tag_name(tag: str) -> str:
    """A tag's Swedish label, with the tag itself for those who write cases."""
    return f"{TAG_NAMES[tag]} (`{tag}`)" if tag in TAG_NAMES else f"`{tag}`"


def metric_title(name: str) -> str:
    """A metric's Swedish name."""
    return HEADLINE_NAMES.get(name, name)


def short_metric(name: str) -> str:
    """A metric's Swedish name without the "lower is better" note (for chart labels)."""
    return metric_title(name).replace(" (lägre är bättre)", "")
