"""Builders for the ingest tests: generated agreement files and the bundled corpus folder.

PDFs are written with fpdf2 and Word files with python-docx, so that extraction and
ingestion are tested on real files of each format without binary fixtures in the tree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import docx
from fpdf import FPDF

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

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
