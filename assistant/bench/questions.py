"""The questions a benchmark asks: the eval questions once each, their unique variants for
load tests, and the long questions of the heavy-load run (issue 16).

Each question is asked once with an empty query cache (a repeated question would be
answered from the cache and flatter the figures); cache hits are measured separately.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence

from assistant.bench.plan import HEAVY_CHARS
from assistant.settings import Settings

WARM_UP = "Uppvärmning inför mätningen: vem gör vad enligt överenskommelsen?"
# Question openings and endings staff really use; they make each load-test request unique
# (so that none is answered from the query cache) without changing what is asked.
OPENINGS = ("", "Hej! ", "Fråga: ", "Kan du svara på detta? ", "Jag undrar: ", "Snälla, ")
ENDINGS = ("", " Tack!", " Tack på förhand.", " (brådskande)")


def load_questions(settings: Settings) -> list[str]:
    """The eval questions, each once, in file order."""
    path = settings.evals_dir / "cases.jsonl"
    seen: dict[str, None] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                question = str(json.loads(line).get("question", "")).strip()
                if question and question != WARM_UP:
                    seen[question] = None
    return list(seen)


def question_variants(questions: Sequence[str]) -> Iterator[str]:
    """Every question with each opening and ending, all distinct: first as written, then
    with the first opening, and so on."""
    seen: set[str] = set()
    for opening in OPENINGS:
        for ending in ENDINGS:
            for question in questions:
                body = question[:1].lower() + question[1:] if opening else question
                text = f"{opening}{body}{ending}"
                if text not in seen:
                    seen.add(text)
                    yield text


def spread(items: Sequence[str], n: int) -> list[str]:
    """`n` of `items`, evenly spread over them (repeating some when there are fewer)."""
    return [items[(i * len(items)) // n] for i in range(n)] if items else []


# Sentences of the case descriptions frontline staff paste in whole, from which the long
# real Swedish questions of the heavy-load run are put together (each one different).
CASE_SENTENCES = (
    "Jag arbetar som socialsekreterare och har en klient, en man i femtioårsåldern, som sedan "
    "många år har ett omfattande alkoholberoende och nu också en depression.",
    "Han bor ensam i en hyreslägenhet och har tappat kontakten med sin familj.",
    "Under det senaste halvåret har han flera gånger sökt akut till psykiatrin men skrivits ut "
    "efter några timmar.",
    "Hyresvärden har hört av sig om störningar och obetald hyra, och det finns risk för vräkning.",
    "Han säger själv att han vill sluta dricka men att han inte klarar det på egen hand.",
    "Vårdcentralen har skrivit ut antidepressiva läkemedel men han tar dem oregelbundet.",
    "Vi har diskuterat boendestöd och en samordnad individuell plan, men det är oklart vem som "
    "ska ta initiativet.",
    "Min klient är en kvinna i trettioårsåldern med bipolär sjukdom som nyligen blivit "
    "utskriven från slutenvården.",
    "Hon har två barn i förskoleåldern och får i dag inget stöd i hemmet.",
    "Hon använder bensodiazepiner som inte är förskrivna och har tidigare vårdats enligt LVM.",
    "Öppenvårdspsykiatrin vill att kommunen ordnar sysselsättning, men biståndshandläggaren "
    "menar att hennes behov först måste utredas av regionen.",
    "Det finns en orosanmälan gällande barnen och socialtjänstens barn- och familjeenhet är "
    "inkopplad.",
    "En ung man på arton år har ADHD och ett växande cannabisbruk och har slutat gå i skolan.",
    "Föräldrarna är oroliga och har kontaktat både BUP och socialtjänsten utan att få besked.",
    "Han fyller snart nitton och det är oklart om barn- och ungdomspsykiatrin eller "
    "vuxenpsykiatrin ska ta över.",
    "En äldre kvinna med demens och alkoholmissbruk bor i eget boende med hemtjänst.",
    "Hemtjänstpersonalen ser att hon dricker dagligen och ibland ramlar i lägenheten.",
    "Läkaren på vårdcentralen har föreslagit abstinensbehandling, men hon vill inte lämna sitt "
    "hem.",
    "Vi är osäkra på om en placering på HVB-hem är aktuell och vem som i så fall ska betala.",
    "Personen har skrivits ut från rättspsykiatrisk vård och ska flytta till ett boende med "
    "särskild service.",
    "Kommunen har inte fått någon kallelse till en samordnad vårdplanering inför utskrivningen.",
    "Vem ansvarar för abstinensvård och avgiftning när både missbruk och psykisk ohälsa finns?",
    "Vem ska kalla till SIP, och ska kommunen eller regionen ordna boende?",
    "Vem betalar för behandlingen, och hur ska ansvaret delas mellan kommun och region?",
    "Vilken huvudman ansvarar för läkemedelsassisterad behandling och för uppföljningen?",
    "Hur ska vi gå vidare om den enskilde inte vill delta i planeringen?",
)
# Random text of the allowed maximum: letters (Swedish ones too) and spaces.
RANDOM_ALPHABET = "abcdefghijklmnopqrstuvwxyzåäö" + " " * 6


def random_questions(seed: int = 16, chars: int = HEAVY_CHARS) -> Iterator[str]:
    """Endless distinct questions of `chars` random letters and spaces (the probe's load)."""
    rng = random.Random(seed)
    while True:
        text = "".join(rng.choice(RANDOM_ALPHABET) for _ in range(chars)).strip()
        yield "x" + text[1:] if not text[:1].isalpha() else text


def case_descriptions(seed: int = 16, chars: int = HEAVY_CHARS) -> Iterator[str]:
    """Endless distinct long real Swedish questions: case sentences in a random order, up
    to `chars` characters, ending with a question."""
    rng = random.Random(seed)
    asks = [s for s in CASE_SENTENCES if s.endswith("?")]
    told = [s for s in CASE_SENTENCES if not s.endswith("?")]
    seen: set[str] = set()
    while True:
        question = rng.choice(asks)
        parts: list[str] = []
        for sentence in rng.sample(told, len(told)):
            if len(" ".join([*parts, sentence, question])) > chars:
                continue
            parts.append(sentence)
        text = " ".join([*parts, question])
        if text not in seen:
            seen.add(text)
            yield text
