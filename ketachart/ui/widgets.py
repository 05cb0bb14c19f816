"""Small widgets and helpers shared by the charting dialogs."""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Generic, TypeVar

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain import limits
from ketachart.domain.allergies import AllergyStatus
from ketachart.ui.length_cap import CappedTextEdit, cap_line
from ketachart.ui.theme import ALERT_RED, OK_GREEN

E = TypeVar("E", bound=StrEnum)

ALLERGY_LABEL_NAMES: dict[AllergyStatus, str] = {
    AllergyStatus.LISTED: "allergies",
    AllergyStatus.NONE_KNOWN: "noAllergies",
    AllergyStatus.NOT_RECORDED: "allergiesNotRecorded",
}
"""The style of each allergy state: the object name of the label that shows it, which the
theme's style sheet styles (kept out of the theme, which the login window loads first)."""

# Check boxes and radio buttons big enough to hit at arm's length (the theme sizes the rest).
DIALOG_STYLE = f"""
QCheckBox::indicator, QRadioButton::indicator {{ width: 24px; height: 24px; }}
QCheckBox, QRadioButton {{ spacing: 10px; min-height: 36px; }}
QLabel#dischargeSummary, QLabel#doseInfo {{ font-weight: bold; }}
QLabel#dischargeCondition[blocking="true"] {{ color: {ALERT_RED}; }}
QLabel#dischargeCondition[blocking="false"] {{ color: {OK_GREEN}; }}
"""


def enum_label(value: str) -> str:
    """A stored vocabulary value as words: 'stopped_early' -> 'Stopped early'."""
    text = value.replace("_", " ")
    return text[:1].upper() + text[1:]


