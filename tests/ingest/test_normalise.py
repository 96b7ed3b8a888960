"""Normalisation: one small raw text per rule, and the real corpus for pages and furniture."""

from __future__ import annotations

import re

import pytest

from assistant.ingest.catalog import load_catalog, read_text
from assistant.ingest.normalise import line_roles, normalise, page_at
from assistant.models import Block, Document, DocumentMeta
from tests.ingest.documents import CORPUS

TITLE = "Överenskommelse om samverkan kring personer med psykisk ohälsa"


def meta(title: str = TITLE) -> DocumentMeta:
    """A catalog entry for a synthetic text."""
    return DocumentMeta(
        id="prov",
        title=title,
        region="Värmland",
        parties=("Region Värmland", "Värmlands kommuner"),
        target_groups=("psykisk ohälsa",),
        age_scope="vuxna",
        kind="överenskommelse",
        valid_from=None,
        valid_to=None,
        extension=None,
        draft=False,
        source="prov.txt",
    )


def norm(raw: str) -> Document:
    return normalise(meta(), raw)


def spaced(raw: str) -> str:
    """The same text as an extractor that puts a blank line after every line gives it."""
    return "\n\n".join(line for line in raw.split("\n"))


def pages_of(doc: Document, phrase: str) -> tuple[int | None, int | None]:
    at = doc.text.find(phrase)
    assert at >= 0, f"{phrase!r} saknas i den normaliserade texten"
    return page_at(doc, at, at + len(phrase))


def block_with(doc: Document, phrase: str) -> Block:
    found = [b for b in doc.blocks if phrase in b.text]
    assert found, f"{phrase!r} finns inte i något block"
    return found[0]


# Synthetic texts --------------------------------------------------------------------------

# A paragraph whose lines fill the width, one line starting with a capital mid-sentence
# ("Region Värmland"), a list after a lead-in, a second paragraph and a numbered heading.
SINGLE = """1. Ansvar för vården
Kommunerna och regionen ska tillsammans se till att den enskilde får det stöd som behövs, och
Region Värmland ansvarar för den hälso- och sjukvård som ges inom ramen för denna överenskommelse
samt för att samordna insatserna med kommunernas socialtjänst när den enskilde har behov av
insatser från båda huvudmännen.
Regionen ansvarar för:
• abstinensvård i sluten och öppen vård
• läkemedelsassisterad behandling vid opioidberoende
Kommunen ansvarar för boendestöd och för sysselsättning till personer som har behov av det och
för att den enskilde får stöd i vardagen.
2. Uppföljning
Överenskommelsen följs upp vart fjärde år av länets styrgrupp, som också bjuder in brukarnas
organisationer till uppföljningen. Styrgruppen rapporterar till de politiska samverkansorganen
en gång om året."""


def test_double_spaced_text_normalises_like_single_spaced() -> None:
    single, double = norm(SINGLE), norm(spaced(SINGLE))
    assert double.text == single.text
    assert [(b.kind, b.trail, b.lead_in) for b in double.blocks] == [
        (b.kind, b.trail, b.lead_in) for b in single.blocks
    ]
    paragraph = block_with(single, "Region Värmland ansvarar")
    assert paragraph.text.startswith("Kommunerna och regionen") and paragraph.kind == "paragraph"
    assert [b.kind for b in single.blocks] == [
        "heading", "paragraph", "paragraph", "item", "item", "paragraph", "heading", "paragraph",
    ]


def test_hyphen_at_line_end_rejoins_a_word_but_keeps_a_coordinating_hyphen() -> None:
    raw = (
        "Kommunen och regionen erbjuder behandling inom den specialiserade beroende-\n"
        "vården. Alla verksamheter inom hälso-\n"
        "och sjukvården ska kunna kalla till ett SIP-\n"
        "möte, och SIP-processen följs upp. Beroendevården samordnas med kommunen.\n"
    )
    text = norm(raw).text
    assert "beroendevården" in text
    assert "hälso- och sjukvården" in text
    assert "SIP-möte" in text
    assert "hälsooch" not in text and "SIP- möte" not in text


