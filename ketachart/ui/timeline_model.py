"""The timeline as a table: time, kind, details, who. Corrected entries are struck through."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from ketachart.ui.timeline_rows import TimelineRow

HEADERS = ("Time", "Entry", "Details", "By")
Index = QModelIndex | QPersistentModelIndex


class TimelineTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: list[TimelineRow] = []

    def set_rows(self, rows: list[TimelineRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> TimelineRow:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.tr(HEADERS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (row.time_text, row.kind_text, row.details, row.who)[index.column()]
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
