"""A message at the top of a screen after something was done, in the style of its kind.

Success (green, a tick), warning (amber, a warning sign) and error (red, a cross) each look
different, and not by colour alone: the icon is Qt's own standard icon for that kind (no emoji
glyph a workstation's fonts may lack), and the kind is part of what a screen reader says.

A notice takes one line: a message longer than that is cut with "…" (whole in its tooltip),
and Details opens it (up to three lines, scrolling beyond), so a notice never takes the
chart's timeline rows on a 720-pixel screen.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QToolButton,
    QWidget,
)

from ketachart.ui.widgets import ElidedLabel, plain_label

ICON_SIZE = 24
MAX_LINES = 3
"""Opened, a longer message scrolls inside the notice, so the screen under it never moves
further."""


class NoticeKind(StrEnum):
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


ICONS = {
    NoticeKind.SUCCESS: QStyle.StandardPixmap.SP_DialogApplyButton,
    NoticeKind.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    NoticeKind.ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
}
SPOKEN = {NoticeKind.SUCCESS: "Done", NoticeKind.WARNING: "Warning", NoticeKind.ERROR: "Error"}


class Notice(QFrame):
    """Hidden until `show_message(text, kind)`. The theme styles it by its object name
    ("notice") and its `kind` property; the text is plain (it can quote what a user typed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self._kind: NoticeKind | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 8, 2)
        self.icon = plain_label()
        self.icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        self.line = ElidedLabel("noticeText")
        self.line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label = plain_label(name="noticeText", wrap=True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.opened = self._scrolling(self.label)
        self.opened.hide()
        self.details = QToolButton()
        self.details.setText(self.tr("Details"))
        self.details.setCheckable(True)
        self.details.setAutoRaise(True)
        self.details.toggled.connect(self.set_open)
        keep = self.details.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # the line's width never depends on it
        self.details.setSizePolicy(keep)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.line, 1)
        row.addWidget(self.opened, 1)
        row.addWidget(self.details, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def _scrolling(self, label: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidget(label)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setStyleSheet("background: transparent;")
        area.setMaximumHeight(label.fontMetrics().lineSpacing() * MAX_LINES + 4)
        return area

    def show_message(self, text: str, kind: NoticeKind) -> None:
        self._kind = kind
        self.setProperty("kind", kind.value)
        icon = QApplication.style().standardIcon(ICONS[kind])
        self.icon.setPixmap(icon.pixmap(ICON_SIZE, ICON_SIZE))
        self.label.setText(text)
        self.line.set_full_text(" ".join(text.split()))
        self.details.setChecked(False)
        self.setAccessibleName(f"{SPOKEN[kind]}: {text}")
        for widget in (self, self.label, self.line):  # the style follows the property
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        self.show()
        self._offer_details()

    def set_open(self, opened: bool) -> None:
        """Show the whole message (Details) or its one line again."""
        self.opened.setVisible(opened)
        self.line.setVisible(not opened)
        self.details.setText(self.tr("Less") if opened else self.tr("Details"))

    def is_cut(self) -> bool:
        """Whether the one line shows less than the whole message."""
        return self.line.text() != self.line.full_text or "\n" in self.label.text()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._offer_details()

    def _offer_details(self) -> None:
        self.details.setVisible(self.details.isChecked() or self.is_cut())

    def text(self) -> str:
        return self.label.text()

    def kind(self) -> NoticeKind | None:
        """The kind of the message shown last (None before the first)."""
        return self._kind