def test_a_compound_hyphen_stays_when_the_whole_word_is_nowhere_else() -> None:
    text = norm("Omställningen kallas i länet Nära vård-\nomställningen av primärvården.\n").text
    assert "Nära vård-omställningen" in text


def test_footnote_moves_out_of_a_sentence_that_goes_on_after_it() -> None:
    raw = (
        "1. Inledning\n"
        "Personer med funktionsnedsättning har rätt till bästa möjliga hälsa.1 Samverkan mellan\n"
        "psykiatri, socialtjänst och andra berörda aktörer måste fungera mer\n"
        "1 FN:s konvention om rättigheter för personer med funktionsnedsättning, Art 25 Hälsa\n"
        "2 Prop. 2016/17:188 Nationellt mål och inriktning för funktionshinderpolitiken.\n"
        " behovsstyrt och sömlöst för den enskilde.2\n"  # the next page begins indented
        "Nästa stycke handlar om något annat.\n"
    )
    doc = norm(raw)
    paragraph = block_with(doc, "Samverkan mellan")
    assert "fungera mer behovsstyrt och sömlöst för den enskilde.2" in paragraph.text
    assert "FN:s" not in paragraph.text
    notes = [b for b in doc.blocks if b.kind == "footnote"]
    assert [n.text[:2] for n in notes] == ["1 ", "2 "]
    assert all(n.start > paragraph.end for n in notes)


def test_numbered_headings_build_the_trail_and_a_repeated_number_starts_a_new_section() -> None:
    raw = (
        "2. Utgångspunkter\n"
        "Överenskommelsen utgår från lagstiftningen.\n"
        "3. Ansvarsfördelning\n"
        "Huvudmännen har olika ansvar.\n"
        "3.1 Komplext område\n"
        "Ansvaret är ofta gemensamt.\n"
        "3.2 Gemensamt ansvar för kommunerna och regionen\n"
        "Kommunerna och regionen har ett gemensamt ansvar.\n"
        "3.3 Kommunernas ansvar\n"
        "Socialtjänsten ska aktivt sörja för den enskilde.\n"
        "3.3.1 Insatser som kommunerna ansvarar för:\n"
        "• information och rådgivning\n"
        "3.3 Regionens ansvar\n"
        "Hälso- och sjukvård ska bedrivas så att den uppfyller kraven på en god vård.\n"
        "3.3.1 Insatser som regionen ansvarar för:\n"
        "• abstinensbehandling i öppen- och slutenvård\n"
    )
    doc = norm(raw)
    assert block_with(doc, "information och").trail == (
        "3. Ansvarsfördelning",
        "3.3 Kommunernas ansvar",
        "3.3.1 Insatser som kommunerna ansvarar för:",
    )
    item = block_with(doc, "abstinensbehandling")
    assert item.trail == (
        "3. Ansvarsfördelning", "3.3 Regionens ansvar", "3.3.1 Insatser som regionen ansvarar för:"
    )
    assert item.lead_in == "3.3.1 Insatser som regionen ansvarar för:"
    assert block_with(doc, "god vård").trail == ("3. Ansvarsfördelning", "3.3 Regionens ansvar")


def test_numbered_list_items_and_numbered_sentences_are_not_headings() -> None:
    raw = (
        "1. Inledning\n"
        "Samordningsgruppen har ett inledande fokus på fyra områden:\n"
        "1. Starkare vårdkedja\n"
        "2. Förstärkt samverkan\n"
        "3. Första linjens primärvård\n"
        "Mål\n"
        "1. Att individer med psykisk ohälsa, skadligt bruk, beroende eller en samsjuklighet får\n"
        "samordnat stöd, vård och behandling utifrån individens behov.\n"
        "2. Att aktörer som omfattas av överenskommelsen samverkar på lokal nivå.\n"
    )
    doc = norm(raw)
    headings = [b.text for b in doc.blocks if b.kind == "heading"]
    assert headings == ["1. Inledning", "Mål"]
    items = [b for b in doc.blocks if b.kind == "item"]
    assert [b.text[:2] for b in items] == ["1.", "2.", "3.", "1.", "2."]
    assert items[0].lead_in == "Samordningsgruppen har ett inledande fokus på fyra områden:"
    assert items[3].text.endswith("utifrån individens behov.")
    assert items[3].trail == ("1. Inledning", "Mål")


