"""Today's board: every session of the day, most urgent first, counting down to the next check;
each row says which alerts are live, in the session model's words."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain.timeline import SessionStatus
from ketachart.errors import KetachartError
from ketachart.services.board import (
    DUE_RECOVERY,
    ELAPSED_INFUSION,
    BoardRow,
    board_rows,
    by_urgency,
    duration_words,
    format_duration,
)
from ketachart.services.changes import Changes
from ketachart.ui.notice import Notice, NoticeKind
from ketachart.ui.row_model import LinesDelegate, RowTableModel, row_table
from ketachart.ui.theme import ALERT_RED
from ketachart.ui.widgets import named_label, tooltip_html
from ketachart.ui.workstation import Workstation

log = logging.getLogger(__name__)
TICK_MS = 1000
"""Countdowns move on every second, from the rows shown (nothing is read or derived)."""
RELOAD_MS = 5_000
"""Other workstations' saves reach the board at the next reload: one query for the chain heads
of the day's sessions, and only the sessions whose head moved are read and derived again
(services.board), so it can look often. This workstation's saves come at once (`ws.changed`)."""
CHAIR, PATIENT, PROTOCOL, STATUS, ELAPSED, DUE, ALERTS = range(7)
COLUMNS = 7
SESSION_ID_ROLE = Qt.ItemDataRole.UserRole
ALERT_LINES = 2
"""The alerts cell shows this many lines (the row's height); the tooltip lists them all."""


