"""The charting screen: fixed header, big entry buttons, the timeline and the vitals trend."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain import payloads as p
from ketachart.domain.events import EventRecord
from ketachart.domain.session_model import SessionModel
from ketachart.domain.timeline import SessionStatus, latest_version_id
from ketachart.errors import KetachartError
from ketachart.services import signing
from ketachart.services.alarms import set_alarm_muted
from ketachart.services.sessions import SessionView, view_session
from ketachart.ui.alarm import OverdueAlarm
from ketachart.ui.chart_actions import ENTRY_ACTIONS, EntryAction
from ketachart.ui.chart_header import ChartHeader, header_facts
from ketachart.ui.dialogs.correction_dialog import CorrectionDialog
from ketachart.ui.forms import EntryDialog
from ketachart.ui.notice import Notice, NoticeKind
from ketachart.ui.signing_dialogs import PasswordDialog
from ketachart.ui.timeline_model import TimelineTable, TimelineTableModel, timeline_table
from ketachart.ui.timeline_rows import timeline_rows
from ketachart.ui.trend_chart import TrendChart
from ketachart.ui.widgets import FormScrollArea, repeating_timer, tooltip_html
from ketachart.ui.workstation import Workstation

if TYPE_CHECKING:
    from ketachart.ui.export_actions import Outcome, PdfActions

SPLITTER_KEY = "chart/splitter"
TIMELINE_SHARE, TREND_SHARE = 500, 200
"""The split of the space under the header until the user moves it: most to the timeline."""
TIMELINE_ROWS_FIRST = 8
"""Rows the timeline keeps before the trend gets more than its minimum: on a short screen
(1280x720, banners and alerts showing) the trend yields height first."""


class ChartSplitter(QSplitter):
    """Timeline above, trend below. Until the user moves the handle (`chosen`), every resize
    splits the height anew: TIMELINE_SHARE to TREND_SHARE, except that the timeline keeps
    TIMELINE_ROWS_FIRST rows while the trend can shrink to its minimum."""

    def __init__(self, table: TimelineTable) -> None:
        super().__init__(Qt.Orientation.Vertical)
        self.table = table
        self.chosen = False
        self.setChildrenCollapsible(False)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self.chosen and self.count() == 2:
            self.setSizes(list(self.split(sum(self.sizes()))))

    def split(self, total: int) -> tuple[int, int]:
        """(timeline, trend) heights for `total` pixels."""
        trend = self.widget(1)
        assert trend is not None
        rows = self.table.row_height() * TIMELINE_ROWS_FIRST
        wanted = rows + self.table.horizontalHeader().sizeHint().height() + 4
        share = total * TREND_SHARE // (TIMELINE_SHARE + TREND_SHARE)
        height = max(min(share, total - wanted), trend.minimumSizeHint().height(), 0)
        height = max(height, trend.minimumHeight())
        return total - height, height


NEXT_STEP = "The next expected step"
NOT_ATTESTED = (
    "Not attested. The review queue shows this session as not attested; "
    "press Attest… [Ctrl+Shift+A] when you are ready to sign your charting."
)


def attested_by(view: SessionView, user_id: int) -> bool:
    """Whether this user has signed their charting of the session ('authored by')."""
    return any(
        isinstance(e.payload, p.Attestation) and e.recorded_by == user_id for e in view.events
    )


class ChartView(QWidget):
    """The chart of one session, shown from rows already read: building it reads and writes
    nothing. `ChartView.open` is the user's opening of a chart (read and audited)."""

    back_requested = Signal()

    @classmethod
    def open(cls, ws: Workstation, session_id: str, parent: QWidget | None = None) -> ChartView:
        """Open a chart: one action that reads it and audits the opening ("chart.view"),
        then the screen that shows it, its overdue alarm muted if someone muted it (read in
        the same transaction as the chart)."""
        return cls(ws, ws.act(view_session, session_id), parent)

    def __init__(self, ws: Workstation, view: SessionView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.session_id = ws, view.session.id
        self.view: SessionView = view
        self.active_dialog: EntryDialog[EventRecord] | None = None
        self.prompt: PasswordDialog | None = None
        """The attestation's password dialog while it is open."""
        self._pdf: PdfActions | None = None
        self.alarm = OverdueAlarm(muted=view.alarm_muted, parent=self)
        self.header = ChartHeader(self._make_record_buttons())
        self.header.mute.setChecked(view.alarm_muted)
        self.header.mute.clicked.connect(self.set_alarm_muted)  # a person's press only
        self.notice = Notice()
        self.model = TimelineTableModel()
        self.table = timeline_table(self.model)
        self.trend = TrendChart()
        self._layout()
        self._timer = repeating_timer(self, 1000, self.tick)
        self._timer.start()
        self.show_view()

    def _layout(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.header)
        outer.addWidget(self.notice)
        body = QHBoxLayout()
        # On a short screen (1280x720, banners showing) the lower entry buttons scroll
        # rather than being squeezed over each other; their keys work either way. The column
        # is as wide as its widest label, so no label is cut, and keeps that width whether
        # its scroll bar shows or not, so nothing beside it moves when alerts appear.
        panel = self._make_buttons()
        buttons = FormScrollArea(panel)
        bar = buttons.verticalScrollBar().sizeHint().width()
        buttons.setFixedWidth(panel.sizeHint().width() + bar)
        body.addWidget(buttons)
        body.addWidget(self._make_splitter(), stretch=1)
        outer.addLayout(body, stretch=1)

    def _make_splitter(self) -> ChartSplitter:
        """Timeline above, trend below; a split the user made is remembered per workstation."""
        splitter = ChartSplitter(self.table)
        splitter.addWidget(self.table)
        splitter.addWidget(self.trend)
        saved = self.ws.settings.value(SPLITTER_KEY)
        if isinstance(saved, QByteArray) and splitter.restoreState(saved):
            splitter.chosen = True
        splitter.splitterMoved.connect(lambda _pos, _index: self._remember_split(splitter))
        self.splitter = splitter
        return splitter

    def _remember_split(self, splitter: ChartSplitter) -> None:
        splitter.chosen = True
        self.ws.settings.setValue(SPLITTER_KEY, splitter.saveState())

    def _make_buttons(self) -> QWidget:
        panel = QWidget()
        grid = QGridLayout(panel)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.setSpacing(4)
        self.entry_buttons: dict[str, QPushButton] = {}
        for index, action in enumerate(ENTRY_ACTIONS):
            button = self._entry_button(action)
            self.entry_buttons[action.key] = button
            grid.addWidget(button, index // 2, index % 2)
        extra = len(ENTRY_ACTIONS)
        correct = self._button(self.tr("Correct…"), "Ctrl+E", self.correct_selected)
        back = self._button(self.tr("Board"), "Esc", self.back_requested.emit)
        grid.addWidget(correct, extra // 2 + 1, 0)
        grid.addWidget(back, extra // 2 + 1, 1)
        return panel

    def _make_record_buttons(self) -> QWidget:
        """What is done with the record as a whole: sign it, export it, print it (at the end
        of the stage band's line: a row of their own would take two timeline rows)."""
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.attest_button = self._button(self.tr("Attest…"), "Ctrl+Shift+A", self.attest)
        self.export_button = self._button(self.tr("Export PDF…"), "Ctrl+Shift+E", self.export)
        self.print_button = self._button(self.tr("Print…"), "Ctrl+P", self.print_summary)
        for button in (self.attest_button, self.export_button, self.print_button):
            button.setObjectName("recordButton")  # as tall as the stage band beside them
            row.addWidget(button)
        self.attest_button.setToolTip(self.tr("Sign your charting (“authored by”)"))
        return box

    def _entry_button(self, action: EntryAction) -> QPushButton:
        return self._button(self.tr(action.label), action.key, lambda: self.open_entry(action))

    def show_stage(self, model: SessionModel) -> None:
        """Enable only the entries valid now (a disabled one says why in its tooltip), name
        Pause or Resume as the state has it, and make the expected next step stand out."""
        for action in ENTRY_ACTIONS:
            variant = action.now(model.state)
            button = self.entry_buttons[action.key]
            button.setText(f"{self.tr(variant.label)}  [{action.key}]")
            allowed = model.availability(variant.kind)
            button.setEnabled(allowed.allowed)
            is_next = allowed.allowed and variant.kind is model.next_step
            why = allowed.why_not or (self.tr(NEXT_STEP) if is_next else "")
            button.setToolTip(tooltip_html(why))
            button.setAccessibleDescription(why)  # not by colour alone
            if button.property("nextStep") != is_next:
                button.setProperty("nextStep", is_next)
                button.style().unpolish(button)
                button.style().polish(button)

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
        self.table.show_rows(timeline_rows(self.view))  # the newest entry, or a new alert, in view
        self.trend.show_model(self.view.model(self.ws.now()))
        self.attest_button.setEnabled(self._may_attest())
        self.tick()

    def _may_attest(self) -> bool:
        return self.view.state.status is SessionStatus.DISCHARGED and not attested_by(
            self.view, self.ws.actor.id
        )

    def tick(self) -> None:
        now = self.ws.now()
        model = self.view.model(now)
        self.show_stage(model)
        facts = header_facts(self.view, model)
        self.header.show_facts(facts)
        self.alarm.update(facts.overdue, now)

    def set_alarm_muted(self, muted: bool) -> None:
        """Mute or unmute this session's overdue alarm: one audited action (alarm.mute or
        alarm.unmute); if it cannot be recorded, the switch goes back and says why."""
        try:
            self.ws.act(set_alarm_muted, self.session_id, muted)
        except KetachartError as error:
            self.header.mute.setChecked(not muted)
            self.show_notice(error.message, NoticeKind.ERROR)
            return
        self.alarm.set_muted(muted)

    def open_entry(self, action: EntryAction) -> EntryDialog[EventRecord] | None:
        """Open the dialog for `action`, or say why that entry cannot be charted now."""
        if self.active_dialog is not None and self.active_dialog.isVisible():
            return None
        if not self._can_chart(action):
            return None
        factory = action.factory(self.view.state)
        return self._open(factory(self.ws, self.session_id, self))

    def _can_chart(self, action: EntryAction) -> bool:
        """Whether the entry may be charted now; if not (a shortcut of a disabled button),
        the notice says why, in the rule's words."""
        allowed = self.view.model(self.ws.now()).availability(action.now(self.view.state).kind)
        if allowed.why_not is not None:
            self.show_notice(allowed.why_not, NoticeKind.WARNING)
            return False
        return True

    def _open(self, dialog: EntryDialog[EventRecord]) -> EntryDialog[EventRecord]:
        self.notice.hide()
        self.active_dialog = dialog
        dialog.finished.connect(self._on_dialog_finished)
        dialog.open()
        return dialog

    def _on_dialog_finished(self, _result: int) -> None:
        self.active_dialog = None
        was = self.view.state.status
        self.reload()
        if was is not SessionStatus.DISCHARGED and self._may_attest():
            self.attest()  # just discharged: the nurse signs their charting now, or declines

    def attest(self) -> PasswordDialog | None:
        """Ask for the password to sign one's charting ('authored by'); cancel declines."""
        if self.prompt is not None and self.prompt.isVisible():
            return None
        if not self._may_attest():
            self.show_notice(
                self.tr(
                    "Attest after discharge, once; this session is not open for your attestation."
                ),
                NoticeKind.WARNING,
            )
            return None
        session_id = self.session_id

        def attempt(password: str) -> object:
            proof = self.ws.prove(password, signing.ATTEST_PURPOSE)
            return self.ws.act(signing.attest, session_id, proof)

        text = (
            self.tr(
                "%s is discharged. Sign your charting of this session as “authored by”: "
                "type your password.\n\nCancel leaves it not attested; the review queue shows "
                "that, and you can attest later with Attest… [Ctrl+Shift+A]."
            )
            % self.view.patient.display_name
        )
        dialog = PasswordDialog(
            self, self.tr("Attest your charting"), text, self.tr("Attest"), attempt
        )
        dialog.finished.connect(lambda result: self._on_attest_finished(dialog, result))
        self.prompt = dialog
        dialog.open()
        return dialog

    def _on_attest_finished(self, dialog: PasswordDialog, result: int) -> None:
        if self.prompt is dialog:
            self.prompt = None
        dialog.deleteLater()
        self.reload()
        if result == PasswordDialog.DialogCode.Accepted:
            self.show_notice(
                self.tr("Attested: your charting is signed as “authored by”."), NoticeKind.SUCCESS
            )
        else:
            self.show_notice(self.tr(NOT_ATTESTED), NoticeKind.WARNING)

    @property
    def pdf(self) -> PdfActions:
        """Export and print (the report layer loads the first time they are used)."""
        if self._pdf is None:
            from ketachart.ui.export_actions import PdfActions

            self._pdf = PdfActions(self.ws, self)
        return self._pdf

    def export(self) -> Outcome | None:
        view = self.view
        outcome = self.pdf.export(view.session.id, view.patient.mrn, view.session.session_date)
        if outcome is not None:
            self.show_notice(outcome.text, outcome.kind)
        return outcome

    def print_summary(self) -> Outcome | None:
        outcome = self.pdf.print(self.session_id)
        if outcome is not None:
            self.show_notice(outcome.text, outcome.kind)
        return outcome

    def correct_selected(self) -> EntryDialog[EventRecord] | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.show_notice(self.tr("Select the entry to correct first."), NoticeKind.WARNING)
            return None
        row = self.model.row_at(rows[0].row())
        target = next(e for e in self.view.events if e.id == row.event_id)
        if not row.correctable:
            self.show_notice(
                self.tr("This entry cannot be corrected; add a note instead."), NoticeKind.WARNING
            )
            return None
        seen = latest_version_id(self.view.events, target.id)
        return self._open(CorrectionDialog(self.ws, self.session_id, target, seen, self))

    def show_notice(self, text: str, kind: NoticeKind) -> None:
        """Say what happened, in the style of its kind (success, warning or error)."""
        self.notice.show_message(text, kind)
