"""The physician's review: discharged sessions waiting for a signature, oldest first, each with
what needs attention; the selected one's complete summary (what the PDF prints) and its full
timeline; and signing, addenda, export and print.

A signature covers the chart as this screen showed it (the head of the rows it rendered). If
entries were charted since (another workstation's correction), the signature is refused and
the session is shown again with the new entries marked, to review before signing again.

Nurses may open it to read, export, print and add addenda; only a physician signs (the
buttons say so, and the signing service refuses anyone else anyway).
"""

from __future__ import annotations

import logging
from typing import TypeVar

from PySide6.QtCore import (
    QObject,
    QSize,
    Qt,
)
from PySide6.QtGui import QIcon, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain import payloads as p
from ketachart.domain.reviewed import ChartChangedSinceReview, reviewed_head
from ketachart.domain.vocab import Role, SessionStatus
from ketachart.errors import KetachartError
from ketachart.reports.export import SessionSummary, session_summary
from ketachart.services import signing
from ketachart.services.changes import Changes
from ketachart.services.review import ReviewRow, review_queue, unsigned_addenda
from ketachart.ui.export_actions import Outcome, PdfActions
from ketachart.ui.notice import Notice, NoticeKind
from ketachart.ui.row_model import NameLineDelegate, RowTableModel, row_table
from ketachart.ui.signing_dialogs import AddendumDialog, AttemptDialog, PasswordDialog
from ketachart.ui.summary_html import SummaryBrowser
from ketachart.ui.timeline_model import TimelineTableModel, timeline_table
from ketachart.ui.timeline_rows import timeline_rows
from ketachart.ui.widgets import named_label, tooltip_html
from ketachart.ui.workstation import Workstation

log = logging.getLogger(__name__)
D = TypeVar("D", bound=AttemptDialog)
PATIENT, DISCHARGED, FLAGS = range(3)
HEADERS = ("Patient", "Discharged", "Needs review")
ONLY_PHYSICIANS = "Only physicians sign"
NOTHING_FLAGGED = "Nothing flagged"
SIGNED_NOTHING_WAITING = "Signed; nothing waiting"
STYLE = """
QLabel#roleNote { color: #5b6570; }
"""


def flag_lines(row: ReviewRow) -> list[str]:
    """What needs the reviewer's attention, one item a line, in words (the cell's icon, a
    warning or a tick, marks the row). A signed session was reviewed as a whole: only its
    addenda still to sign are listed."""
    if row.status is SessionStatus.SIGNED:
        count = row.flags.unsigned_addenda
        if not count:
            return [SIGNED_NOTHING_WAITING]
        return [f"Signed; {count} {'addendum' if count == 1 else 'addenda'} to sign"]
    lines = list(row.flags.labels())
    return lines or [NOTHING_FLAGGED]


def needs_attention(row: ReviewRow) -> bool:
    """Whether the row is marked with the warning icon rather than the tick."""
    return flag_lines(row)[0] not in (NOTHING_FLAGGED, SIGNED_NOTHING_WAITING)


def queue_title(rows: list[ReviewRow]) -> str:
    """The queue's heading: the sessions waiting for a signature (a signed session's addendum
    counts; a signed session listed only to add an addendum does not), and those listed."""
    waiting = sum(1 for row in rows if row.waiting_for_signature)
    title = (
        f"Review queue — {waiting} waiting for a physician's signature, oldest first"
        if waiting
        else "Review queue — nothing waiting for a signature"
    )
    listed = len(rows) - waiting
    if listed:
        title += f" · {listed} signed also listed"
    return title


