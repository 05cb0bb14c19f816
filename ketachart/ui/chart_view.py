"""The charting screen: fixed header, big entry buttons, the timeline and the vitals trend."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain.rules import check_can_chart
from ketachart.domain.timeline import latest_version_id
from ketachart.errors import KetachartError
from ketachart.services.sessions import SessionView, view_session
from ketachart.ui.chart_actions import ENTRY_ACTIONS, EntryAction
from ketachart.ui.chart_header import ChartHeader, header_facts
from ketachart.ui.dialogs.correction_dialog import CorrectionDialog
from ketachart.ui.forms import EntryDialog
from ketachart.ui.timeline_model import TimelineTableModel
from ketachart.ui.timeline_rows import timeline_rows
from ketachart.ui.trend_chart import TrendChart
from ketachart.ui.widgets import named_label, repeating_timer
from ketachart.ui.workstation import Workstation

BEEP_EVERY_SECONDS = 30


class ChartView(QWidget):
    back_requested = Signal()

    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.session_id = ws, session_id
        self.view: SessionView = ws.act(view_session, session_id)
        self.active_dialog: EntryDialog | None = None
        self._seconds_overdue = 0
        self.header = ChartHeader()
        self.notice = named_label("warningBanner")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.model = TimelineTableModel()
        self.table = self._make_table()
        self.trend = TrendChart()
        self._layout()
        self._timer = repeating_timer(self, 1000, self.tick)
        self._timer.start()
        self.show_view()

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setWordWrap(True)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.setAccessibleName("Timeline")
        return table

    def _layout(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.header)
        outer.addWidget(self.notice)
        body = QHBoxLayout()
        body.addWidget(self._make_buttons())
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.trend)
        splitter.setSizes([400, 220])
        body.addWidget(splitter, stretch=1)
        outer.addLayout(body, stretch=1)

    def _make_buttons(self) -> QWidget:
        panel = QWidget()
        grid = QGridLayout(panel)
        for index, action in enumerate(ENTRY_ACTIONS):
            grid.addWidget(self._entry_button(action), index // 2, index % 2)
        extra = len(ENTRY_ACTIONS)
        correct = self._button(self.tr("Correct…"), "Ctrl+E", self.correct_selected)
        back = self._button(self.tr("Board"), "Esc", self.back_requested.emit)
        grid.addWidget(correct, extra // 2 + 1, 0)
        grid.addWidget(back, extra // 2 + 1, 1)
        return panel

    def _entry_button(self, action: EntryAction) -> QPushButton:
        return self._button(self.tr(action.label), action.key, lambda: self.open_entry(action))

    def _button(self, label: str, key: str, slot: object) -> QPushButton:
        button = QPushButton(f"{label}  [{key}]")
        button.setObjectName("eventButton")
        button.clicked.connect(slot)
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
        return button

    def reload(self) -> None:
        """Re-read the chart after an entry (the opening view was the audited one)."""
        self.view = self.ws.act(view_session, self.session_id, audited=False)
        self.show_view()

    def show_view(self) -> None:
        self.model.set_rows(timeline_rows(self.view))
        self.table.resizeRowsToContents()
        self.table.scrollToBottom()
        self.trend.show_state(self.view.state)
        self.tick()

    def tick(self) -> None:
        facts = header_facts(self.view, self.ws.now())
        self.header.show_facts(facts)
        self._seconds_overdue = self._seconds_overdue + 1 if facts.overdue else 0
        if facts.overdue and self._seconds_overdue % BEEP_EVERY_SECONDS == 1:
            self._sound_overdue()

    def _sound_overdue(self) -> None:
        if not self.header.mute.isChecked():
            QApplication.beep()

    def open_entry(self, action: EntryAction) -> EntryDialog | None:
        """Open the dialog for `action`, or say why that entry cannot be charted now."""
        if self.active_dialog is not None and self.active_dialog.isVisible():
            return None
        if action.kind is not None and not self._can_chart(action):
            return None
        factory = action.factory(self.view.state)
        return self._open(factory(self.ws, self.session_id, self))

    def _can_chart(self, action: EntryAction) -> bool:
        assert action.kind is not None
        try:
            check_can_chart(self.view.state, action.kind)
        except KetachartError as error:
            self.show_notice(error.message)
            return False
        return True

    def _open(self, dialog: EntryDialog) -> EntryDialog:
        self.notice.hide()
        self.active_dialog = dialog
        dialog.finished.connect(self._on_dialog_finished)
        dialog.open()
        return dialog

    def _on_dialog_finished(self, _result: int) -> None:
        self.active_dialog = None
        self.reload()

    def correct_selected(self) -> EntryDialog | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.show_notice(self.tr("Select the entry to correct first."))
            return None
        row = self.model.row_at(rows[0].row())
        target = next(e for e in self.view.events if e.id == row.event_id)
        if not row.correctable:
            self.show_notice(self.tr("This entry cannot be corrected; add a note instead."))
            return None
        seen = latest_version_id(self.view.events, target.id)
        return self._open(CorrectionDialog(self.ws, self.session_id, target, seen, self))

    def show_notice(self, text: str) -> None:
        self.notice.setText("ⓘ " + text)
        self.notice.show()
