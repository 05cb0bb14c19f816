"""Icons are drawn from the shipped SVG set, not typed as glyphs a workstation's fonts may lack."""

from __future__ import annotations

import io
import tokenize
import unicodedata
from importlib import resources
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

import ketachart.ui
from ketachart.ui.icons import IconName, IconText, icon_pixmap

UI = Path(ketachart.ui.__file__).parent
NOT_ICONS = {"°"}  # a unit, in the font of every script


@pytest.mark.parametrize("name", list(IconName))
def test_every_icon_ships_and_draws(qtbot: QtBot, name: IconName) -> None:
    shipped = resources.files("ketachart").joinpath("resources", "icons", f"{name}.svg")
    assert shipped.is_file()
    image = icon_pixmap(name, 24).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    assert (image.width(), image.height()) == (24, 24)
    opaque = sum(1 for x in range(24) for y in range(24) if image.pixelColor(x, y).alpha() > 128)
    assert opaque > 24  # a drawn shape, not an empty or broken pixmap


def symbol_glyphs(source: str) -> list[str]:
    """Symbol characters (Unicode 'So', and ℹ) inside the string literals of a module."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING:
            found += [
                c
                for c in token.string
                if (unicodedata.category(c) == "So" or c == "ℹ") and c not in NOT_ICONS
            ]
    return found


def test_no_glyph_icons_in_the_screens() -> None:
    """Every mark on screen is a shipped SVG or a Qt standard icon (the trend's ∨ ∧ • are
    drawn as plot symbols, not typed)."""
    found = {
        path.name: glyphs
        for path in sorted(UI.rglob("*.py"))
        if (glyphs := symbol_glyphs(path.read_text(encoding="utf-8")))
    }
    assert not found


def test_icon_text_keeps_words_and_icon_apart(qtbot: QtBot) -> None:
    message = IconText(IconName.WARNING, "<b>Wrong</b> password", object_name="formMessage")
    qtbot.addWidget(message)
    assert message.text() == "<b>Wrong</b> password"  # plain text: the words alone
    assert message.icon_name() is IconName.WARNING
    message.show_text(None, "done")
    assert message.icon.isHidden()
    assert message.label.objectName() == "formMessage"
