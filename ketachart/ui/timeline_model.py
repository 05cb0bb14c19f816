"""The timeline as a table: time, kind, details, who. Corrected entries are struck through."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHeaderView, QTableView

from ketachart.ui.row_model import RowTableModel, row_table
from ketachart.ui.timeline_rows import TimelineRow
from ketachart.ui.widgets import tooltip_html

HEADERS = ("Time", "Entry", "Details", "By")


class TimelineTableModel(RowTableModel[TimelineRow]):
    def __init__(self) -> None:
        super().__init__([self.tr(h) for h in HEADERS])

    def cell(self, row: TimelineRow, column: int, role: int) -> object:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (row.time_text, row.kind_text, row.details, row.who)[column]
        if role == Qt.ItemDataRole.ToolTipRole:  # typed text is shown as typed, not as HTML
            return tooltip_html((row.time_text, row.kind_text, row.details, row.who)[column])
        if role == Qt.ItemDataRole.FontRole:
            return self._font(row)
        return None

    def _font(self, row: TimelineRow) -> QFont | None:
        if not (row.struck or row.late or row.is_correction):
            return None
        font = QFont()
        font.setStrikeOut(row.struck)
        font.setItalic(row.late or row.is_correction)
        return font


def timeline_table(model: TimelineTableModel) -> QTableView:
    """The timeline as the chart and review screens show it: details take the spare width."""
    table = row_table(model, "Timeline")
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
    return table