class ReviewTableModel(RowTableModel[ReviewRow]):
    """The queue (plain ReviewRow values) as a read-only table."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr(h) for h in HEADERS], parent)
        style = QApplication.style()
        self._warning = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self._ok = style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton)

    def row_of(self, session_id: str) -> int | None:
        return self.find(lambda row: row.session_id == session_id)

    def cell(self, row: ReviewRow, column: int, role: int) -> object:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_html(self._text(row, column))
        if role == Qt.ItemDataRole.DecorationRole and column == FLAGS:
            return self._icon(row)
        return None

    def _text(self, row: ReviewRow, column: int) -> str:
        if column == PATIENT:
            patient = row.patient
            return (
                f"{patient.display_name}\nMRN {patient.mrn} · DOB "
                f"{patient.date_of_birth.isoformat()}\n{row.protocol_name}"
            )
        if column == DISCHARGED:
            local = row.discharged_at.astimezone()
            return f"{local:%a %d %b}\n{local:%H:%M}"
        return "\n".join(flag_lines(row))

    def _icon(self, row: ReviewRow) -> QIcon:
        return self._warning if needs_attention(row) else self._ok


class ReviewView(QWidget):
    """'Review (F4)'. `prompt` is the password or addendum dialog while one is open; `pdf`
    holds the export and print actions (their questions can be answered by tests)."""

    def __init__(self, ws: Workstation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setStyleSheet(STYLE)
        self.model = ReviewTableModel(self)
        self.timeline = TimelineTableModel()
        self.current: SessionSummary | None = None
        self.prompt: QDialog | None = None
        self.pdf = PdfActions(ws, self)
        self._build()
        ws.actor_changed.connect(self.reset)
        ws.changed.connect(self._on_ws_changed)
        self.reset()

    # --- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = named_label("headerName", self.tr("Review queue"))
        self.role_note = named_label("roleNote")
        self.role_note.setWordWrap(True)
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.role_note)
        layout.addLayout(top)
        self.notice = Notice()
        layout.addWidget(self.notice)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._build_queue())
        splitter.addWidget(self._build_details())
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([520, 846])
        layout.addWidget(splitter, 1)

    def _build_queue(self) -> QWidget:
        panel = QWidget()
        box = QVBoxLayout(panel)
        box.setContentsMargins(0, 0, 0, 0)
        table = row_table(self.model, self.tr("Sessions waiting for review"))
        table.setAlternatingRowColors(True)
        table.setTabKeyNavigation(False)
        table.setIconSize(QSize(22, 22))
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PATIENT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(FLAGS, QHeaderView.ResizeMode.Stretch)
        self._name_line = NameLineDelegate(table)  # a long name: one line, cut, not ten
        table.setItemDelegateForColumn(PATIENT, self._name_line)
        # wrapped lines need another height when the columns change width (window, splitter)
        header.sectionResized.connect(lambda *_args: table.resizeRowsToContents())
        table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table = table
        self.include_signed = QCheckBox(self.tr("Also list signed sessions (to add an addendum)"))
        self.include_signed.toggled.connect(self.refresh)
        box.addWidget(self.include_signed)
        box.addWidget(table, 1)
        box.addLayout(self._build_buttons())
        panel.setMinimumWidth(480)
        return panel

    def _build_buttons(self) -> QGridLayout:
        grid = QGridLayout()
        self.sign_button = self._button(self.tr("Sign…"), None, self.sign)
        self.sign_addendum_button = self._button(
            self.tr("Sign addendum…"), None, self.sign_addendum
        )
        self.addendum_button = self._button(self.tr("Add addendum…"), None, self.add_addendum)
        self.refresh_button = self._button(self.tr("Refresh"), "F5", self.refresh)
        self.export_button = self._button(self.tr("Export PDF…"), "Ctrl+Shift+E", self.export)
        self.print_button = self._button(self.tr("Print…"), "Ctrl+P", self.print_summary)
        for number, button in enumerate(
            (
                self.sign_button,
                self.sign_addendum_button,
                self.addendum_button,
                self.refresh_button,
                self.export_button,
                self.print_button,
            )
        ):
            grid.addWidget(button, number // 2, number % 2)
        return grid

    def _button(self, label: str, key: str | None, slot: object) -> QPushButton:
        button = QPushButton(label)
        button.clicked.connect(slot)
        if key is not None:
            button.setToolTip(f"{label} ({key})")
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        return button

    def _build_details(self) -> QTabWidget:
        self.browser = SummaryBrowser()
        self.timeline_view = timeline_table(self.timeline)
        tabs = QTabWidget()
        tabs.addTab(self.browser, self.tr("Summary (as printed)"))
        tabs.addTab(self.timeline_view, self.tr("Timeline"))
        self.tabs = tabs
        return tabs

    # --- loading --------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the session shown (another user logged in) and reload the queue."""
        if self.prompt is not None:
            self.prompt.reject()
        self.current = None
        self.browser.show_nothing(self.tr("Select a session in the queue to review it."))
        self.timeline.set_rows([])
        self.notice.hide()
        self.refresh()

    def _on_ws_changed(self, _changes: Changes) -> None:
        if self.isVisible() and self.ws.logged_in:
            self.refresh()

    def refresh(self) -> None:
        """Reload the queue from the database (keeps the session shown)."""
        if not self.ws.logged_in:
            self.model.set_rows([])
            self._update()
            return
        try:
            rows = self.ws.query(
                review_queue, self.ws.actor, include_signed=self.include_signed.isChecked()
            )
        except KetachartError as error:
            self.show_notice(
                self.tr("The queue could not be loaded: %s") % error.message, NoticeKind.ERROR
            )
            return
        except Exception:
            log.exception("unexpected error while loading the review queue")
            self.show_notice(
                self.tr("Unexpected error loading the queue. Details are in the log."),
                NoticeKind.ERROR,
            )
            return
        self.model.set_rows(rows)
        self.table.resizeRowsToContents()
        if self.current is not None:
            row = self.model.row_of(self.current.view.session.id)
            if row is not None:
                self.table.selectRow(row)
        self._update()

    def select_session(self, session_id: str) -> bool:
        """Select a queued session, which shows it."""
        row = self.model.row_of(session_id)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    def selected_session_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()).session_id if rows else None

    def _on_selection_changed(self, *_args: object) -> None:
        session_id = self.selected_session_id()
        if session_id is not None and (
            self.current is None or self.current.view.session.id != session_id
        ):
            self.show_session(session_id)

    def show_session(
        self, session_id: str, *, audited: bool = True, new: frozenset[str] = frozenset()
    ) -> bool:
        """Show a session's summary and timeline (opening it is an audited chart view); the
        entries in `new` are marked as charted since the signer's last look."""
        try:
            summary = session_summary(self.ws.db, self.ws.actor, session_id, audited=audited)
        except KetachartError as error:
            self.show_notice(
                self.tr("The session could not be opened: %s") % error.message, NoticeKind.ERROR
            )
            return False
        except Exception:
            log.exception("unexpected error while opening a session for review")
            self.show_notice(
                self.tr("Unexpected error opening the session. Details are in the log."),
                NoticeKind.ERROR,
            )
            return False
        self.current = summary
        self.browser.show_report(summary.report)
        self.timeline.set_rows(timeline_rows(summary.view, new))
        self.timeline_view.resizeRowsToContents()
        self.tabs.setTabText(1, self.tr("Timeline (%d entries)") % len(summary.view.events))
        self._update()
        return True

    def _reload_current(self) -> None:
        if self.current is not None:
            self.show_session(self.current.view.session.id, audited=False)

    # --- what may be done -----------------------------------------------------------------
    @property
    def _physician(self) -> bool:
        return self.ws.logged_in and self.ws.actor.role is Role.PHYSICIAN

    def _status(self) -> SessionStatus | None:
        return None if self.current is None else self.current.view.state.status

    def _update(self) -> None:
        self.title.setText(queue_title(self.model.rows()))
        self.role_note.setText(
            ""
            if self._physician
            else self.tr("Read-only for nurses: only physicians sign. Addenda, export, print.")
        )
        status = self._status()
        closed = status in (SessionStatus.DISCHARGED, SessionStatus.SIGNED)
        self.sign_button.setEnabled(self._physician and status is SessionStatus.DISCHARGED)
        self.sign_button.setToolTip(self._sign_tip(status))
        self.sign_addendum_button.setEnabled(self._physician and bool(self._unsigned_addenda()))
        self.sign_addendum_button.setToolTip(
            self.tr(ONLY_PHYSICIANS) if not self._physician else self.tr("Sign the oldest addendum")
        )
        self.addendum_button.setEnabled(closed)
        self.export_button.setEnabled(self.current is not None)
        self.print_button.setEnabled(self.current is not None)

    def _sign_tip(self, status: SessionStatus | None) -> str:
        if not self._physician:
            return self.tr(ONLY_PHYSICIANS)
        if status is not SessionStatus.DISCHARGED:
            return self.tr("Only a discharged session that is not yet signed can be signed")
        return self.tr("Sign as reviewed and approved (asks for your password again)")

    def _unsigned_addenda(self) -> list[p.Addendum]:
        if self.current is None:
            return []
        found = unsigned_addenda(self.current.view.events)
        return [e.payload for e in found if isinstance(e.payload, p.Addendum)]

    # --- signing and addenda --------------------------------------------------------------
    def _identity(self) -> str:
        assert self.current is not None
        view = self.current.view
        return (
            f"{view.patient.display_name} (MRN {view.patient.mrn}), "
            f"session of {view.session.session_date.isoformat()}, {view.session.chair}"
        )

    def sign(self) -> PasswordDialog | None:
        """Ask for the physician's password again; the dialog signs when it is right."""
        if self.current is None or not self.sign_button.isEnabled():
            if self.current is not None and not self._physician:
                self.show_notice(self.tr("Only physicians sign."), NoticeKind.WARNING)
            return None
        session_id = self.current.view.session.id
        seen = reviewed_head(self.current.view.events)
        text = (
            self.tr(
                "You are signing the summary of %s, as “reviewed and approved”.\n\n"
                "After signing, the record is locked; later changes are addenda, each signed."
                "\n\nType your password to sign."
            )
            % self._identity()
        )

        def attempt(password: str) -> object:
            proof = self.ws.prove(password, signing.SIGN_PURPOSE)
            return self.ws.act(signing.sign_session, session_id, proof, seen_head=seen)

        dialog = PasswordDialog(self, self.tr("Sign the session"), text, self.tr("Sign"), attempt)
        done = self.tr(
            "Signed as reviewed and approved. The session has left the queue and is locked: "
            "later changes are addenda."
        )
        return self._open_prompt(dialog, done)

    def add_addendum(self) -> AddendumDialog | None:
        if self.current is None or not self.addendum_button.isEnabled():
            return None
        session_id = self.current.view.session.id
        text = (
            self.tr(
                "Later information for %s. It is added to the record as it stands, and a "
                "physician signs it on its own."
            )
            % self._identity()
        )

        def attempt(addendum: str) -> object:
            return self.ws.act(signing.add_addendum, session_id, addendum)

        dialog = AddendumDialog(self, self.tr("Add an addendum"), text, attempt)
        return self._open_prompt(dialog, self.tr("Addendum saved; it waits for a signature."))

    def sign_addendum(self) -> PasswordDialog | None:
        """Sign the oldest unsigned addendum (its text is shown in the question)."""
        if self.current is None or not self.sign_addendum_button.isEnabled():
            return None
        session_id = self.current.view.session.id
        record = unsigned_addenda(self.current.view.events)[0]
        seen = reviewed_head(self.current.view.events)
        assert isinstance(record.payload, p.Addendum)
        text = self.tr(
            "You are signing this addendum to the record of %s, as “addendum reviewed and "
            "approved”:\n\n“%s”\n\nType your password to sign."
        ) % (self._identity(), record.payload.text)

        def attempt(password: str) -> object:
            proof = self.ws.prove(password, signing.SIGN_PURPOSE)
            return self.ws.act(signing.sign_addendum, session_id, record.id, proof, seen_head=seen)

        dialog = PasswordDialog(self, self.tr("Sign the addendum"), text, self.tr("Sign"), attempt)
        return self._open_prompt(dialog, self.tr("Addendum signed."))

    def _open_prompt(self, dialog: D, done: str) -> D | None:
        if self.prompt is not None and self.prompt.isVisible():
            dialog.deleteLater()
            return None
        self.prompt = dialog
        dialog.accepted.connect(lambda: self._after_change(done))
        dialog.chart_changed.connect(self._show_changes)
        dialog.finished.connect(lambda _result: self._forget_prompt(dialog))
        dialog.open()
        return dialog

    def _forget_prompt(self, dialog: QDialog) -> None:
        if self.prompt is dialog:
            self.prompt = None
        dialog.deleteLater()

    def _show_changes(self, changed: ChartChangedSinceReview) -> None:
        """A signature refused because the chart changed since it was shown: show the chart
        as it is now, the new entries marked and the first in view, and say what to do."""
        if self.current is None:
            return
        new = frozenset(e.id for e in changed.new_entries)
        if not self.show_session(self.current.view.session.id, audited=False, new=new):
            return
        self.refresh()
        self.tabs.setCurrentIndex(1)
        if changed.new_entries:
            self.timeline_view.show_marked(changed.new_entries[0].id)
        self.show_notice(changed.message, NoticeKind.WARNING)

    def _after_change(self, text: str) -> None:
        self._reload_current()
        self.refresh()
        self.show_notice(text, NoticeKind.SUCCESS)

    # --- export and print -----------------------------------------------------------------
    def export(self) -> Outcome | None:
        if self.current is None:
            return None
        view = self.current.view
        outcome = self.pdf.export(view.session.id, view.patient.mrn, view.session.session_date)
        self._tell(outcome)
        return outcome

    def print_summary(self) -> Outcome | None:
        if self.current is None:
            return None
        outcome = self.pdf.print(self.current.view.session.id)
        self._tell(outcome)
        return outcome

    def _tell(self, outcome: Outcome | None) -> None:
        if outcome is not None:
            self.show_notice(outcome.text, outcome.kind)

    def show_notice(self, text: str, kind: NoticeKind) -> None:
        """Say what happened, in the style of its kind (success, warning or error)."""
        self.notice.show_message(text, kind)

    def showEvent(self, event: QShowEvent) -> None:
        """Coming back to the screen shows the queue and the session as they are now."""
        super().showEvent(event)
        self._reload_current()
        self.refresh()
