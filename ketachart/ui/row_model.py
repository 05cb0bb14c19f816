"""Plain frozen rows shown as a read-only table: the part every list screen shares."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

RowT = TypeVar("RowT")
AnyIndex = QModelIndex | QPersistentModelIndex


class RowTableModel(QAbstractTableModel, Generic[RowT]):
    """Rows in, cells out. Subclasses say what a cell shows for a role (`cell`)."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = tuple(headers)
        self._rows: list[RowT] = []

    def cell(self, row: RowT, column: int, role: int) -> object:
        raise NotImplementedError

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        horizontal = orientation is Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self.cell(self._rows[index.row()], index.column(), role)

    def set_rows(self, rows: Sequence[RowT]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[RowT]:
        return list(self._rows)

    def row_at(self, row: int) -> RowT:
        return self._rows[row]

    def find(self, matches: Callable[[RowT], bool]) -> int | None:
        """The number of the first row that `matches`, if any."""
        return next((n for n, row in enumerate(self._rows) if matches(row)), None)


class LinesDelegate(QStyledItemDelegate):
    """Each line of the cell on one line, cut with '…' when too long, never wrapped: a long
    name cannot push the MRN (the next line) out of a fixed-height row, nor make a row so tall
    that it hides the others. The tooltip has the whole text."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        super().initStyleOption(option, index)
        option.features &= ~QStyleOptionViewItem.ViewItemFeature.WrapText


LINE_SEPARATOR = "\u2028"
"""What the item delegate makes of a line break in a cell's text."""


class NameLineDelegate(QStyledItemDelegate):
    """The cell's first line (a name) on one line, cut with '…' when too long; the lines
    under it (MRN, date of birth) wrap as usual. A long name then takes one line, not a tall
    row that hides the rows under it. The tooltip has the whole name."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        super().initStyleOption(option, index)
        first, newline, rest = option.text.partition(LINE_SEPARATOR)
        style = option.widget.style() if option.widget is not None else QApplication.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, option) + 1
        width = option.rect.width() - 2 * margin
        if width > 0:
            first = option.fontMetrics.elidedText(first, Qt.TextElideMode.ElideRight, width)
            option.text = first + newline + rest


def row_table(model: QAbstractTableModel, accessible_name: str) -> QTableView:
    """A read-only table that selects one whole row at a time (the list screens' shared set-up;
    each screen then sizes its columns)."""
    return setup_row_table(QTableView(), model, accessible_name)


TableT = TypeVar("TableT", bound=QTableView)


def setup_row_table(table: TableT, model: QAbstractTableModel, accessible_name: str) -> TableT:
    """Set up `table` (a QTableView or a subclass of it) as `row_table` does."""
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(True)
    table.verticalHeader().hide()
    table.setAccessibleName(accessible_name)
    return table
