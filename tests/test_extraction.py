"""Extraction from files the tests generate themselves: PDF (fpdf2), DOCX (python-docx), text."""

from __future__ import annotations

import sys
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from assistant.errors import IngestError
from assistant.ingest.extract import PAGE_BREAK, extract_text

# One distinct sentence per page, each with å/ä/ö, short enough to stay on one PDF line.
PAGE_SENTENCES = (
    "Kommunen ansvarar för boendestöd i hemmet för personer över 18 år.",
    "Regionen ansvarar för abstinensvård och läkemedelsassisterad behandling.",
    "Den som först får kännedom om behovet kallar till samordnad plan.",
    "Överenskommelsen följs upp vart fjärde år av länets styrgrupp.",
)
PAGE_HEADINGS = (
    "1. Inledning",
    "2. Ansvar för boende",
    "3. Samordnad individuell plan",
    "4. Uppföljning",
)
# Filler so that each page carries more than one passage's worth of text.
FILLER = (
    "Samverkan mellan huvudmännen ska utgå från den enskildes behov och delaktighet.",
    "Parterna ska gemensamt verka för att ingen person faller mellan stolarna.",
    "Insatserna ska vara samordnade, tillgängliga och av god kvalitet.",
    "Personalen hos båda huvudmännen ska känna till innehållet i överenskommelsen.",
    "Den enskilde ska få information om vilka insatser som finns att söka.",
)


def filler(page: int) -> str:
    """Filler that differs from page to page, so no line repeats like a running header."""
    turn = FILLER[page % len(FILLER):] + FILLER[: page % len(FILLER)]
    return f"Avsnitt {page + 1} gäller följande. " + " ".join(turn * 2)


def find_font() -> Path | None:
    """A Unicode TTF for fpdf2: DejaVuSans from the system or from an installed package."""
    for root in (Path("/usr/share/fonts"), *map(Path, sys.path)):
        if root.is_dir():
            for found in root.rglob("DejaVuSans.ttf"):
                return found
    return None


def new_pdf() -> FPDF:
    """An fpdf2 document with a font that writes å, ä and ö."""
    pdf = FPDF()
    pdf.set_auto_page_break(auto=True, margin=15)
    font = find_font()
    if font is not None:
        pdf.add_font("Body", fname=str(font))
        pdf.set_font("Body", size=11)
    else:  # the core fonts are Latin-1, which has å/ä/ö
        pdf.set_font("helvetica", size=11)
    return pdf


