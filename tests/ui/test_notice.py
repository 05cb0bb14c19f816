"""Messages after an action: success, warning and error each have their own style (issue 10:
"PDF saved" and "Attested" were shown in the yellow warning style)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from ketachart.ui.export_actions import Outcome
from ketachart.ui.notice import Notice, NoticeKind
from ketachart.ui.theme import ERROR_PALE_RED, OK_PALE_GREEN, WARN_YELLOW

BACKGROUNDS = {
    NoticeKind.SUCCESS: OK_PALE_GREEN,
    NoticeKind.WARNING: WARN_YELLOW,
    NoticeKind.ERROR: ERROR_PALE_RED,
}


def shown(qtbot: QtBot, text: str, kind: NoticeKind) -> Notice:
    notice = Notice()
    qtbot.addWidget(notice)
    notice.resize(600, 60)
    notice.show_message(text, kind)
    return notice


def background(notice: Notice) -> str:
    """The colour just inside the right-hand border, where neither icon nor text is."""
    image = notice.grab().toImage()
    return QColor(image.pixel(image.width() - 5, image.height() // 2)).name()


def test_each_kind_has_its_own_name_property_icon_and_colour(qtbot: QtBot, themed: None) -> None:
    icons = set()
    for kind, colour in BACKGROUNDS.items():
        notice = shown(qtbot, f"{kind} text", kind)
        assert notice.isVisible()
        assert notice.objectName() == "notice"
        assert notice.property("kind") == kind.value
        assert notice.kind() is kind
        assert notice.text() == f"{kind} text"
        assert background(notice) == colour, kind
        pixmap = notice.icon.pixmap()
        assert not pixmap.isNull()
        icons.add(bytes(pixmap.toImage().constBits()))
        assert notice.accessibleName().endswith(f": {kind} text")
    assert len(icons) == 3  # a tick, a warning sign, a cross: not colour alone


def test_a_notice_changes_style_with_its_kind(qtbot: QtBot, themed: None) -> None:
    notice = shown(qtbot, "Attested.", NoticeKind.WARNING)
    notice.show_message("Attested.", NoticeKind.SUCCESS)
    assert notice.property("kind") == "success"
    assert background(notice) == OK_PALE_GREEN


def test_the_text_is_plain(qtbot: QtBot) -> None:
    notice = shown(qtbot, "Not exported: <b>disk</b> & < 2", NoticeKind.ERROR)
    assert notice.label.textFormat() is Qt.TextFormat.PlainText
    assert notice.text() == "Not exported: <b>disk</b> & < 2"


def test_an_export_or_print_outcome_is_a_success_or_an_error() -> None:
    assert Outcome("PDF saved (2 pages) to a.pdf", ok=True).kind is NoticeKind.SUCCESS
    assert Outcome("Not printed: no printer", ok=False).kind is NoticeKind.ERROR