def test_list_items_carry_their_lead_in_and_sub_bullets_stay_in_the_list() -> None:
    raw = (
        "Bilaga\n"
        "Socialtjänsten har ansvar för stödet till anhöriga. Regionen ansvarar för:\n"
        "• Att erbjuda medicinsk behandling inklusive\n"
        "o läkemedelsbehandling (till exempel LARO-behandling)\n"
        "o abstinensvård\n"
        "• Att samarbeta med kommunerna för en helhetssyn.\n"
        "Värmlands läns vårdförbunds ansvar\n"
        "Förbundet driver HVB för barn, familjer, ungdomar och vuxna.\n"
    )
    doc = norm(raw)
    items = [b for b in doc.blocks if b.kind == "item"]
    assert [b.level for b in items] == [1, 2, 2, 1]
    assert {b.lead_in for b in items} == {"Regionen ansvarar för:"}
    assert items[2].text == "  – abstinensvård"
    trail = ("Bilaga", "Värmlands läns vårdförbunds ansvar")
    assert block_with(doc, "Förbundet driver").trail == trail


def test_bullets_whose_glyph_was_lost_are_still_items() -> None:
    raw = (
        "De samverkansöverenskommelser som kommuner och regioner ska upprätta rör målgrupperna:\n"
        " personer med psykisk funktionsnedsättning\n"
        " personer som missbrukar alkohol, narkotika, andra beroendeframkallande\n"
        "medel, läkemedel, dopningsmedel eller spel om pengar\n"
        " barn och unga som vårdas utanför det egna hemmet\n"
        "Under hösten 2019 samlades dessa samverkansöverenskommelser in och sammanställdes.\n"
    )
    doc = norm(raw)
    items = [b.text for b in doc.blocks if b.kind == "item"]
    assert items == [
        "• personer med psykisk funktionsnedsättning",
        "• personer som missbrukar alkohol, narkotika, andra beroendeframkallande medel, "
        "läkemedel, dopningsmedel eller spel om pengar",
        "• barn och unga som vårdas utanför det egna hemmet",
    ]
    assert block_with(doc, "Under hösten").kind == "paragraph"


def test_lines_that_only_look_like_titles_are_not_headings() -> None:
    raw = (
        "Definitioner\n"
        "Vissa förkortningar förekommer i texten och finns samlade nedan i en lista.\n"
        "HSL=Hälso- och sjukvårdslag\n"
        "LSS=Lag om stöd och service till vissa funktionshindrade\n"
        "Källa: Jämställ.nu och RFSL\n"
        "Lämpligt:\n"
        "Samverkan med\n"
        "SiS särskilda ungdomshem samt strukturer för hur sådan samverkan lämpligen kan ske.\n"
        "    Riskbruk\n"  # the labels of a figure
        "Alkohol, narkotika, dopning och andra substanser Skadligt bruk\n"
        "    Beroende\n"
        "Bild som visar tre begrepp kring alkohol, narkotika, dopning och andra substanser.\n"
        "Tabellen visar vem som ansvarar för vad.\n"
        "Abstinensvård x  x\n"  # rows of a table with check marks
        "Psykologisk behandling x  x\n"
    )
    doc = norm(raw)
    assert [b.text for b in doc.blocks if b.kind == "heading"] == ["Definitioner"]
    assert block_with(doc, "HSL=").text == "HSL=Hälso- och sjukvårdslag"  # one entry a block
    assert block_with(doc, "LSS=").text.startswith("LSS=")


