"""The timeline as a table: time, kind, details, who. One line per entry, so a long session
still shows many entries at once; the whole text is in the tooltip. Corrected entries are struck
through, late entries and corrections are in italics, readings that raised alerts are marked with
a background and a warning icon, entries new since a refused signature with another background
and "NEW" before their kind (colour is never the only signal)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QIcon, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from ketachart.ui.row_model import LINE_SEPARATOR, AnyIndex, RowTableModel, setup_row_table
from ketachart.ui.timeline_rows import TimelineRow
from ketachart.ui.widgets import tooltip_html

HEADERS = ("Time", "Entry", "Details", "By")
TIME, KIND, DETAILS, WHO = range(4)
ALERT_BACKGROUND = "#fde0e0"
"""A pale red behind a reading that raised alerts; dark text stays readable on it."""
NEW_BACKGROUND = "#fff1b8"
"""A pale yellow behind an entry charted after the signer's review (see TimelineRow.new)."""
NEW_MARK = "NEW · "
"""Before the kind of such an entry, so that it is marked without colour too."""
ROW_PADDING = 2
"""Pixels above and below the one line of a row, together: compact rows, so a 720-pixel
screen still shows eight of them under the banners."""
WHO_MAX_WIDTH = 220
"""A long name is cut (the tooltip has it) rather than taking the details' width."""
ICON_ROOM = 26
"""The width the warning icon takes in the time cell, with its gap."""
LINE_BREAK_MARK = " \u00b6 "
"""How a line break typed in a note shows in its one-line cell (the pilcrow is in every font)."""