class BoardTableModel(RowTableModel[BoardRow]):
    """The board's rows (plain BoardRow values) as a read-only table."""

    def __init__(self, parent: QObject | None = None) -> None:
        headers = (
            self.tr("Chair"),
            self.tr("Patient"),
            self.tr("Protocol"),
            self.tr("Status"),
            self.tr("Elapsed"),
            self.tr("Next due"),
            self.tr("Alerts"),
        )
        super().__init__(headers, parent)
        self._warning_icon = QApplication.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning
        )
        self._red = QBrush(QColor(ALERT_RED))
        self._white = QBrush(QColor("white"))
        self._status_text = {
            SessionStatus.SCHEDULED: self.tr("Scheduled"),
            SessionStatus.PRE_CHECKS: self.tr("Pre-checks"),
            SessionStatus.INFUSING: self.tr("Infusing"),
            SessionStatus.PAUSED: self.tr("Paused"),
            SessionStatus.RECOVERY: self.tr("Recovery"),
            SessionStatus.DISCHARGED: self.tr("Discharged"),
            SessionStatus.SIGNED: self.tr("Signed"),
        }

    def cell(self, row: BoardRow, column: int, role: int) -> object:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self._tooltip(row, column)
            return tooltip_html(tip) if tip else None
        if role == SESSION_ID_ROLE:
            return row.session_id
        return self._look(row, column, role)

    def set_rows(self, rows: Sequence[BoardRow]) -> None:
        """Show `rows`; the same sessions in the same order update in place (keeps selection)."""
        if [r.session_id for r in rows] == [r.session_id for r in self._rows]:
            self._rows = list(rows)
            self._changed_all()
            return
        super().set_rows(rows)

    def tick(self, now: datetime) -> None:
        """Move every countdown and running elapsed time on to `now`."""
        if not self._rows:
            return
        self._rows = [row.at(now) for row in self._rows]
        self._changed_all()

    def row_of(self, session_id: str) -> int | None:
        return self.find(lambda row: row.session_id == session_id)

    def _changed_all(self) -> None:
        if self._rows:
            last = self.index(len(self._rows) - 1, COLUMNS - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def _text(self, row: BoardRow, column: int) -> str:
        if column == CHAIR:
            return row.chair
        if column == PATIENT:
            return f"{row.patient_name}\n{row.mrn}"
        if column == PROTOCOL:
            return row.protocol_name
        if column == STATUS:
            return self._status_text.get(row.status, row.status_label)
        if column == ELAPSED:
            return self._elapsed_text(row)
        if column == DUE:
            return self._due_text(row)
        return self._alerts_text(row) if column == ALERTS else ""

    def _elapsed_text(self, row: BoardRow) -> str:
        if not row.elapsed_kind:
            return "—"
        label = self.tr("Infusion") if row.elapsed_kind == ELAPSED_INFUSION else self.tr("Recovery")
        return f"{label}\n{format_duration(row.elapsed)}"

    def _what(self, row: BoardRow) -> str:
        return self.tr("recovery check") if row.due_what == DUE_RECOVERY else self.tr("vitals")

    def _due_text(self, row: BoardRow) -> str:
        if row.seconds_until_due is None:
            return "—"
        if row.overdue:
            late = duration_words(timedelta(seconds=-row.seconds_until_due))
            return self.tr("OVERDUE: %s\n%s late") % (self._what(row), late)
        countdown = duration_words(timedelta(seconds=row.seconds_until_due))
        return self.tr("%s\nin %s") % (self._what(row).capitalize(), countdown)

    def alert_lines(self, row: BoardRow) -> list[str]:
        """Every live alert in the session model's words: an overdue check first."""
        overdue = [self.tr("%s overdue") % self._what(row).capitalize()] if row.overdue else []
        return [*overdue, *row.other_alerts]

    def _alerts_text(self, row: BoardRow) -> str:
        lines = self.alert_lines(row)
        if not lines:
            return self.tr("None")
        if len(lines) > ALERT_LINES:
            more = len(lines) - ALERT_LINES + 1
            lines = [*lines[: ALERT_LINES - 1], self.tr("+ %d more") % more]
        return "\n".join(lines)

    def _tooltip(self, row: BoardRow, column: int) -> str | None:
        if column == ALERTS:
            return "\n".join(self.alert_lines(row)) or None
        if column == PATIENT:
            return f"{row.patient_name}\n{row.mrn}"
        if column in (CHAIR, PROTOCOL):
            return self._text(row, column)
        return None

    def _look(self, row: BoardRow, column: int, role: int) -> object:
        overdue_cell = row.overdue and column == DUE
        alert_cell = column == ALERTS and row.alert_count > 0
        if role == Qt.ItemDataRole.DecorationRole and (overdue_cell or alert_cell):
            return self._warning_icon
        if role == Qt.ItemDataRole.BackgroundRole and overdue_cell:
            return self._red
        if role == Qt.ItemDataRole.ForegroundRole:
            if overdue_cell:
                return self._white
            if alert_cell or (row.overdue and column in (CHAIR, PATIENT)):
                return self._red
        if role == Qt.ItemDataRole.FontRole and (row.overdue or alert_cell):
            font = QFont()
            font.setBold(True)
            return font
        return None


class BoardView(QWidget):
    """'Today's board'. Counts down every second from the rows shown; refreshes at once when
    an action of this workstation changed a session, and every RELOAD_MS while shown for other
    workstations' saves; `refresh()` reloads at once. A refresh re-reads and re-derives only
    the sessions whose chain head moved (services.board): unchanged ones are moved on."""

    new_session_requested = Signal()
    open_session_requested = Signal(str)

    def __init__(self, ws: Workstation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.model = BoardTableModel(self)
        self._build()
        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(TICK_MS)
        self._tick_timer.timeout.connect(self.update_countdown)
        self._reload_timer = QTimer(self)
        self._reload_timer.setInterval(RELOAD_MS)
        self._reload_timer.timeout.connect(self.refresh)
        ws.actor_changed.connect(self.refresh)
        ws.changed.connect(self._on_ws_changed)
        self.refresh()

    def _on_ws_changed(self, _changes: Changes) -> None:
        if self.isVisible():
            self.refresh()  # hidden, it refreshes when shown again

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        self.title = named_label("headerName", self.tr("Today's board"))
        self.summary = named_label("boardSummary")
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.summary)
        layout.addLayout(header)
        self.message = Notice()
        layout.addWidget(self.message)
        layout.addWidget(self._build_table(), 1)
        layout.addLayout(self._build_buttons())

    def _build_table(self) -> QTableView:
        table = row_table(self.model, self.tr("Today's sessions"))
        table.setAlternatingRowColors(True)
        table.setTabKeyNavigation(False)
        table.setIconSize(QSize(24, 24))
        row_height = table.fontMetrics().lineSpacing() * 2 + 16
        table.verticalHeader().setDefaultSectionSize(row_height)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PATIENT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PROTOCOL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ALERTS, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(80)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._one_line_each = LinesDelegate(table)
        for column in (PATIENT, ALERTS):
            table.setItemDelegateForColumn(column, self._one_line_each)
        table.activated.connect(self._on_table_activated)
        table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table = table
        return table

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.new_button = QPushButton(self.tr("New session…"))
        self.open_button = QPushButton(self.tr("Open"))
        self.new_button.clicked.connect(self.new_session_requested)
        self.open_button.clicked.connect(self._on_open_clicked)
        row.addWidget(self.new_button)
        row.addStretch(1)
        row.addWidget(self.open_button)
        refresh = QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self)
        refresh.activated.connect(self.refresh)
        self._update_buttons()
        return row

    # --- loading and ticking -----------------------------------------------------------
    def refresh(self) -> None:
        """Reload today's sessions from the database (keeps the selected session): the
        sessions a save moved, here or on another workstation, are derived again."""
        if not self.ws.logged_in:
            self.model.set_rows([])
            self._update_summary()
            return
        now = self.ws.now()
        try:
            rows = self.ws.query(board_rows, self.ws.actor, now.astimezone().date(), now)
        except KetachartError as error:
            self._show_problem(error.message)
            return
        except Exception:
            log.exception("unexpected error while loading the board")
            self._show_problem(
                self.tr("Unexpected error loading the board. Details are in the log.")
            )
            return
        self.message.hide()
        self._show_rows(rows)

    def _show_rows(self, rows: list[BoardRow]) -> None:
        selected = self.selected_session_id()
        self.model.set_rows(rows)
        if selected is not None and self.selected_session_id() != selected:
            self.select_session(selected)
        self._update_summary()
        self._update_buttons()

    def update_countdown(self) -> None:
        """Move the countdowns on to the workstation clock (every second); a session whose
        check has just become overdue moves up at once."""
        now = self.ws.now()
        self._show_rows(by_urgency(row.at(now) for row in self.model.rows()))

    def _show_problem(self, text: str) -> None:
        self.message.show_message(
            self.tr("The board could not be updated: %s") % text, NoticeKind.ERROR
        )

    def _update_summary(self) -> None:
        rows = self.model.rows()
        day = self.ws.now().astimezone().date()
        self.title.setText(self.tr("Today's board — %s") % day.strftime("%a %d %b %Y"))
        if not rows:
            self.summary.setText(self.tr("No sessions today. Press “New session…” to open one."))
            return
        overdue = sum(1 for r in rows if r.overdue)
        alerting = sum(1 for r in rows if r.other_alerts)
        text = self.tr("%d session(s)") % len(rows)
        if overdue:
            text += " · " + self.tr("%d OVERDUE") % overdue
        if alerting:
            text += " · " + self.tr("%d with alerts") % alerting
        self.summary.setText(text)

    # --- selection and opening -----------------------------------------------------------
    def selected_session_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()).session_id if rows else None

    def select_session(self, session_id: str) -> bool:
        row = self.model.row_of(session_id)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    def _update_buttons(self, *_args: object) -> None:
        self.open_button.setEnabled(self.selected_session_id() is not None)

    def _on_open_clicked(self) -> None:
        session_id = self.selected_session_id()
        if session_id is not None:
            self.open_session_requested.emit(session_id)

    def _on_table_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_session_requested.emit(self.model.row_at(index.row()).session_id)

    # --- timers run only while the board is shown ------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self._tick_timer.start()
        self._reload_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._tick_timer.stop()
        self._reload_timer.stop()
        super().hideEvent(event)