def test_a_section_whose_heading_ends_in_a_colon_lists_entries_not_subsections() -> None:
    raw = (
        "2.6 Riktlinjer med koppling till målgruppen:\n"
        "Länsövergripande riktlinjer för samverkan i samband med egenvård.\n"
        "2.7 Rutiner för samarbete kring personer med funktionsnedsättning\n"
        "från 18 år:\n"
        "Regionen ansvarar för att klargöra ansvarsområden och skapa samarbetsrutiner.\n"
        "Öppen psykiatrisk tvångsvård och öppen rättspsykiatrisk vård\n"
        "Samverkansdokument mellan BUP och vuxenpsykiatri\n"
        "2.8 Övriga dokument\n"
        "Utgångspunkter för samverkan\n"
        "De nationella vård- och insatsprogrammen ska öka användningen av kunskap.\n"
    )
    doc = norm(raw)
    headings = [b.text for b in doc.blocks if b.kind == "heading"]
    assert headings == [
        "2.6 Riktlinjer med koppling till målgruppen:",
        "2.7 Rutiner för samarbete kring personer med funktionsnedsättning från 18 år:",
        "2.8 Övriga dokument",
        "Utgångspunkter för samverkan",
    ]
    assert block_with(doc, "mellan BUP").trail[-1].startswith("2.7 Rutiner")


def test_a_margin_word_after_the_last_sentence_of_a_block_is_dropped() -> None:
    raw = (
        "1.4 Gemensamma mål\n"
        "• Överenskommelsen ska utgöra en grund för lokala överenskommelser mellan kommunen\n"
        "och regionen. Nytt\n"
        "1.5 Framtagande av överenskommelsen\n"
        "Denna överenskommelse är framtagen i bred samverkan. Arbetet leds av Region Dalarna.\n"
    )
    doc = norm(raw)
    assert block_with(doc, "lokala överenskommelser").text.endswith("kommunen och regionen.")
    assert "Nytt" not in doc.text
    assert "leds av Region Dalarna." in doc.text  # a real last sentence stays


def test_form_feeds_give_exact_pages() -> None:
    raw = (
        "1. Inledning\nKommunen ansvarar för boendestöd i hemmet för personer över 18 år.\n"
        "\f2. Ansvar\nRegionen ansvarar för abstinensvård och läkemedelsassisterad\n"
        "\fbehandling. Den som först får kännedom om behovet kallar till samordnad plan.\n"
    )
    doc = norm(raw)
    assert doc.page_count == 3
    assert pages_of(doc, "boendestöd i hemmet") == (1, 1)
    assert pages_of(doc, "2. Ansvar") == (2, 2)
    assert pages_of(doc, "abstinensvård och läkemedelsassisterad behandling") == (2, 3)
    assert pages_of(doc, "kallar till samordnad plan") == (3, 3)


def footer_page(title_lines: list[str], number: int, total: int) -> list[str]:
    return ["", *title_lines, "", f"{number} ({total})", "", "2021-07-01", "", ""]


def test_a_footer_closes_its_page_and_only_adjacent_sentences_get_a_page() -> None:
    body_before = [
        "Denna första mening står långt ifrån sidfoten och kan ligga på en tidigare sida.",
        "Stycket fortsätter med fler rader om samverkan mellan kommunerna och regionen så att",
        "texten blir lång nog. Den sista meningen på sidan slutar strax ovanför sidfoten.",
    ]
    body_after = [
        "2. Ansvar",
        "Den första meningen på nästa sida börjar direkt efter sidfoten och slutar här.",
        "Nästa mening kan mycket väl stå på en senare sida, så den får ingen sida.",
    ]
    title = ["Överenskommelse om samverkan kring", "personer med psykisk ohälsa"]
    doc = norm("\n".join([*body_before, *footer_page(title, 4, 9), *body_after]))
    for furniture in ("4 (9)", "2021-07-01", "kring personer"):
        assert furniture not in doc.text
    assert pages_of(doc, "Den sista meningen på sidan") == (4, 4)
    assert pages_of(doc, "Denna första mening") == (None, None)
    assert pages_of(doc, "2. Ansvar") == (5, 5)
    assert pages_of(doc, "börjar direkt efter sidfoten och slutar här.") == (5, 5)
    assert pages_of(doc, "Nästa mening kan") == (None, None)


