"""Extraction from files the tests generate themselves: PDF (fpdf2), DOCX (python-docx), text."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from assistant.errors import IngestError
from assistant.ingest.extract import EXTRACTORS, PAGE_BREAK, extract_text
from tests.ingest.documents import (
    PAGE_HEADINGS,
    PAGE_SENTENCES,
    make_docx,
    make_image_pdf,
    make_pdf,
)


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


def test_a_new_format_is_one_entry_in_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(EXTRACTORS, ".csv", lambda path, data: data.decode().replace(";", "\n"))
    path = tmp_path / "avtal.csv"
    path.write_text("Regionen;Kommunen", encoding="utf-8")
    assert extract_text(path) == "Regionen\nKommunen"
    (tmp_path / "tom.csv").write_text(";", encoding="utf-8")
    with pytest.raises(IngestError, match="ingen text"):  # the shared checks still apply
        extract_text(tmp_path / "tom.csv")