def make_pdf(path: Path, pages: int = 4, blank: tuple[int, ...] = ()) -> Path:
    """A multi-page PDF: a heading, filler and one distinct sentence per page."""
    pdf = new_pdf()
    for n in range(pages):
        pdf.add_page()
        if n + 1 in blank:
            continue
        pdf.multi_cell(0, 6, PAGE_HEADINGS[n], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.multi_cell(0, 6, filler(n), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.multi_cell(0, 6, PAGE_SENTENCES[n], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.multi_cell(0, 6, filler(n), new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def make_image_pdf(path: Path) -> Path:
    """A PDF whose only page holds a drawn rectangle and no text (like a scan)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(80, 80, 80)
    pdf.rect(20, 20, 120, 160, style="F")
    pdf.output(str(path))
    return path


def make_docx(path: Path) -> Path:
    """A Word file: headings, a lead-in line with a bullet list, a paragraph and a table."""
    document = docx.Document()
    document.add_heading("1. Inledning", level=1)
    document.add_paragraph("Överenskommelsen gäller i Örebro län.")
    document.add_heading("2. Ansvarsfördelning", level=1)
    document.add_paragraph("Regionen ansvarar för:")
    document.add_paragraph("abstinensvård", style="List Bullet")
    document.add_paragraph("läkemedelsassisterad behandling", style="List Bullet")
    document.add_paragraph("Kommunen ansvarar för boendestöd.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Insats"
    table.cell(0, 1).text = "Huvudman"
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "Gemensamt ansvar för SIP"
    document.save(str(path))
    return path


def test_pdf_pages_joined_by_form_feed(tmp_path: Path) -> None:
    text = extract_text(make_pdf(tmp_path / "avtal.pdf"))
    pages = text.split(PAGE_BREAK)
    assert len(pages) == 4
    for n, page in enumerate(pages):
        flat = " ".join(page.split())
        assert PAGE_SENTENCES[n] in flat
        assert PAGE_HEADINGS[n] in flat
        others = [s for i, s in enumerate(PAGE_SENTENCES) if i != n]
        assert not any(s in flat for s in others)
    assert "\r" not in text


def test_pdf_blank_page_keeps_later_page_numbers(tmp_path: Path) -> None:
    text = extract_text(make_pdf(tmp_path / "avtal.pdf", pages=3, blank=(2,)))
    pages = text.split(PAGE_BREAK)
    assert len(pages) == 3
    assert pages[1].strip() == ""
    assert PAGE_SENTENCES[2] in " ".join(pages[2].split())


def test_docx_headings_lists_and_tables(tmp_path: Path) -> None:
    lines = extract_text(make_docx(tmp_path / "avtal.docx")).split("\n")
    assert lines == [
        "1. Inledning",
        "Överenskommelsen gäller i Örebro län.",
        "2. Ansvarsfördelning",
        "Regionen ansvarar för:",
        "• abstinensvård",
        "• läkemedelsassisterad behandling",
        "Kommunen ansvarar för boendestöd.",
        "Insats",
        "Huvudman",
        "Gemensamt ansvar för SIP",
    ]


@pytest.mark.parametrize("name", ["avtal.txt", "avtal.md", "AVTAL.TXT"])
def test_text_files_read_as_utf8(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes("\ufeff1. Ansvar\r\nRegionen ansvarar för vård.\r\n".encode())
    assert extract_text(path) == "1. Ansvar\nRegionen ansvarar för vård.\n"


def test_text_keeps_form_feed_page_breaks(tmp_path: Path) -> None:
    path = tmp_path / "avtal.txt"
    path.write_text("Sida ett.\fSida två.\n", encoding="utf-8")
    assert extract_text(path).split(PAGE_BREAK) == ["Sida ett.", "Sida två.\n"]


def _corrupt_pdf(path: Path) -> Path:
    make_pdf(path.with_name("hel.pdf"), pages=2)
    path.write_bytes(b"%PDF-1.4\n" + b"\x13\x37" * 200)
    return path


def _truncated_pdf(path: Path) -> Path:
    whole = make_pdf(path.with_name("hel.pdf"), pages=2).read_bytes()
    path.write_bytes(whole[: len(whole) // 3])
    return path


def _encrypted_pdf(path: Path) -> Path:
    pdf = FPDF()
    pdf.set_encryption(owner_password="ägare", user_password="hemligt")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Hemlig överenskommelse")
    pdf.output(str(path))
    return path


BAD_FILES = {
    "empty": ("tom.txt", lambda p: p.write_bytes(b""), "tom"),
    "whitespace": ("tom.md", lambda p: p.write_bytes(b"  \n\n\t\n"), "tom"),
    "empty pdf": ("tom.pdf", lambda p: p.write_bytes(b""), "tom"),
    "binary": ("bild.txt", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR"), "binär"),
    "latin-1": ("gammal.txt", lambda p: p.write_bytes("Överens".encode("latin-1")), "UTF-8"),
    "unsupported": ("avtal.doc", lambda p: p.write_bytes(b"text"), "stöds inte"),
    "no extension": ("avtal", lambda p: p.write_bytes(b"text"), "stöds inte"),
    "image-only pdf": ("skannad.pdf", make_image_pdf, "OCR"),
    "corrupt pdf": ("trasig.pdf", _corrupt_pdf, "skadad"),
    "truncated pdf": ("avklippt.pdf", _truncated_pdf, "PDF"),
    "encrypted pdf": ("skyddad.pdf", _encrypted_pdf, "lösenordsskyddad"),
    "not a pdf": ("fel.pdf", lambda p: p.write_text("Hej, jag är text.", encoding="utf-8"), "PDF"),
    "corrupt docx": ("trasig.docx", lambda p: p.write_bytes(b"PK\x03\x04 inte en zip"), "skadad"),
    "text as docx": ("fel.docx", lambda p: p.write_text("bara text", encoding="utf-8"), "skadad"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_refused_with_file_name(tmp_path: Path, case: str) -> None:
    name, write, fragment = BAD_FILES[case]
    path = tmp_path / name
    write(path)
    with pytest.raises(IngestError) as caught:
        extract_text(path)
    assert name in caught.value.message
    assert fragment in caught.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="finns inte"):
        extract_text(tmp_path / "saknas.pdf")


def test_docx_without_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tom.docx"
    docx.Document().save(str(path))
    with pytest.raises(IngestError, match="ingen text"):
        extract_text(path)