def test_a_bare_number_is_a_page_footer_only_between_two_blocks() -> None:
    footer = norm(
        "Överenskommelsen gäller vuxna i länet.\n \n7\n \nMål och indikatorer\n"
        "Överenskommelsen har tre mål som gäller samverkan på olika nivåer.\n"
    )
    assert "7" not in footer.text
    assert pages_of(footer, "vuxna i länet") == (7, 7)
    assert pages_of(footer, "Mål och indikatorer") == (8, 8)
    for raw in (
        "Antalet kommuner i länet är:\n\n15\n\nDe samverkar med regionen.\n",  # announced
        "Under år\n\n2019\n\nökade antalet samordnade planer.\n",  # inside a sentence
        "Tabellen visar antal.\n\nKommuner\n12\n\nRegioner\n1\n",  # table cells
    ):
        doc = norm(raw)
        assert doc.page_count is None, raw
        assert re.search(r"\b(15|2019|12)\b", doc.text), raw


def test_footnotes_carry_their_page_to_the_sentences_that_refer_to_them() -> None:
    """Notes stand at the foot of the page that refers to them; the text after them opens
    the next page, so the page after a footer is known up to the next block of notes."""
    lines = [
        "Första stycket på sidan fem handlar om lagstiftningen.3 Det fortsätter med en lång",
        "mening om hur kommunerna och regionen ska samverka kring den enskilde i länet.",
        "Ett nytt stycke på samma sida har en egen fotnot.4 Sedan tar sidan slut.",
        "3 Hälso- och sjukvårdslag (2017:30)",
        "4 Socialtjänstlag (2001:453)",
        " Sidan sex börjar här och hänvisar direkt till en fotnot.5 Den fortsätter med mer",
        "text om samverkan.",
    ]
    before = [
        "Ett stycke före sidfoten slutar här.",
        *footer_page(["Överenskommelse om samverkan kring personer med psykisk ohälsa"], 4, 9),
    ]
    doc = norm("\n".join([*before, *lines, "5 Lag (2018:1197) om barnets rättigheter"]))
    assert pages_of(doc, "Första stycket på sidan fem") == (5, 5)
    assert pages_of(doc, "Ett nytt stycke på samma sida") == (5, 5)
    assert pages_of(doc, "Socialtjänstlag") == (5, 5)
    assert pages_of(doc, "Sidan sex börjar här") == (6, 6)
    assert pages_of(doc, "text om samverkan.") == (6, 6)


def test_a_header_block_opens_its_page_and_is_not_text() -> None:
    raw = "\n".join(
        [
            "Socialtjänsten har ett ansvar för att den enskilde får stöd och vård.",
            "",
            "Värmlands kommuner  Region Värmland",
            "Titel",
            "Överenskommelse om samverkan kring personer med",
            "psykisk ohälsa",
            "Dokumentidentitet",
            "RIK-33008",
            "Version",
            "1",
            "Giltig t.o.m.",
            "2028-02-24",
            "Sida",
            "10 (11)",
            "",
            "• När det gäller barn och unga har socialtjänsten ett särskilt ansvar.",
        ]
    )
    doc = norm(raw)
    for furniture in ("Titel", "Dokumentidentitet", "RIK-33008", "Giltig", "Sida", "10 (11)"):
        assert furniture not in doc.text
    assert pages_of(doc, "har socialtjänsten ett särskilt ansvar") == (10, 10)
    assert pages_of(doc, "får stöd och vård") == (9, 9)


# The real corpus --------------------------------------------------------------------------

FOOTER = re.compile(r"^(\d{1,3}) \((\d{1,3})\)$")
BARE_NUMBER = re.compile(r"^\d{1,3}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\b")
LABELS = {"Titel", "Dokumentidentitet", "Version", "Giltig t.o.m.", "Sida"}
WORDS = re.compile(r"[^\W\d_]+")
PSYK = "dalarna-psykisk-funktionsnedsattning"
MISSBRUK = "dalarna-missbruk-beroende"
VARMLAND = "varmland-psykisk-funktionsnedsattning-beroende"
VASTMANLAND = "vastmanland-psykisk-ohalsa-vuxna"


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[DocumentMeta, str, Document]]:
    catalog = load_catalog(CORPUS)
    return {
        doc_id: (m, raw, normalise(m, raw))
        for doc_id, m in catalog.items()
        for raw in [read_text(CORPUS, m)]
    }


