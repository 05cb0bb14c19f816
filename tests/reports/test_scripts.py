"""Names in every script the clinics see, read back from every page with pdftotext; the
identity band's words never overlap; no heading ends a page; unprintable characters are
marked and reported; the allergy words are the screens' words."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ketachart.domain.allergies import (
    NO_KNOWN_ALLERGIES,
    NOT_RECORDED,
    AllergyStatus,
    AllergyText,
    allergy_text,
)
from ketachart.reports.blocks import FactsBlock, TableBlock
from ketachart.reports.export import ExportResult, export_session_pdf, session_summary
from ketachart.reports.fonts import chain, coverage
from ketachart.reports.page_frame import BAND_BOTTOM, BAND_HEIGHT
from ketachart.reports.styles import PAGE_HEIGHT
from ketachart.services import keys
from tests.reports import charted
from tests.reports.pdf_text import Box, page_boxes, page_texts
from tests.support import Clinic

LONG_NAME = (
    "Wolfeschlegelsteinhausen Bergerdorff Vandermeulen Oyelarano",
    "Maximiliana Theodora Josephine Alessandra Guadalupe Olufemi",
)
NAMES = {
    "latin": ("Łukasiewicz", "Zoë"),
    "vietnamese": ("Nguyễn", "Thị Minh Khai"),
    "greek": ("Παπαδοπούλου", "Ελένη"),
    "cyrillic": ("Иванова", "Ольга Сергеевна"),
    "chinese": ("王", "小明"),
    "traditional": ("陳", "大文"),
    "japanese": ("山田", "さくら"),
    "korean": ("김", "민준"),
    "devanagari": ("शर्मा", "प्रिया"),
    "arabic": ("الحسيني", "محمد"),
    "hebrew": ("כהן", "דוד"),
    "120 characters": LONG_NAME,
}
BAND_TOP_Y = PAGE_HEIGHT - BAND_BOTTOM - BAND_HEIGHT
"""The band's top and bottom in pdftotext's coordinates (points from the top)."""
BAND_BOTTOM_Y = PAGE_HEIGHT - BAND_BOTTOM
FOOTER_RULE_Y = PAGE_HEIGHT - 42


def exported(clinic: Clinic, session_id: str, path: Path) -> ExportResult:
    return export_session_pdf(clinic.db, clinic.physician, session_id, path)


def test_the_long_name_is_120_characters() -> None:
    assert len(f"{LONG_NAME[0]}, {LONG_NAME[1]}") == 120


@pytest.mark.parametrize("script", list(NAMES))
def test_every_page_prints_the_name_as_typed(
    sqlite_clinic: Clinic, tmp_path: Path, script: str
) -> None:
    family, given = NAMES[script]
    charted.renamed(sqlite_clinic, family, given)
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    result = exported(sqlite_clinic, session_id, tmp_path / "s.pdf")

    pages = page_texts(tmp_path / "s.pdf")
    assert len(pages) == result.pages > 1
    for number, text in enumerate(pages, start=1):
        assert _name_in(family, given, text), f"page {number} lacks the name"
    assert result.unprintable == ()


def _name_in(family: str, given: str, text: str) -> bool:
    """'Family, Given' as typed. Right to left, each name must be exact (logical order,
    joined letters read back as typed); poppler 22's pdftotext reorders the comma the summary
    puts between them, though it is drawn where the bidi algorithm puts it, so there only
    the names themselves are compared."""
    if unicodedata.bidirectional(family[0]) in ("R", "AL"):
        return family in text and given in text
    return f"{family}, {given}" in text


@pytest.mark.parametrize("script", ["120 characters", "arabic", "chinese"])
def test_the_identity_band_never_overprints(
    sqlite_clinic: Clinic, tmp_path: Path, script: str
) -> None:
    mrn = "MRN-" + "W" * 36  # the longest MRN there is, in the widest letter
    charted.renamed(sqlite_clinic, *NAMES[script], mrn=mrn)
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    exported(sqlite_clinic, session_id, tmp_path / "s.pdf")

    for number, (words, _) in enumerate(page_boxes(tmp_path / "s.pdf"), start=1):
        band = [w for w in words if w.y0 >= BAND_TOP_Y - 1 and w.y1 <= BAND_BOTTOM_Y + 1]
        texts = [w.text for w in band]
        for expected in ("DOB", "1980-02-03", "MRN", mrn, "SESSION", "2026-03-10", "Chair"):
            assert expected in texts, f"page {number}: {expected!r} not whole in the band"
        assert "Times" in texts
        assert "(UTC+00:00)" in texts
        for first, second in _pairs(band):
            assert not first.overlaps(second), f"page {number}: {first} overlaps {second}"
        assert all(w.x0 >= 40 and w.x1 <= 572 for w in band), f"page {number}: off the band"


def _pairs(boxes: list[Box]) -> list[tuple[Box, Box]]:
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :]]


def test_no_heading_is_the_last_line_of_a_page(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    session_id = charted.long_session(sqlite_clinic, 150)
    exported(sqlite_clinic, session_id, tmp_path / "s.pdf")
    summary = session_summary(sqlite_clinic.db, sqlite_clinic.physician, session_id, audited=False)
    report = summary.report
    headings = {f"{s.number}. {s.title}" for s in report.sections}
    titled = (
        b for s in report.sections for b in s.blocks if isinstance(b, TableBlock | FactsBlock)
    )
    headings |= {b.title for b in titled if b.title}

    pages = page_boxes(tmp_path / "s.pdf")
    assert len(pages) > 3
    for number, (_, lines) in enumerate(pages, start=1):
        body = [line for line in lines if line.y0 > BAND_BOTTOM_Y and line.y1 < FOOTER_RULE_Y]
        last = max(body, key=lambda line: line.y1)
        assert last.text not in headings, f"page {number} ends with the heading {last.text!r}"


def test_the_vitals_table_repeats_its_header_on_every_page(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    session_id = charted.long_session(sqlite_clinic, 150)
    exported(sqlite_clinic, session_id, tmp_path / "s.pdf")
    summary = session_summary(sqlite_clinic.db, sqlite_clinic.physician, session_id, audited=False)
    report = summary.report
    table = next(
        b
        for s in report.sections
        for b in s.blocks
        if isinstance(b, TableBlock) and b.title == "Vitals"
    )
    header = " ".join(table.header[:4])
    holding = [
        t for t in page_texts(tmp_path / "s.pdf") if any(_row_text(r) in t for r in table.rows)
    ]
    assert len(holding) > 1
    assert all(header in text for text in holding)


def _row_text(row: tuple[object, ...]) -> str:
    return " ".join(str(cell) for cell in row if isinstance(cell, str))


def test_a_character_no_font_has_prints_a_mark_and_is_reported(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    missing = next(c for c in "\U0001fae0\U0001f9ec\U0001fab7" if not _printable(c))
    charted.renamed(sqlite_clinic, "Lee", f"Ana {missing}")
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    result = exported(sqlite_clinic, session_id, tmp_path / "s.pdf")

    assert result.unprintable == (missing,)
    assert f"U+{ord(missing):04X}" in result.unprintable_note
    assert all("Lee, Ana \ufffd" in text for text in page_texts(tmp_path / "s.pdf"))


def _printable(char: str) -> bool:
    return any(ord(char) in coverage(face) for face in chain(False))


@pytest.mark.parametrize(
    ("allergies", "none_known", "printed"),
    [
        ("Penicillin (rash); latex", False, "Allergies Penicillin (rash); latex"),
        ("  ", True, f"Allergies {NO_KNOWN_ALLERGIES} (recorded "),
        ("  ", False, f"Allergies {NOT_RECORDED}"),
    ],
    ids=["listed", "none-known", "not-recorded"],
)
def test_each_allergy_state_prints_the_screens_words(
    sqlite_clinic: Clinic, tmp_path: Path, allergies: str, none_known: bool, printed: str
) -> None:
    charted.renamed(sqlite_clinic, "Lee", "Ana", allergies=allergies, no_known_allergies=none_known)
    row = sqlite_clinic.patient
    said = allergy_text(row.allergies, row.no_known_allergies_at)
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    exported(sqlite_clinic, session_id, tmp_path / "s.pdf")

    first = page_texts(tmp_path / "s.pdf")[0]
    assert printed in first
    assert f"Allergies {said.text}" in first  # the banner's words (one domain function)
    assert "None recorded" not in first


def test_allergy_text_tells_three_states_apart() -> None:
    recorded = datetime(2026, 12, 3, 9, 14, tzinfo=UTC)
    local = recorded.astimezone().strftime("%Y-%m-%d %H:%M")
    listed = allergy_text(" Penicillin; latex ", None)
    assert (listed.status, listed.text) == (AllergyStatus.LISTED, "Penicillin; latex")
    assert allergy_text("\n ", recorded) == AllergyText(
        AllergyStatus.NONE_KNOWN, f"No known allergies (recorded {local})"
    )
    assert allergy_text("", None) == AllergyText(AllergyStatus.NOT_RECORDED, NOT_RECORDED)
    assert NOT_RECORDED == "Allergies not recorded — ask the patient"
    assert allergy_text("Latex", recorded).listed  # typed allergies are never hidden


@pytest.mark.parametrize("script", ["latin", "arabic", "120 characters"])
def test_every_page_prints_the_clinic_key_in_its_footer_whole(
    sqlite_clinic: Clinic, tmp_path: Path, script: str
) -> None:
    """The clinic key's fingerprint (services.keys.clinic_fingerprint, read with the chart)
    at the right of the footer's identity line, which makes room for it: read back with
    pdftotext from the exported file, whole, on every page, overlapping nothing."""
    charted.renamed(sqlite_clinic, *NAMES[script])
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    exported(sqlite_clinic, session_id, tmp_path / "s.pdf")
    with sqlite_clinic.db.reading() as tx:
        fingerprint = keys.clinic_fingerprint(tx)
    assert fingerprint == sqlite_clinic.clinic_key.fingerprint
    line = f"Clinic key {fingerprint}"

    pages = page_texts(tmp_path / "s.pdf")
    assert len(pages) > 1
    assert all(line in text for text in pages)
    for number, (words, lines) in enumerate(page_boxes(tmp_path / "s.pdf"), start=1):
        footer = [w for w in words if w.y0 >= FOOTER_RULE_Y]
        assert " ".join(line.split()[2:]) in " ".join(w.text for w in footer), number
        key = next(b for b in lines if b.text.startswith("Clinic key"))
        assert key.text == line, f"page {number}: {key.text!r}"
        assert key.x1 <= 572.5, f"page {number}: the clinic key runs off the page"
        beside = [w for w in footer if abs(w.y0 - key.y0) < 1]  # the identity line's words
        assert len(beside) > len(line.split())
        for first, second in _pairs(beside):
            assert not first.overlaps(second), f"page {number}: {first} overlaps {second}"
