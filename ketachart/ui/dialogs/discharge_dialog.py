"""Discharge: what still blocks it, completed from here; and the ride home on its own."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.codes import ClinicalCode
from ketachart.domain.discharge import INFUSION_BLOCKER, Blocker, discharge_blockers
from ketachart.domain.events import EventRecord, validate_payload
from ketachart.domain.monitoring import dose_verdict_at
from ketachart.domain.scores import SCORE_LABELS
from ketachart.domain.vocab import INSTRUCTION_LABELS, Instruction
from ketachart.errors import FieldProblem, KetachartError, ValidationError
from ketachart.services.charting import discharge_patient
from ketachart.ui.dialogs.base import SessionDialog
from ketachart.ui.dialogs.iv_dialogs import IvRemovedDialog
from ketachart.ui.dialogs.reconciliation_dialog import ReconciliationDialog
from ketachart.ui.dialogs.recovery_dialog import RecoveryCheckDialog
from ketachart.ui.forms import EntryDialog, Submission
from ketachart.ui.icons import IconName, IconText
from ketachart.ui.widgets import info_label, line_edit
from ketachart.ui.workstation import Workstation

log = logging.getLogger(__name__)
REFRESH_MS = 15_000  # the observation time counts down while the dialog is open
RIDE_LABELS = {
    "escort_name": "Escort name",
    "relationship": "Relationship",
    "phone": "Escort phone",
    "confirmed_by": "Confirmed by",
}
RIDE_LIMITS = {
    "escort_name": limits.PERSON_NAME,
    "relationship": limits.CONTACT,
    "phone": limits.CONTACT,
    "confirmed_by": limits.PERSON_NAME,
}
CONDITIONS = ("time", "score", "iv", "ride")


class RideFields:
    """Escort name, relationship, phone and who confirmed it (default: the nurse). The escort
    arranged at the pre-checks is filled in, for the nurse to confirm with the escort."""

    def __init__(self, dialog: EntryDialog[object], arranged: p.Escort | None) -> None:
        self.edits = {
            name: line_edit(dialog.tr(label), max_len=RIDE_LIMITS[name])
            for name, label in RIDE_LABELS.items()
        }
        self.edits["confirmed_by"].setText(dialog.ws.actor.display_name)
        self.edits["phone"].setPlaceholderText("+1 555 010 0199")
        self.arranged = arranged
        if arranged is not None:
            self.edits["escort_name"].setText(arranged.name)
            self.edits["relationship"].setText(arranged.relationship)
            self.edits["phone"].setText(arranged.phone)
            for edit in self.edits.values():
                edit.setCursorPosition(0)  # a long name shows from its start
            note = info_label(name="rideArranged")
            note.setText(dialog.tr("Filled in from the pre-checks: confirm with the escort."))
            dialog.form.addRow(note)
        for edit in self.edits.values():
            edit.setMinimumWidth(280)
        for name, edit in self.edits.items():
            dialog.add_field(name, dialog.tr(RIDE_LABELS[name]), edit)

    def typed(self) -> bool:
        return any(self.edits[n].text().strip() for n in ("escort_name", "relationship", "phone"))

    def ride(self) -> p.RideConfirmed:
        return p.RideConfirmed(**{n: e.text().strip() for n, e in self.edits.items()})


class RideDialog(SessionDialog):
    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "Ride home", parent)
        self.fields = RideFields(self, self.state.arranged_escort)
        self.finish_form(self.fields.edits["escort_name"])

    def build(self) -> p.Payload:
        return self.fields.ride()

    def submit(self, submission: Submission) -> EventRecord:
        return self.chart_submission(submission)


class DischargeDialog(SessionDialog):
    """Lists each condition still blocking discharge, and lets the nurse complete it here."""

    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "Discharge", parent)
        self.run_dialog: Callable[[QDialog], int] = lambda dialog: dialog.exec()
        self.status: dict[str, IconText] = {}
        self._build_conditions()
        with self.section("Instructions explained to patient and escort"):
            self.instructions = self._instruction_boxes()
        with self.section("Ride home", column=1) as self.ride_box:
            self.ride = RideFields(self, self.state.arranged_escort)
        with self.section(None, column=1):
            self.note = self.text_field("note", "Note (optional)", max_len=limits.DESCRIPTION)
        self._blockers: dict[str, str] = {}
        for edit in self.ride.edits.values():
            edit.textChanged.connect(self._on_ride_edited)
        self.refresh()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start(REFRESH_MS)
        first = self.ride.edits["escort_name"] if self.state.ride is None else self.note
        self.finish_form(first)

    def _build_conditions(self) -> None:
        with self.section("Before discharge"):
            self.recovery_button = QPushButton(self.tr("Recovery check…"))
            self.recovery_button.clicked.connect(self._on_recovery_clicked)
            self.iv_button = QPushButton(self.tr("IV removed…"))
            self.iv_button.clicked.connect(self._on_iv_clicked)
            buttons = {"score": self.recovery_button, "iv": self.iv_button}
            for button in buttons.values():
                button.setAutoDefault(False)  # Enter saves the dialog, wherever the focus is
            for code in CONDITIONS:
                # wrapped: a long blocker takes two lines, not the ride column's width
                self.status[code] = IconText(object_name="dischargeCondition", wrap=True)
                row = QHBoxLayout()
                row.addWidget(self.status[code], 1)
                if code in buttons:
                    row.addWidget(buttons[code])
                self.form.addRow(row)
            self.summary = IconText(object_name="dischargeSummary", wrap=True)
            self.form.addRow(self.summary)
            self._build_dose_row()

    def _build_dose_row(self) -> None:
        """A dose difference does not block discharge, but stays flagged until reconciled:
        the way to reconcile it is offered here too."""
        self.dose_status = info_label(name="dischargeDose")
        self.dose_status.setProperty("blocking", True)
        self.reconcile_button = QPushButton(self.tr("Reconcile dose…"))
        self.reconcile_button.setAutoDefault(False)
        self.reconcile_button.clicked.connect(self._on_reconcile_clicked)
        self.dose_row = QWidget()
        row = QHBoxLayout(self.dose_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.dose_status, 1)
        row.addWidget(self.reconcile_button)
        self.form.addRow(self.dose_row)

    def _instruction_boxes(self) -> dict[Instruction, QCheckBox]:
        column = QWidget()
        box = QVBoxLayout(column)
        box.setContentsMargins(0, 0, 0, 0)
        boxes: dict[Instruction, QCheckBox] = {}
        for instruction in Instruction:
            check = QCheckBox(self.tr(INSTRUCTION_LABELS[instruction]))
            check.toggled.connect(self._on_instruction_toggled)
            box.addWidget(check)
            boxes[instruction] = check
        self.add_field("instructions", "", column)
        return boxes

    def _on_instruction_toggled(self, _checked: bool) -> None:
        self._touched.add("instructions")
        self.validate_live()

    def _on_recovery_clicked(self) -> None:
        self._run(RecoveryCheckDialog(self.ws, self.session_id, self))

    def _on_iv_clicked(self) -> None:
        self._run(IvRemovedDialog(self.ws, self.session_id, self))

    def _on_reconcile_clicked(self) -> None:
        self._run(ReconciliationDialog(self.ws, self.session_id, self))

    def _run(self, dialog: QDialog) -> None:
        self.run_dialog(dialog)
        dialog.deleteLater()
        self.refresh()

    def blockers(self) -> list[Blocker]:
        at = self.occurred_at() or self.ws.now()
        return discharge_blockers(self.session.state(until=at), at)

    def _on_timer_timeout(self) -> None:
        try:
            self.refresh()
        except KetachartError:
            log.warning("could not refresh the discharge conditions", exc_info=True)

    def _on_ride_edited(self, *_args: object) -> None:
        self._show_ride()
        self._show_summary()

    def done(self, result: int) -> None:
        self._timer.stop()
        super().done(result)

    def refresh(self) -> None:
        """Reload the chart and show each condition as met or blocking, in words."""
        self.reload()
        self._blockers = {b.code: b.message for b in self.blockers()}
        blocked = self._blockers.get
        time_block = blocked(INFUSION_BLOCKER) or blocked(ClinicalCode.DISCHARGE_OBSERVATION)
        self._show("time", time_block, self._time_ok())
        self._show("score", blocked(ClinicalCode.DISCHARGE_SCORE), self._score_ok())
        self._show("iv", blocked(ClinicalCode.DISCHARGE_IV), self.tr("IV removed."))
        self._show_ride()
        self.iv_button.setEnabled(self.state.iv_in_place)
        self.ride_box.setVisible(self.state.ride is None)
        self._show_dose()
        self._show_summary()

    def _show_dose(self) -> None:
        state = self.state
        verdict = dose_verdict_at(state, state.infusion_stopped_at or self.ws.now())
        self.dose_row.setVisible(verdict.unresolved)
        difference = verdict.reconciliation.largest_difference_mg.quantize(Decimal("0.1"))
        self.dose_status.setText(
            self.tr("Dose amounts differ by %s mg: reconcile (this does not block discharge).")
            % difference
        )

    def _show_summary(self) -> None:
        count = sum(1 for code in CONDITIONS if self.status[code].icon_name() is IconName.BLOCK)
        self.summary.set_icon(None if count else IconName.CHECK)
        self.summary.setText(
            self.tr("%s condition(s) still block discharge: saving needs a physician override.")
            % count
            if count
            else self.tr("Nothing blocks discharge.")
        )

    def _show(self, code: str, blocking: str | None, ok_text: str) -> None:
        line = self.status[code]
        line.set_icon(IconName.BLOCK if blocking else IconName.CHECK)
        line.label.setProperty("blocking", bool(blocking))
        line.label.style().polish(line.label)  # the colour follows (the icon says it too)
        line.setText(blocking or ok_text)

    def _time_ok(self) -> str:
        minutes = self.session.protocol.min_observation_min
        return self.tr("Minimum observation of %s min is over.") % minutes

    def _score_ok(self) -> str:
        protocol = self.session.protocol
        return self.tr("%s score %s (threshold %s).") % (
            SCORE_LABELS[protocol.discharge_score],
            self.state.discharge_score,
            protocol.discharge_threshold,
        )

    def _show_ride(self) -> None:
        ride, blocking = self.state.ride, self._blockers.get(ClinicalCode.DISCHARGE_RIDE)
        if ride is not None:
            text = self.tr("Ride home confirmed: %s (%s), %s.")
            self._show("ride", None, text % (ride.escort_name, ride.relationship, ride.phone))
        elif self.ride.typed() and not self._ride_problems():
            self._show("ride", None, self.tr("Ride home: confirmed with the details typed here."))
        else:
            needed = f"{blocking} " + self.tr("Fill in the ride home.") if blocking else None
            self._show("ride", needed, self.tr("Ride home confirmed."))

    def _typed_ride(self) -> p.RideConfirmed | None:
        return self.ride.ride() if self.state.ride is None and self.ride.typed() else None

    def _ride_problems(self) -> list[FieldProblem]:
        ride = self._typed_ride()
        try:
            if ride is not None:
                validate_payload(ride)
        except ValidationError as error:
            return list(error.problems)
        return []

    def build(self) -> p.Payload:
        given = tuple(i for i, box in self.instructions.items() if box.isChecked())
        return p.Discharge(given, self.note.text().strip())

    def current_payload(self) -> p.Payload:
        """The discharge, validated together with the ride typed here (if any)."""
        discharge = self.build()
        problems = self._ride_problems()
        try:
            validate_payload(discharge)
        except ValidationError as error:
            problems.extend(error.problems)
        if problems:
            raise ValidationError(problems)
        return discharge

    def submit(self, submission: Submission) -> EventRecord:
        discharge = submission.payload
        assert isinstance(discharge, p.Discharge)
        return self.ws.act(
            discharge_patient,
            self.session_id,
            discharge,
            ride=self._typed_ride(),
            occurred_at=submission.occurred_at,
            overrides=submission.overrides,
            approver=submission.approver,
        )