@pytest.mark.parametrize(
    ("doc_id", "phrase", "page"),
    [
        # Dalarna psyk: the footer "9 (27)" closes page 9 ...
        (PSYK, "lämna synpunkter på innehållet i överenskommelsen", 9),
        (PSYK, "2.2 Brukarmedverkan och inflytande", 9),
        (PSYK, "Finsamlagen", 9),  # page 9's footnote 14
        # ... and what comes after it is on page 10, up to "10 (27)".
        (PSYK, "kravet är att överenskommelsen ska utformas", 10),
        (PSYK, "2.4 Jämlikhet och jämställdhet", 10),
        (PSYK, "Länsövergripande samverkansöverenskommelse för barns", 11),
        # Footnote 6 sits in page 9's notes, so the sentence that refers to it is on page 9.
        (PSYK, "kunskapsstyrning.6", 9),
        # Dalarna missbruk: "34 (41)" after the responsibility table, "35 (41)" after 4.1.
        (MISSBRUK, "Orosanmälan barn-socialtjänsten", 34),
        (MISSBRUK, "4. Lokala överenskommelser", 35),
        (MISSBRUK, "4.1 Framtagandet av den lokala överenskommelsen", 35),
        (MISSBRUK, "4.2 Innehåll i lokala överenskommelser", 36),
        # Värmland: the header block with "Sida 10 (11)" opens page 10.
        (VARMLAND, "När det gäller barn och unga har socialtjänsten", 10),
        (VARMLAND, "får stöd och vård för att komma ur", 9),
        # Västmanland: the bare "7" between two paragraphs is page 7's footer.
        (VASTMANLAND, "struktur för samverkan kring vuxnas psykiska ohälsa i länet", 7),
        (VASTMANLAND, "Mål och indikatorer", 8),
    ],
)
def test_sentences_next_to_a_page_marker_get_its_page(
    corpus: dict[str, tuple[DocumentMeta, str, Document]], doc_id: str, phrase: str, page: int
) -> None:
    assert pages_of(corpus[doc_id][2], phrase) == (page, page)


def test_pages_far_from_any_marker_stay_unknown(
    corpus: dict[str, tuple[DocumentMeta, str, Document]],
) -> None:
    dalarna = corpus["dalarna-psykisk-funktionsnedsattning"][2]
    assert pages_of(dalarna, "1.1 Bakgrund") == (None, None)
    assert pages_of(dalarna, "6. Lokala överenskommelser") == (None, None)
    missbruk = corpus["dalarna-missbruk-beroende"][2]
    assert pages_of(missbruk, "LEDNING OCH ORGANISATION") == (None, None)  # deep in page 36
    assert corpus["skr-stod-samverkansoverenskommelser"][2].page_count is None


def markers(doc_meta: DocumentMeta, raw: str) -> list[tuple[int, int, str]]:
    """(raw line, page opened after it, text of the first line after it) per page marker."""
    roles = line_roles(doc_meta, raw)
    found = []
    for i, (role, text, _) in enumerate(roles):
        footer = FOOTER.match(text)
        if role != "furniture" or not (footer or BARE_NUMBER.match(text)):
            continue
        previous = next(t for _, t, _ in reversed(roles[:i]) if t)
        if footer and previous == "Sida":
            opened = int(footer.group(1))
        elif footer:
            opened = int(footer.group(1)) + 1
        elif text != "1" or previous != "Version":
            opened = int(text) + 1
        else:
            continue  # the version number in Värmland's header block
        after = next(t for r, t, _ in roles[i + 1 :] if t and r != "furniture")
        found.append((i, opened, after))
    return found


def test_page_markers_are_the_ones_the_texts_show(
    corpus: dict[str, tuple[DocumentMeta, str, Document]],
) -> None:
    opened = {doc_id: [o for _, o, _ in markers(m, raw)] for doc_id, (m, raw, _) in corpus.items()}
    assert opened == {
        "varmland-psykisk-funktionsnedsattning-beroende": [10],
        "vastmanland-psykisk-ohalsa-vuxna": [8],
        "dalarna-psykisk-funktionsnedsattning": [10, 11],
        "dalarna-missbruk-beroende": [35, 36],
        "skr-stod-samverkansoverenskommelser": [],
    }


