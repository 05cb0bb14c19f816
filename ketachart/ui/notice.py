"""A message at the top of a screen after something was done, in the style of its kind.

Success (green, a tick), warning (amber, a warning sign) and error (red, a cross) each look
different, and not by colour alone: the icon is Qt's own standard icon for that kind (no emoji
glyph a workstation's fonts may lack), and the kind is part of what a screen reader says.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QScrollArea, QStyle, QWidget

from ketachart.ui.widgets import plain_label

ICON_SIZE = 24
MAX_LINES = 3
"""A longer message scrolls inside the notice, so the screen under it never moves further."""


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
        row.setContentsMargins(8, 4, 8, 4)
        self.icon = plain_label()
        self.icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        self.label = plain_label(name="noticeText", wrap=True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self._scrolling(self.label), 1)
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
        self.setAccessibleName(f"{SPOKEN[kind]}: {text}")
        for widget in (self, self.label):  # the style follows the property
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        self.show()

    def text(self) -> str:
        return self.label.text()

    def kind(self) -> NoticeKind | None:
        """The kind of the message shown last (None before the first)."""
        return self._kind