class TimelineTableModel(RowTableModel[TimelineRow]):
    """Cells are worked out when the view asks for them (only the rows in sight are asked),
    from rows built once; fonts and the icon are made once per model, not once per cell."""

    def __init__(self) -> None:
        super().__init__([self.tr(h) for h in HEADERS])
        self._fonts: dict[tuple[bool, bool], QFont] = {}
        self._alert_icon: QIcon | None = None
        self._alert_brush = QBrush(QColor(ALERT_BACKGROUND))
        self._new_brush = QBrush(QColor(NEW_BACKGROUND))
        self._dark_text = QBrush(QColor("black"))

    def cell(self, row: TimelineRow, column: int, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            return _texts(row)[column]
        if role == Qt.ItemDataRole.AccessibleTextRole:  # a screen reader says the alerts too
            return self.full_text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:  # typed text is shown as typed, not as HTML
            return tooltip_html(self.full_text(row, column))
        if role == Qt.ItemDataRole.FontRole:
            return self._font(row)
        return self._marking(row, column, role)

    def _marking(self, row: TimelineRow, column: int, role: int) -> object:
        """The background, text colour and icon of a new entry or a reading with alerts (a
        new one's background wins; its alert icon stays)."""
        if not (row.alerts or row.new):
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._new_brush if row.new else self._alert_brush
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._dark_text
        if role == Qt.ItemDataRole.DecorationRole and column == TIME and row.alerts:
            return self.alert_icon()
        return None

    @staticmethod
    def full_text(row: TimelineRow, column: int) -> str:
        """A cell's whole text, as the tooltip shows it: the details with the reading's alerts."""
        text = _texts(row)[column]
        if column == DETAILS and row.alerts:
            text += "\nAlert: " + "\nAlert: ".join(row.alerts)
        return text

    def alert_icon(self) -> QIcon:
        """Qt's standard warning icon: drawn by the style, so it shows on any machine."""
        if self._alert_icon is None:
            style = QApplication.style()
            self._alert_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        return self._alert_icon

    def _font(self, row: TimelineRow) -> QFont | None:
        italic = row.late or row.is_correction
        if not (row.struck or italic):
            return None
        key = (row.struck, italic)
        if key not in self._fonts:
            font = QFont()
            font.setStrikeOut(row.struck)
            font.setItalic(italic)
            self._fonts[key] = font
        return self._fonts[key]

    def row_of(self, event_id: str) -> int | None:
        return self.find(lambda row: row.event_id == event_id)


def _texts(row: TimelineRow) -> tuple[str, str, str, str]:
    kind = NEW_MARK + row.kind_text if row.new else row.kind_text
    return (row.time_text, kind, row.details, row.who)


class OneLineDelegate(QStyledItemDelegate):
    """Every cell on one line: a line break typed in a note shows as ' ¶ ' instead of a second
    line cut in half by the row. Only the drawing changes; the cell's text (and its tooltip)
    is what was typed."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        super().initStyleOption(option, index)
        option.features &= ~QStyleOptionViewItem.ViewItemFeature.WrapText
        if LINE_SEPARATOR in option.text:
            option.text = option.text.replace(LINE_SEPARATOR, LINE_BREAK_MARK)


class TimelineTable(QTableView):
    """The timeline as the chart and review screens show it: one line per entry, all rows the
    same height, the details take the spare width and are cut with '…' (never wrapped, never
    widening the window). Nothing is measured over every row: the other columns are sized from
    their few distinct texts."""

    def __init__(self, model: TimelineTableModel) -> None:
        super().__init__()
        self.timeline = model
        setup_row_table(self, model, "Timeline")
        self.setWordWrap(False)
        self.setItemDelegate(OneLineDelegate(self))
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setMinimumSectionSize(1)
        rows.setDefaultSectionSize(self.row_height())
        columns = self.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        columns.setSectionResizeMode(DETAILS, QHeaderView.ResizeMode.Stretch)
        columns.setStretchLastSection(False)
        model.modelReset.connect(self.fit_columns)
        self.fit_columns()

    def row_height(self) -> int:
        return self.fontMetrics().height() + ROW_PADDING

    def sizeHintForRow(self, row: int) -> int:
        """One line, whatever the text: a call to resizeRowsToContents keeps rows uniform."""
        return self.row_height()

    def resizeRowsToContents(self) -> None:
        """Rows are one line, all alike: there is nothing to fit (a screen that asks for it,
        as the review screen does, keeps the uniform height, and asks nothing of 500 rows)."""

    def fit_columns(self) -> None:
        """Time, kind and author as wide as their widest text (the few distinct ones)."""
        rows = self.timeline.rows()
        italic = QFont(self.font())
        italic.setItalic(True)
        metrics = QFontMetrics(italic)  # italic is the widest the texts are drawn in
        margin = 2 * (self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1) + 8
        header = self.horizontalHeader()
        for column in (TIME, KIND, WHO):
            texts = {_texts(row)[column] for row in rows} | {HEADERS[column]}
            width = max(metrics.horizontalAdvance(text) for text in texts) + margin
            if column == TIME and any(row.alerts for row in rows):
                width += ICON_ROOM
            if column == WHO:
                width = min(width, WHO_MAX_WIDTH)
            header.resizeSection(column, width)

    # --- what is in view ----------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        """A table showing the newest entry keeps showing it when it grows or shrinks (the
        chart is laid out after its rows are set: the window, a notice, the splitter)."""
        bar = self.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum()
        super().resizeEvent(event)
        if at_bottom:
            self.updateGeometries()
            self.scrollToBottom()

    def show_rows(self, rows: list[TimelineRow]) -> None:
        """Show `rows` with the newest entry in view. An entry new since the rows shown before
        that raised alerts is selected and scrolled into view: the nurse who just saved it sees
        it marked. Otherwise the entry selected before stays selected."""
        before = {row.event_id for row in self.timeline.rows()}
        selected = self.selected_event_id()
        self.timeline.set_rows(rows)
        self.scrollToBottom()
        alerting = [r.event_id for r in rows if before and r.event_id not in before and r.alerts]
        if alerting:
            self.select_entry(alerting[-1])
        elif selected is not None:
            self._reselect(selected)

    def select_entry(self, event_id: str) -> bool:
        """Select an entry and scroll it into view (the least scrolling that shows it)."""
        row = self.timeline.row_of(event_id)
        if row is None:
            return False
        self.selectRow(row)
        self.scrollTo(self.timeline.index(row, TIME), QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def show_marked(self, event_id: str) -> bool:
        """Scroll an entry into view with nothing selected, so that its marking (a new entry's
        background) is what shows, not the selection's colour."""
        row = self.timeline.row_of(event_id)
        if row is None:
            return False
        self.clearSelection()
        self.scrollTo(self.timeline.index(row, TIME), QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def _reselect(self, event_id: str) -> None:
        """Select the entry again without scrolling to it."""
        row = self.timeline.row_of(event_id)
        if row is not None:
            flags = (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
            self.selectionModel().select(self.timeline.index(row, TIME), flags)

    def selected_event_id(self) -> str | None:
        chosen = self.selectionModel().selectedRows()
        return self.timeline.row_at(chosen[0].row()).event_id if chosen else None

    def visible_rows(self) -> range:
        """The rows wholly in view."""
        height = self.viewport().height()
        first = self.rowAt(0)
        if first < 0:
            return range(0)
        if self.rowViewportPosition(first) < 0:
            first += 1
        last = first
        while last + 1 < self.timeline.rowCount() and (
            self.rowViewportPosition(last + 1) + self.rowHeight(last + 1) <= height
        ):
            last += 1
        return range(first, last + 1)


def timeline_table(model: TimelineTableModel) -> TimelineTable:
    """The timeline as the chart and review screens show it: details take the spare width."""
    return TimelineTable(model)