def test_pages_never_decrease_and_stay_within_the_markers(
    corpus: dict[str, tuple[DocumentMeta, str, Document]],
) -> None:
    """Through the raw lines, and through the running text (footnotes are moved after the
    sentence they interrupt, so they are checked apart): no page decreases, and none lies
    on the wrong side of a marker."""
    for doc_id, (m, raw, doc) in corpus.items():
        roles = line_roles(m, raw)
        lines = [p for _, _, p in roles if p is not None]
        assert lines == sorted(lines), doc_id
        found = markers(m, raw)
        for at, opened, _ in found:
            assert all(p is None or p < opened for _, _, p in roles[:at]), (doc_id, opened)
            assert all(p is None or p >= opened for _, _, p in roles[at:]), (doc_id, opened)
        for kinds in ({"heading", "paragraph", "item"}, {"footnote"}):
            spans = [
                s
                for b in doc.blocks
                if b.kind in kinds
                for s in doc.pages
                if s.page is not None and s.start < b.end and s.end > b.start
            ]
            known = [s.page for s in spans if s.page is not None]
            assert known == sorted(known), (doc_id, kinds)
        at = 0
        for _, opened, after in found:
            at = doc.text.find(" ".join(re.sub(r"^\W+", "", after).split()[:4]), at)
            assert at >= 0, (doc_id, after)
            for block in doc.blocks:
                if block.kind == "footnote":
                    continue
                first, last = page_at(doc, block.start, block.end)
                if block.end <= at:
                    assert last is None or last < opened, (doc_id, block.text[:60])
                elif block.start >= at:
                    assert first is None or first >= opened, (doc_id, block.text[:60])


def test_only_page_furniture_is_taken_out(
    corpus: dict[str, tuple[DocumentMeta, str, Document]],
) -> None:
    """Every line dropped as furniture is a page marker, a title, a date or a header field."""
    for doc_id, (m, raw, _) in corpus.items():
        known_words = {w.lower() for w in WORDS.findall(" ".join([m.title, *m.parties]))}
        for role, text, _ in line_roles(m, raw):
            if role != "furniture":
                continue
            words = {w.lower() for w in WORDS.findall(text)}
            assert (
                FOOTER.match(text)
                or BARE_NUMBER.match(text)
                or DATE.match(text)
                or text in LABELS
                or (m.identity and text in m.identity)
                or (words and words <= known_words)
            ), (doc_id, text)


@pytest.mark.parametrize(
    "furniture",
    [
        re.compile(r"^\d{1,3} \(\d{1,3}\)$", re.M),  # "9 (27)"
        re.compile(r"^\d{1,3}$", re.M),  # a bare page number
        re.compile(r"^(Titel|Dokumentidentitet|Giltig t\.o\.m\.|Sida)$", re.M),
        re.compile(r"RIK-33008|2028-02-24|Dnr: RD21/00238"),
    ],
)
def test_no_page_furniture_is_left_in_the_text(
    corpus: dict[str, tuple[DocumentMeta, str, Document]], furniture: re.Pattern[str]
) -> None:
    for doc_id, (_, _, doc) in corpus.items():
        for block in doc.blocks:
            assert not furniture.search(block.text), (doc_id, block.text[:80])


def test_hyphens_in_the_corpus(corpus: dict[str, tuple[DocumentMeta, str, Document]]) -> None:
    texts = {doc_id: doc.text for doc_id, (_, _, doc) in corpus.items()}
    everything = "\n".join(texts.values())
    assert "hälsooch" not in everything.lower() and "hälso-\n" not in everything
    # "hälso-" ends a line in Dalarna's text; the coordinating hyphen stays.
    assert "hälso- och sjukvård" in texts["dalarna-psykisk-funktionsnedsattning"]
    # "SIP-" + "processen" across a line end in Västmanland's text.
    assert "SIP-processen" in texts["vastmanland-psykisk-ohalsa-vuxna"]
    assert "SIP- processen" not in everything and "SIPprocessen" not in everything
    assert "SIP-möte" in texts["varmland-psykisk-funktionsnedsattning-beroende"]


# The title a text opens with, and a title after a list ------------------------------------

