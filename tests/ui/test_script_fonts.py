"""Names in every script the clinics see are drawn with real glyphs, never boxes.

What Qt draws is checked, not what a font claims: the name is laid out in the themed
application font as a label would be (QTextLayout), and every glyph of every run must be a
real one; glyph 0 is a font's .notdef, the empty box."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontDatabase, QTextLayout
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ketachart.ui.fonts import CJK_FAMILIES, SCRIPT_FAMILIES, register_fallback_fonts
from ketachart.ui.widgets import plain_label

NAMES = {
    "Chinese": "王秀英",
    "Japanese": "山田 さくら",
    "Arabic": "محمد عبد الله",
    "Hebrew": "דוד לוי",
    "Devanagari": "अनिल शर्मा",
    "Greek": "Γιώργος Παπαδόπουλος",
    "Cyrillic": "Ольга Иванова",
    "Vietnamese": "Nguyễn Thị Hương",
}


def drawn_glyphs(text: str, font: QFont) -> list[tuple[str, int]]:
    """(family, glyph index) of each glyph Qt draws for `text` in `font`."""
    layout = QTextLayout(text, font)
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    return [
        (run.rawFont().familyName(), index)
        for run in layout.glyphRuns()
        for index in run.glyphIndexes()
    ]


@pytest.mark.usefixtures("themed")
@pytest.mark.parametrize("script", NAMES)
def test_a_name_in_every_script_is_drawn_without_boxes(qtbot: QtBot, script: str) -> None:
    label = plain_label(NAMES[script], "headerName")
    qtbot.addWidget(label)
    glyphs = drawn_glyphs(label.text(), label.font())
    assert glyphs, script
    assert all(index != 0 for _, index in glyphs), (script, glyphs)


@pytest.mark.usefixtures("themed")
def test_the_application_font_lists_the_noto_families(qapp: QApplication) -> None:
    families = qapp.font().families()
    installed = set(QFontDatabase.families())
    assert families[0] == families[0].strip()
    for family in ("Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari"):
        assert family in families  # installed by fonts-noto-core
    assert any(f in families for f in CJK_FAMILIES)  # the system's, or the registered file
    assert [f for f in families[1:] if f in SCRIPT_FAMILIES] == [
        f for f in SCRIPT_FAMILIES if f in installed and f != families[0]
    ]


def test_registering_the_fallbacks_twice_adds_nothing_more(qapp: QApplication) -> None:
    register_fallback_fonts()
    assert register_fallback_fonts() == []