def number_text(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 35.000 -> '35', 0.750 -> '0.75'."""
    if not value.is_finite():
        return str(value)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class EnumCombo(QComboBox, Generic[E]):
    """A combo of enum members shown by label; optionally starting on a 'choose' entry."""

    def __init__(
        self,
        members: Iterable[E],
        accessible_name: str,
        *,
        labels: dict[E, str] | None = None,
        placeholder: str | None = None,
        current: E | None = None,
    ) -> None:
        super().__init__()
        self.setAccessibleName(accessible_name)
        self._members: list[E | None] = []
        if placeholder is not None:
            self.addItem(placeholder)
            self._members.append(None)
        for member in members:
            self.addItem((labels or {}).get(member) or enum_label(member.value))
            self._members.append(member)
        if current is not None:
            self.set_value(current)

    def value(self) -> E | None:
        index = self.currentIndex()
        return self._members[index] if 0 <= index < len(self._members) else None

    def set_value(self, member: E | None) -> None:
        if member in self._members:
            self.setCurrentIndex(self._members.index(member))


class ChoiceCombo(QComboBox):
    """A combo of (label, value) choices, for values that are not enum members."""

    def __init__(self, choices: Sequence[tuple[str, object]], accessible_name: str) -> None:
        super().__init__()
        self.setAccessibleName(accessible_name)
        for label, value in choices:
            self.addItem(label, value)

    def value(self) -> object:
        return self.currentData()

    def set_value(self, value: object) -> None:
        index = self.findData(value)
        if index >= 0:
            self.setCurrentIndex(index)


def line_edit(
    accessible_name: str, text: str = "", placeholder: str = "", *, max_len: int | None = None
) -> QLineEdit:
    """A one-line field; `max_len` (the validator's limit, domain.limits) caps what it holds."""
    edit = QLineEdit(text)
    edit.setAccessibleName(accessible_name)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    if max_len is not None:
        cap_line(edit, max_len, accessible_name)
    return edit


def secret_edit(accessible_name: str) -> QLineEdit:
    """A password box: what is typed is not shown, and it holds at most a password's limit."""
    edit = line_edit(accessible_name, max_len=limits.PASSWORD)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def editable_combo(
    items: Sequence[str], accessible_name: str, text: str = "", *, max_len: int
) -> QComboBox:
    """A combo offering common values that also takes any typed text (at most `max_len`)."""
    combo = QComboBox()
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.addItems(list(items))
    combo.setCurrentIndex(-1)
    combo.setEditText(text)
    combo.setAccessibleName(accessible_name)
    line = combo.lineEdit()
    if line is not None:
        line.setAccessibleName(accessible_name)
        cap_line(line, max_len, accessible_name)
    return combo


def multiline_edit(accessible_name: str, text: str = "", *, max_len: int) -> CappedTextEdit:
    """Multi-line text where Tab moves on (keyboard-only use) and Ctrl+Enter saves, holding at
    most `max_len` characters (the validator's limit, domain.limits)."""
    edit = CappedTextEdit(max_len, accessible_name, text)
    edit.setAccessibleName(accessible_name)
    edit.setTabChangesFocus(True)
    edit.setMinimumHeight(120)
    return edit


def info_label(text: str = "", name: str = "formInfo") -> QLabel:
    """Read-only information in the form (dose it means, plan, delivered so far)."""
    label = named_label(name, text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def add_save_shortcut(dialog: QDialog) -> None:
    """Ctrl+Enter saves from anywhere, including inside multi-line fields."""
    for keys in ("Ctrl+Return", "Ctrl+Enter"):
        shortcut = QShortcut(QKeySequence(keys), dialog)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(dialog.accept)


def fit_to_screen(dialog: QDialog) -> None:
    """Open at the size the form asks for, within the screen (adjustSize() stops at 2/3 of
    it, which squeezes a two-column form on a 1366x768 bedside screen)."""
    hint = dialog.sizeHint().expandedTo(dialog.minimumSizeHint())
    screen = dialog.screen().availableGeometry()
    dialog.resize(
        min(hint.width(), screen.width() * 19 // 20), min(hint.height(), screen.height() * 19 // 20)
    )


def grow_to_fit(dialog: QDialog) -> None:
    """Grow an open dialog when messages appear in it, so that no wrapped line is cut off
    (Qt does not grow a window for text that wraps). It never shrinks, to keep the nurse's
    place; it stays within the screen."""
    layout = dialog.layout()
    if layout is None or not dialog.isVisible():
        return  # not open yet: it is sized when shown
    layout.activate()
    width = max(dialog.width(), layout.minimumSize().width())
    needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else 0
    needed = max(needed, layout.totalSizeHint().height(), layout.totalMinimumSize().height())
    screen = dialog.screen().availableGeometry().height() * 19 // 20
    if needed > dialog.height():
        dialog.resize(width, min(needed, max(screen, dialog.height())))
    keep_on_screen(dialog)


def keep_on_screen(window: QWidget) -> None:
    """Keep a window, frame included, within its screen's available area: never larger
    (the content scrolls or elides instead), and moved back in if it sticks out (a dialog
    centred on its parent, or grown by an error message). Call it once the window is shown,
    when the frame's size is known."""
    area = window.screen().availableGeometry()
    frame = window.frameGeometry()
    extra = frame.size() - window.geometry().size()
    largest = QSize(area.width() - extra.width(), area.height() - extra.height())
    window.setMaximumSize(largest)
    size = window.size().boundedTo(largest)
    if size != window.size():
        window.resize(size)
    outer = QRect(frame.topLeft(), size + extra)
    left = min(max(outer.left(), area.left()), area.right() + 1 - outer.width())
    top = min(max(outer.top(), area.top()), area.bottom() + 1 - outer.height())
    if (left, top) != (outer.left(), outer.top()):
        window.move(left, top)


class ScreenFittedDialog(QDialog):
    """A form dialog sized to its form the first time it shows (within the screen, see
    fit_to_screen) and kept on screen every time it shows (keep_on_screen)."""

    _sized = False

    def showEvent(self, event: QShowEvent) -> None:
        if not self._sized:
            self._sized = True
            fit_to_screen(self)
        super().showEvent(event)
        keep_on_screen(self)


class FormScrollArea(QScrollArea):
    """A form that scrolls when the screen is too small for it, and only then: its size
    hint is the whole form's (a scroll area's own hint stops at 24 lines), its minimum is a
    few lines, so a dialog opens at the form's size and a small screen shrinks the form
    rather than pushing the message and the buttons below it off the screen."""

    def __init__(self, content: QWidget) -> None:
        super().__init__()
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # a child timer: it dies with the scroll area, so no fix-up runs after a dialog closed
        self._unclip_timer = QTimer(self)
        self._unclip_timer.setSingleShot(True)
        self._unclip_timer.setInterval(0)
        self._unclip_timer.timeout.connect(self._unclip_wrapped_labels)
        content.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        relayout = event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest)
        if watched is self.widget() and relayout and not self._unclip_timer.isActive():
            self._unclip_timer.start()
        return False

    def reveal(self, widget: QWidget) -> None:
        """Scroll `widget` into sight once the form has laid out the error lines just shown
        (setFocus does not scroll; the rows move when the errors appear)."""
        QTimer.singleShot(0, self, lambda: self.ensureWidgetVisible(widget))

    def _unclip_wrapped_labels(self) -> None:
        """Give every wrapped label the height its lines need. A form row holding a field
        with its error under it can be laid out a line short (Qt's nested height-for-width
        is approximate), which cuts the error's second line."""
        content = self.widget()
        if content is None:
            return
        for label in content.findChildren(QLabel):
            if label.wordWrap() and label.isVisible() and label.text():
                needed = label.heightForWidth(label.width())
                if needed > label.height():
                    label.setMinimumHeight(needed)

    def _content_size(self) -> QSize:
        """The form's size at the width it will have: the viewport's once shown, before that
        at least the window's minimum width (wrapped text is shorter when wider)."""
        content = self.widget()
        if content is None:
            return QSize(0, 0)
        if not self.isVisible():  # rows added since the form was last measured
            for widget in content.findChildren(QWidget):
                widget.updateGeometry()
        hint = content.sizeHint().expandedTo(content.minimumSizeHint())
        scrollbar = self.verticalScrollBar().sizeHint().width()
        window = self.window()
        outer = window.layout()
        margins = outer.contentsMargins() if outer is not None else None
        sides = margins.left() + margins.right() if margins is not None else 0
        width = max(hint.width(), window.minimumWidth() - sides - scrollbar)
        if self.isVisible():
            width = max(width, self.viewport().width())
        if not content.hasHeightForWidth():
            return QSize(width, hint.height())
        return QSize(width, content.heightForWidth(width))

    def sizeHint(self) -> QSize:
        scrollbar = self.verticalScrollBar().sizeHint().width()
        return self._content_size() + QSize(scrollbar, 0)

    def minimumSizeHint(self) -> QSize:
        content = self.widget()
        width = content.minimumSizeHint().width() if content is not None else 0
        scrollbar = self.verticalScrollBar().sizeHint().width()
        lines = self.fontMetrics().lineSpacing() * 4
        return QSize(width + scrollbar, min(lines, self._content_size().height()))


def set_form_tab_order(dialog: QDialog, buttons: QDialogButtonBox) -> None:
    """Tab goes through the form top to bottom, then to the dialog's buttons."""
    chain = [*form_inputs(dialog), *buttons.buttons()]
    for first, second in itertools.pairwise(chain):
        QWidget.setTabOrder(first, second)


def form_inputs(dialog: QWidget) -> list[QWidget]:
    """The dialog's inputs in reading order (form rows top to bottom, left column first)."""
    layout = dialog.layout()
    return list(_focusable(layout)) if layout is not None else []


def _focusable(layout: QLayout) -> Iterator[QWidget]:
    for widget in _layout_widgets(layout):
        if isinstance(widget, QDialogButtonBox):
            continue
        if isinstance(widget, QScrollArea):
            content = widget.widget()
            inside = content.layout() if content is not None else None
            if inside is not None:
                yield from _focusable(inside)
            continue
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and not isinstance(widget, QLabel):
            yield widget
        inner = widget.layout()
        if inner is not None:
            yield from _focusable(inner)


def _layout_widgets(layout: QLayout) -> Iterator[QWidget]:
    """The widgets of a layout in reading order (form rows top to bottom)."""
    for item in _layout_items(layout):
        widget, inner = item.widget(), item.layout()
        if widget is not None:
            yield widget
        elif inner is not None:
            yield from _layout_widgets(inner)


def _layout_items(layout: QLayout) -> Iterator[QLayoutItem]:
    if not isinstance(layout, QFormLayout):
        items = (layout.itemAt(i) for i in range(layout.count()))
        yield from (item for item in items if item is not None)
        return
    roles = (
        QFormLayout.ItemRole.LabelRole,
        QFormLayout.ItemRole.FieldRole,
        QFormLayout.ItemRole.SpanningRole,
    )
    for row in range(layout.rowCount()):
        for role in roles:
            item = layout.itemAt(row, role)
            if item is not None:
                yield item


def plain_label(text: str = "", name: str = "", *, wrap: bool = False) -> QLabel:
    """A label that shows its text exactly as given. Every label of the application is made
    here (or by `named_label`, `info_label`, `add_row`): Qt's default (AutoText) would render
    anything that looks like HTML, so a typed "<b>" would turn bold and "< 2" vanish."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(wrap)
    return label


def named_label(object_name: str, text: str = "") -> QLabel:
    """A plain-text label the style sheet can find by name (banners, field errors, headings)."""
    return plain_label(text, object_name)


def add_row(form: QFormLayout, text: str, field: QWidget | QLayout) -> QLabel | None:
    """A form row labelled in plain text (QFormLayout.addRow(str, ...) makes an AutoText
    label); an empty `text` adds the field alone in the field column, as addRow("", ...)."""
    return insert_row(form, -1, text, field)


def add_field_row(form: QFormLayout, text: str, field: QWidget) -> QLabel:
    """A labelled field with its own error line under it, hidden until there is an error;
    returns the error line."""
    error = named_label("fieldError")
    error.setWordWrap(True)
    error.hide()
    column = QWidget()
    box = QVBoxLayout(column)
    box.setContentsMargins(0, 0, 0, 0)
    box.addWidget(field)
    box.addWidget(error)
    add_row(form, text, column)
    return error


def insert_row(form: QFormLayout, row: int, text: str, field: QWidget | QLayout) -> QLabel | None:
    if not text:
        form.insertRow(row, "", field)
        return None
    label = plain_label(text)
    if isinstance(field, QWidget):
        label.setBuddy(field)
    form.insertRow(row, label, field)
    return label


def tooltip_html(text: str) -> str:
    """A tooltip that shows `text` exactly: Qt reads a tooltip that looks like HTML as rich
    text, so it is escaped, its spaces, tabs and line breaks kept (an empty text: no tip)."""
    if not text:
        return ""
    return f'<p style="white-space:pre-wrap">{html.escape(text, quote=False)}</p>'


def repeating_timer(parent: QObject, milliseconds: int, slot: Callable[[], None]) -> QTimer:
    timer = QTimer(parent)
    timer.setInterval(milliseconds)
    timer.timeout.connect(slot)
    return timer


class ElidedLabel(QLabel):
    """One line of plain text cut with "…" to the width it is given (never widening its
    window); the whole text is in the tooltip."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.full_text = ""

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(tooltip_html(text))
        self._elide()

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("M…"), super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        """The whole text up to about 32 characters: a long name does not widen the window,
        it is cut instead."""
        metrics = self.fontMetrics()
        width = min(metrics.horizontalAdvance(self.full_text), metrics.averageCharWidth() * 32)
        return QSize(width + 4, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        self.setText(metrics.elidedText(self.full_text, Qt.TextElideMode.ElideRight, self.width()))