WRAPPED_TITLE = """Överenskommelse om samverkan kring personer med psykisk funktionsnedsättning och
missbruk i Dalarna
Inledning
Kommunen och regionen ska samverka kring den enskildes behov av stöd och vård i hela länet.
"""


@pytest.mark.parametrize("title", [TITLE, "Överenskommelse om samverkan kring personer med "
                                   "psykisk funktionsnedsättning och missbruk i Dalarna"])
def test_a_title_wrapped_over_two_lines_is_the_documents_heading(title: str) -> None:
    doc = normalise(meta(title), WRAPPED_TITLE)
    first, second = doc.blocks[0], doc.blocks[1]
    assert first.kind == "heading"
    assert first.text == (
        "Överenskommelse om samverkan kring personer med psykisk funktionsnedsättning och "
        "missbruk i Dalarna"
    )
    # The sections that follow are the document's, not children of its title.
    assert (second.kind, second.trail) == ("heading", ("Inledning",))
    assert block_with(doc, "Kommunen och regionen").trail == ("Inledning",)


def test_a_title_on_the_widest_line_is_a_heading() -> None:
    raw = "Riktlinje för samordnad individuell plan\n\nRegionen ansvarar för:\n- abstinensvård\n"
    doc = norm(raw)  # the catalog's title is another; the line's shape says it
    assert (doc.blocks[0].kind, doc.blocks[0].text) == (
        "heading", "Riktlinje för samordnad individuell plan"
    )
    assert block_with(doc, "abstinensvård").trail == ("Riktlinje för samordnad individuell plan",)


@pytest.mark.parametrize(
    "raw",
    [
        "Kommunen och regionen ska samverka kring den enskildes\nbehov av stöd i länet.\n",
        "Denna överenskommelse mellan Region Värmland och\nkommunerna gäller från 2024.\n",
        "Överenskommelse om samverkan mellan regionen\noch kommunerna i länet.\n",
    ],
)
def test_an_opening_sentence_is_not_the_documents_title(raw: str) -> None:
    doc = norm(raw)
    assert [b.kind for b in doc.blocks] == ["paragraph"]


def test_a_lone_section_title_at_the_start_keeps_its_subsections() -> None:
    doc = {d.id: d for d in map(_bundled, ["vastmanland-psykisk-ohalsa-vuxna"])}
    bakgrund = block_with(doc["vastmanland-psykisk-ohalsa-vuxna"], "Bakgrund")
    assert (bakgrund.kind, bakgrund.trail) == ("heading", ("Inledning", "Bakgrund"))


def _bundled(doc_id: str) -> Document:
    entry = load_catalog(CORPUS)[doc_id]
    return normalise(entry, read_text(CORPUS, entry))


AFTER_LIST = """1. Ansvar
Regionen ansvarar för:
• abstinensvård i sluten och öppen vård för alla vuxna personer som har behov av det
• läkemedelsassisterad behandling vid opioidberoende och annan beroendevård i länet
Samordnad individuell plan
Den som först får kännedom om behovet kallar till en samordnad individuell plan i länet.
"""


def test_a_title_after_a_full_width_bullet_is_not_glued_to_it() -> None:
    doc = norm(AFTER_LIST)
    last = block_with(doc, "läkemedelsassisterad")
    assert last.kind == "item"
    assert last.text.endswith("beroendevård i länet")
    heading = block_with(doc, "Samordnad individuell plan")
    assert (heading.kind, heading.text) == ("heading", "Samordnad individuell plan")
    assert block_with(doc, "Den som först").trail == ("1. Ansvar", "Samordnad individuell plan")


def test_a_bullet_that_goes_on_in_upper_case_keeps_its_line() -> None:
    raw = AFTER_LIST.replace("annan beroendevård i länet", "annan beroendevård enligt")
    raw = raw.replace("Samordnad individuell plan\n", "Socialtjänstlagen\n", 1)
    doc = norm(raw)
    assert block_with(doc, "läkemedelsassisterad").text.endswith("enligt Socialtjänstlagen")
    assert not [b for b in doc.blocks if b.kind == "heading" and "Socialtjänst" in b.text]
