"""Text fields that cannot hold more than their validator accepts (domain.limits).

A one-line field is capped by Qt (QLineEdit.setMaxLength); a multi-line field by
CappedTextEdit, which cuts a paste to the room left *before* Qt lays it out (pasting 10 MB
into a plain QPlainTextEdit takes seconds) and trims anything else that goes over. Either way
the person is told, under the field, that the text was cut and to how many characters, so a
note is never shortened silently. Counting is cheap on every keystroke: the document's length,
never a copy of its text."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QBoxLayout,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QToolTip,
    QWidget,
)

NOTICE_NAME = "lengthCapNotice"


def cap_message(label: str, limit: int) -> str:
    """What the person reads when a paste or a keystroke goes over the field's limit."""
    return f"{label} holds at most {limit} characters: the text was cut there."


def cap_line(edit: QLineEdit, limit: int, label: str) -> QLineEdit:
    """Cap a one-line field at `limit` characters; a paste or keystroke over it says so."""
    edit.setMaxLength(limit)

    def rejected() -> None:
        if len(edit.text()) >= limit:
            show_notice(edit, cap_message(label, limit))

    edit.inputRejected.connect(rejected)
    edit.textChanged.connect(lambda text: _hide_under_limit(edit, len(text), limit))
    return edit


class CappedTextEdit(QPlainTextEdit):
    """A multi-line field holding at most `limit` characters (QPlainTextEdit has no maximum)."""

    def __init__(self, limit: int, label: str, text: str = "") -> None:
        super().__init__()
        self.limit = limit
        self.label = label
        self.textChanged.connect(self._trim)
        self.setPlainText(text)

    def length(self) -> int:
        """Characters held, without copying the text (the document counts a final paragraph
        separator)."""
        return self.document().characterCount() - 1

    def insertFromMimeData(self, source: QMimeData) -> None:
        """A paste (or a drop) is cut to the room left before it reaches the document."""
        if not source.hasText():
            return  # rich content: this field is plain text only
        text = source.text()
        room = self.limit - self.length() + len(self.textCursor().selectedText())
        if len(text) <= room:
            super().insertFromMimeData(source)
            return
        cut = QMimeData()
        cut.setText(text[: max(room, 0)])
        super().insertFromMimeData(cut)
        show_notice(self, cap_message(self.label, self.limit))

    def _trim(self) -> None:
        """Typing, a text set in code, or a paste counted in other units than Python's: cut
        what goes over the limit, at the end."""
        length = self.length()
        if length <= self.limit:
            _hide_under_limit(self, length, self.limit)
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.limit)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        show_notice(self, cap_message(self.label, self.limit))


def show_notice(edit: QWidget, message: str) -> None:
    """Show `message` right under the field, in the layout that holds it (a tool tip if
    the field is in none)."""
    notice = edit.property(NOTICE_NAME)
    if not isinstance(notice, QLabel):
        notice = _placed_notice(edit)
        if notice is None:
            edit.setToolTip(message)
            QToolTip.showText(edit.mapToGlobal(edit.rect().bottomLeft()), message, edit)
            return
        edit.setProperty(NOTICE_NAME, notice)
    notice.setText(message)
    notice.show()


def notice_of(edit: QWidget) -> QLabel | None:
    """The notice shown under `edit`, if it was ever capped (for the tests and the dialogs)."""
    notice = edit.property(NOTICE_NAME)
    return notice if isinstance(notice, QLabel) else None


def _hide_under_limit(edit: QWidget, length: int, limit: int) -> None:
    """Once the text is shorter than the limit again, the notice has done its work."""
    notice = notice_of(edit)
    if notice is not None and length < limit:
        notice.hide()


def _placed_notice(edit: QWidget) -> QLabel | None:
    """A new notice in the layout right under the field (under the combo box, for the line
    edit inside an editable combo); None if the field is in no layout."""
    anchor = edit
    while (parent := anchor.parentWidget()) is not None:
        layout = _layout_holding(parent.layout(), anchor)
        if layout is not None:
            return _inserted_notice(layout, anchor)
        anchor = parent
    return None


def _inserted_notice(layout: QBoxLayout | QFormLayout, anchor: QWidget) -> QLabel:
    notice = QLabel()
    notice.setObjectName(NOTICE_NAME)
    notice.setTextFormat(Qt.TextFormat.PlainText)
    notice.setWordWrap(True)
    if isinstance(layout, QBoxLayout):
        layout.insertWidget(layout.indexOf(anchor) + 1, notice)
    else:
        position: tuple[int, object] = layout.getWidgetPosition(anchor)  # type: ignore[assignment]
        layout.insertRow(position[0] + 1, "", notice)
    return notice


def _layout_holding(layout: QLayout | None, widget: QWidget) -> QBoxLayout | QFormLayout | None:
    """The (possibly nested) box or form layout in which `widget` sits directly."""
    if layout is None:
        return None
    if layout.indexOf(widget) >= 0 and isinstance(layout, (QBoxLayout, QFormLayout)):
        return layout
    for index in range(layout.count()):
        item = layout.itemAt(index)
        inner = item.layout() if item is not None else None
        found = _layout_holding(inner, widget)
        if found is not None:
            return found
    return None
