"""Every confirmation and override a save needs is asked in one dialog: a reason each, one
physician sign-in, then one more save. Driven through the real approvals dialog."""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from ketachart.domain import payloads as p
from ketachart.domain.events import EventRecord, Override
from ketachart.domain.vocab import Role
from ketachart.errors import Approval, ApprovalRequired, OverrideRequired, PermissionDenied
from ketachart.models import AuditEntry
from ketachart.services import charting
from ketachart.services.actors import Actor
from ketachart.services.charting import chart
from ketachart.services.sessions import load_session
from ketachart.services.sign_in import REFUSED_MESSAGE
from ketachart.ui import approvals_dialog
from ketachart.ui.approvals_dialog import ApprovalAnswer, ApprovalsDialog, SignedApproval
from ketachart.ui.dialogs.infusion_dialogs import RateChangeDialog
from ketachart.ui.dialogs.observation_dialogs import NoteDialog
from ketachart.ui.forms import Submission
from ketachart.ui.theme import BASE_POINT_SIZE
from ketachart.ui.workstation import Workstation
from tests.support import PASSWORDS, Clinic
from tests.ui.dialog_helpers import (
    accepted,
    event_count,
    message_text,
    session_infusing,
    set_text,
    shown,
)
from tests.ui.test_dialogs_render import clipped

POUNDS = Approval(
    "weight.pounds",
    "154 kg is about 2.2 times the last weight (70 kg): was it entered in pounds?",
)
CHANGE = Approval(
    "weight.change", "Weight changed +14 % since the last session (70 kg): please confirm."
)
RATE = Approval(
    "rate.max",
    "150 mL/h is 2.143 mg/kg/h, above the protocol maximum of 1.5 mg/kg/h, and the planned "
    "total would reach 118 mg, above the maximum dose of 105 mg for this session (1.5 mg/kg at "
    "70 kg). <b>Typed text stays text.</b> Only a physician can override, with a reason.",
    physician=True,
)
THREE = (POUNDS, CHANGE, RATE)
REASONS = ("Weighed twice in kg", "Lost weight after surgery", "Physician order: pain")
BEDSIDE_SCREEN = (1280, 720)


class NeedsApprovals(NoteDialog):
    """A note whose save needs approvals, as a service naming every unmet item at once would
    ask for them: `rounds[k]` are the items needed from the k-th save on (new items appear
    when the chart changed meanwhile). Saves only once every item has a reason and, for a
    physician's item, a physician approved; records every submission."""

    def __init__(
        self, ws: Workstation, session_id: str, rounds: tuple[tuple[Approval, ...], ...]
    ) -> None:
        super().__init__(ws, session_id)
        self.rounds = rounds
        self.submissions: list[Submission] = []
        self.note.setPlainText("Patient comfortable")

    def submit(self, submission: Submission) -> EventRecord:
        self.submissions.append(submission)
        seen = self.rounds[: len(self.submissions)]
        needed = tuple(a for items in seen for a in items)
        given = {o.code for o in submission.overrides if o.reason.strip()}
        approved = submission.approver is not None or self.ws.actor.role is Role.PHYSICIAN
        unmet = tuple(a for a in needed if a.code not in given or (a.physician and not approved))
        if unmet:
            raise ApprovalRequired.of(unmet)
        return self.ws.act(
            chart, self.session_id, submission.payload, overrides=submission.overrides
        )


class NeedsThree(NeedsApprovals):
    """Raises OverrideRequired naming all three items until it receives all three overrides."""

    def __init__(self, ws: Workstation, session_id: str) -> None:
        super().__init__(ws, session_id, (THREE,))

    def submit(self, submission: Submission) -> EventRecord:
        given = {o.code for o in submission.overrides}
        if given != {a.code for a in THREE} or submission.approver is None:
            self.submissions.append(submission)
            raise OverrideRequired(RATE.code, RATE.message, needed=THREE)
        return super().submit(submission)


Fill = Callable[[QtBot, ApprovalsDialog], None]


class RealApprovals:
    """The real approvals dialog in place of its modal exec(): shown, then `fill` types into
    it and presses its buttons as a user would; returns what the dialog returns."""

    def __init__(self, qtbot: QtBot, fill: Fill) -> None:
        self.qtbot, self.fill = qtbot, fill
        self.dialogs: list[ApprovalsDialog] = []

    def __call__(
        self,
        parent: QWidget,
        ws: Workstation,
        needed: tuple[Approval, ...],
        given: tuple[Override, ...] = (),
        /,
    ) -> ApprovalAnswer | None:
        dialog = ApprovalsDialog(parent, ws, needed, given)
        self.qtbot.addWidget(dialog)
        self.dialogs.append(dialog)
        dialog.show()
        self.qtbot.waitExposed(dialog)
        self.fill(self.qtbot, dialog)
        ok = dialog.result() == QDialog.DialogCode.Accepted
        dialog.close()
        return dialog.answer if ok else None


def press(qtbot: QtBot, dialog: ApprovalsDialog, which: QDialogButtonBox.StandardButton) -> None:
    button = dialog.buttons.button(which)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_reasons(qtbot: QtBot, dialog: ApprovalsDialog, reasons: tuple[str, ...]) -> None:
    for item, reason in zip(dialog.items, reasons, strict=True):
        set_text(qtbot, item.reason, reason)


def sign_in(qtbot: QtBot, dialog: ApprovalsDialog, username: str, password: str) -> None:
    assert dialog.username is not None
    assert dialog.password is not None
    set_text(qtbot, dialog.username, username)
    set_text(qtbot, dialog.password, password)


def reasons_and_physician(qtbot: QtBot, dialog: ApprovalsDialog) -> None:
    """A reason for each item; the physician signs in if the dialog asks for one."""
    type_reasons(qtbot, dialog, tuple(f"Reason {n}" for n in range(1, len(dialog.items) + 1)))
    if dialog.needs_sign_in:
        sign_in(qtbot, dialog, "drm", PASSWORDS["drm"])
    press(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)


def three_reasons_and_physician(qtbot: QtBot, dialog: ApprovalsDialog) -> None:
    type_reasons(qtbot, dialog, REASONS)
    sign_in(qtbot, dialog, "drm", PASSWORDS["drm"])
    press(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)


def stored_overrides(clinic: Clinic, record: EventRecord) -> list[tuple[str, str]]:
    with clinic.db.reading() as tx:
        events = load_session(tx, record.session_id).events
    stored = next(e for e in events if e.id == record.id)
    return [(o.code, o.reason) for o in stored.overrides]


def test_a_nurse_gives_three_reasons_and_one_physician_signs_in_once(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = shown(NeedsThree(ws, ui_clinic.open_session()), qtbot)
    approvals = RealApprovals(qtbot, three_reasons_and_physician)
    dialog.ask_approvals = approvals
    dialog.accept()
    assert accepted(dialog)
    (asked,) = approvals.dialogs
    assert [item.text.text() for item in asked.items] == [a.message for a in THREE]
    assert asked.needs_sign_in
    first, resubmitted = dialog.submissions
    assert first.overrides == ()
    assert [(o.code, o.reason) for o in resubmitted.overrides] == [
        (a.code, reason) for a, reason in zip(THREE, REASONS, strict=True)
    ]
    assert resubmitted.approver == ui_clinic.physician
    record = dialog.saved()
    assert record.payload == p.Note("Patient comfortable")
    assert stored_overrides(ui_clinic, record) == [
        (o.code, o.reason) for o in resubmitted.overrides
    ]


def test_an_empty_reason_is_refused_with_a_message(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    seen: list[str] = []

    def fill(qtbot: QtBot, asked: ApprovalsDialog) -> None:
        type_reasons(qtbot, asked, (REASONS[0], "   ", REASONS[2]))
        sign_in(qtbot, asked, "drm", PASSWORDS["drm"])
        press(qtbot, asked, QDialogButtonBox.StandardButton.Ok)
        assert asked.isVisible()
        assert asked.message.isVisible()
        seen.append(asked.message.text())
        assert asked.items[1].reason.property("missing") is True
        assert asked.items[0].reason.property("missing") is False
        assert asked.focusWidget() is asked.items[1].reason
        set_text(qtbot, asked.items[1].reason, REASONS[1])
        assert asked.items[1].reason.property("missing") is False
        press(qtbot, asked, QDialogButtonBox.StandardButton.Ok)

    dialog = shown(NeedsThree(ws, ui_clinic.open_session()), qtbot)
    dialog.ask_approvals = RealApprovals(qtbot, fill)
    dialog.accept()
    assert seen == ["Type a reason for item 2; nothing is saved yet."]
    assert accepted(dialog)
    assert len(dialog.submissions) == 2


def test_a_wrong_physician_password_or_a_nurse_is_refused_with_a_message(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    seen: list[str] = []

    def fill(qtbot: QtBot, asked: ApprovalsDialog) -> None:
        assert asked.password is not None
        type_reasons(qtbot, asked, REASONS)
        for username, password in (("drm", "not-the-password"), ("wes", PASSWORDS["wes"])):
            sign_in(qtbot, asked, username, password)
            press(qtbot, asked, QDialogButtonBox.StandardButton.Ok)
            assert asked.isVisible()
            assert asked.message.isVisible()
            seen.append(asked.message.text())
        assert asked.password.text() == ""
        three_reasons_and_physician(qtbot, asked)

    dialog = shown(NeedsThree(ws, ui_clinic.open_session()), qtbot)
    dialog.ask_approvals = RealApprovals(qtbot, fill)
    dialog.accept()
    assert seen == [REFUSED_MESSAGE, "This needs a physician."]
    assert accepted(dialog)
    assert dialog.submissions[-1].approver == ui_clinic.physician


def test_cancel_keeps_the_entry_and_saves_nothing(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    def fill(qtbot: QtBot, asked: ApprovalsDialog) -> None:
        type_reasons(qtbot, asked, REASONS)
        press(qtbot, asked, QDialogButtonBox.StandardButton.Cancel)

    session_id = ui_clinic.open_session()
    before = event_count(ui_clinic, session_id)
    dialog = shown(NeedsThree(ws, session_id), qtbot)
    dialog.ask_approvals = RealApprovals(qtbot, fill)
    dialog.accept()
    assert dialog.isVisible()
    assert message_text(dialog).startswith(f"Not saved: {POUNDS.message} {CHANGE.message}")
    assert dialog.note.toPlainText() == "Patient comfortable"
    assert len(dialog.submissions) == 1
    assert event_count(ui_clinic, session_id) == before


def test_a_physician_gives_the_reasons_and_signs_nothing_more(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    def fill(qtbot: QtBot, asked: ApprovalsDialog) -> None:
        assert not asked.needs_sign_in
        assert asked.username is None
        type_reasons(qtbot, asked, REASONS)
        qtbot.keyClick(asked.items[2].reason, Qt.Key.Key_Return)

    ws.set_actor(ui_clinic.physician)
    dialog = shown(NeedsApprovals(ws, ui_clinic.open_session(), (THREE,)), qtbot)
    approvals = RealApprovals(qtbot, fill)
    dialog.ask_approvals = approvals
    dialog.accept()
    assert accepted(dialog)
    assert len(approvals.dialogs) == 1
    assert dialog.submissions[-1].approver is None
    assert len(dialog.saved().overrides) == 3


def test_new_items_are_asked_with_the_earlier_ones_and_approved_again(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    """A second round shows every item, the earlier reasons filled in, and the physician signs
    in again: an approval never covers an item or a reason that came after it."""

    def fill(qtbot: QtBot, asked: ApprovalsDialog) -> None:
        if len(asked.items) == 3:
            assert [item.typed() for item in asked.items[:2]] == ["Reason 1", "Reason 2"]
        reasons_and_physician(qtbot, asked)

    dialog = shown(NeedsApprovals(ws, ui_clinic.open_session(), ((POUNDS, RATE), (CHANGE,))), qtbot)
    approvals = RealApprovals(qtbot, fill)
    dialog.ask_approvals = approvals
    dialog.accept()
    assert accepted(dialog)
    asked = [[item.approval for item in d.items] for d in approvals.dialogs]
    assert asked == [[POUNDS, RATE], [POUNDS, RATE, CHANGE]]
    assert all(d.needs_sign_in for d in approvals.dialogs)
    last = dialog.submissions[-1]
    assert [o.code for o in last.overrides] == ["weight.pounds", "rate.max", "weight.change"]
    assert last.approver == ui_clinic.physician


def test_asking_stops_after_two_more_rounds(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    rounds = tuple((Approval(f"new.{n}", f"New concern {n}."),) for n in range(6))
    session_id = ui_clinic.open_session()
    before = event_count(ui_clinic, session_id)
    dialog = shown(NeedsApprovals(ws, session_id, rounds), qtbot)
    approvals = RealApprovals(qtbot, reasons_and_physician)
    dialog.ask_approvals = approvals
    dialog.accept()
    assert len(approvals.dialogs) == 3
    assert len(dialog.submissions) == 4
    assert dialog.isVisible()
    assert message_text(dialog) == "Not saved: New concern 3."
    assert event_count(ui_clinic, session_id) == before


def test_an_item_refused_again_is_not_asked_again(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    class Refuses(NeedsApprovals):
        def submit(self, submission: Submission) -> EventRecord:
            self.submissions.append(submission)
            raise OverrideRequired(RATE.code, RATE.message)

    dialog = shown(Refuses(ws, ui_clinic.open_session(), ()), qtbot)
    approvals = RealApprovals(qtbot, reasons_and_physician)
    dialog.ask_approvals = approvals
    dialog.accept()
    assert len(approvals.dialogs) == 1
    assert len(dialog.submissions) == 2
    assert message_text(dialog) == f"Not saved: {RATE.message}"


def test_messages_are_plain_text(qtbot: QtBot, ws: Workstation) -> None:
    dialog = ApprovalsDialog(None, ws, THREE)
    qtbot.addWidget(dialog)
    labels = dialog.findChildren(QLabel)
    assert all(label.textFormat() is Qt.TextFormat.PlainText for label in labels if label.text())
    assert "<b>Typed text stays text.</b>" in dialog.items[2].text.text()


def test_the_dialog_fits_a_bedside_screen(
    qtbot: QtBot, ws: Workstation, themed: None, tmp_path: Path
) -> None:
    folder = Path(os.environ.get("KETACHART_DIALOG_PNGS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    dialog = ApprovalsDialog(None, ws, THREE)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.accept()  # no reasons yet: the message and outlines appear
    # The dialog caps itself at 95 % of its screen (offscreen: 800x800) and scrolls its items
    # beyond that; with the Noto faces the three items take 702 px here, within 720.
    for size in (dialog.size(), dialog.sizeHint()):
        assert size.width() <= BEDSIDE_SCREEN[0] * 0.95, size
        assert size.height() <= BEDSIDE_SCREEN[1], size
    scroll_bar = dialog.items_area.verticalScrollBar()
    qtbot.waitUntil(lambda: not scroll_bar.isVisible())  # the three items fit unscrolled
    assert clipped(dialog) == []
    labels = [w for w in dialog.findChildren(QLabel) if w.isVisibleTo(dialog) and w.text()]
    assert min(w.font().pointSizeF() for w in labels) >= BASE_POINT_SIZE
    assert dialog.grab().save(str(folder / "approvals.png"))


def test_an_unexpected_error_while_signing_in_keeps_the_dialog_open(
    qtbot: QtBot, ws: Workstation, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> Actor:
        raise RuntimeError("database driver fell over")

    monkeypatch.setattr(approvals_dialog, "signed_in", broken)
    dialog = ApprovalsDialog(None, ws, THREE)
    qtbot.addWidget(dialog)
    dialog.show()
    type_reasons(qtbot, dialog, REASONS)
    sign_in(qtbot, dialog, "drm", PASSWORDS["drm"])
    press(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    assert dialog.isVisible()
    assert dialog.answer is None
    assert dialog.message.text() == approvals_dialog.UNEXPECTED


# --- the order: reasons first, then the sign-in that approves exactly those reasons ----------
def rate_over_maximum(qtbot: QtBot, ws: Workstation, clinic: Clinic) -> RateChangeDialog:
    """A real rate change the real gate refuses without a physician's override."""
    dialog = shown(RateChangeDialog(ws, session_infusing(clinic)), qtbot)
    set_text(qtbot, dialog.rate, "150")
    set_text(qtbot, dialog.reason, "Pain not controlled")
    return dialog


def approval_of(dialog: ApprovalsDialog) -> SignedApproval | None:
    """The dialog's approval now (a call, so a check after a change reads it afresh)."""
    return dialog.approval


def approval_audits(clinic: Clinic) -> list[tuple[int | None, str, str]]:
    with clinic.db.reading() as tx:
        rows = tx.orm.execute(
            select(AuditEntry.user_id, AuditEntry.target_id, AuditEntry.detail)
            .where(AuditEntry.action == "override.approve")
            .order_by(AuditEntry.seq)
        )
        return [(user_id, target, detail) for user_id, target, detail in rows]


def test_the_saved_entry_carries_the_reasons_the_physician_signed_in_for(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    seen: list[tuple[Override, ...]] = []

    def fill(qtbot: QtBot, asked: ApprovalsDialog) -> None:
        type_reasons(qtbot, asked, ("Physician order: pain score 9",))
        sign_in(qtbot, asked, "drm", PASSWORDS["drm"])
        qtbot.mouseClick(asked.sign_in_button, Qt.MouseButton.LeftButton)
        assert asked.approval is not None
        assert asked.approval.approver == ui_clinic.physician
        assert asked.items[0].reason.isReadOnly()  # locked once approved
        assert "María Núñez, MD" in asked.approved_by.text()
        seen.append(asked.approval.overrides)
        press(qtbot, asked, QDialogButtonBox.StandardButton.Ok)

    dialog = rate_over_maximum(qtbot, ws, ui_clinic)
    dialog.ask_approvals = RealApprovals(qtbot, fill)
    dialog.accept()
    assert accepted(dialog), message_text(dialog)
    record = dialog.saved()
    ((code, reason),) = [(o.code, o.reason) for o in seen[0]]
    assert reason == "Physician order: pain score 9"
    assert record.recorded_by == ui_clinic.nurse.id
    assert [(o.code, o.reason, o.approved_by) for o in record.overrides] == [
        (code, reason, ui_clinic.physician.id)
    ]
    with ui_clinic.db.reading() as tx:
        stored = next(e for e in load_session(tx, record.session_id).events if e.id == record.id)
    assert stored.overrides == record.overrides
    # the approval is audited under the physician, naming the entry and the item it approved
    assert approval_audits(ui_clinic) == [(ui_clinic.physician.id, record.id, f"items: {code}")]


def test_changing_a_reason_after_the_sign_in_needs_a_new_sign_in(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    seen: list[str] = []

    def fill(qtbot: QtBot, asked: ApprovalsDialog) -> None:
        assert asked.username is not None
        assert asked.password is not None
        type_reasons(qtbot, asked, ("Reason the physician read",))
        sign_in(qtbot, asked, "drm", PASSWORDS["drm"])
        qtbot.mouseClick(asked.sign_in_button, Qt.MouseButton.LeftButton)
        assert asked.approval is not None
        assert asked.password.text() == ""  # the password does not stay for a second use
        # a change however made (the field is locked; here by the program) withdraws it
        asked.items[0].reason.setText("Reason typed after the sign-in")
        assert approval_of(asked) is None
        assert not asked.items[0].reason.isReadOnly()
        press(qtbot, asked, QDialogButtonBox.StandardButton.Ok)  # no new sign-in: refused
        assert asked.isVisible()
        assert asked.answer is None
        seen.append(asked.message.text())
        # "Change reasons" withdraws it too; the physician then signs in for the new text
        sign_in(qtbot, asked, "drm", PASSWORDS["drm"])
        qtbot.mouseClick(asked.sign_in_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(asked.change_button, Qt.MouseButton.LeftButton)
        assert approval_of(asked) is None
        set_text(qtbot, asked.items[0].reason, "Reason the physician approved")
        sign_in(qtbot, asked, "drm", PASSWORDS["drm"])
        press(qtbot, asked, QDialogButtonBox.StandardButton.Ok)

    dialog = rate_over_maximum(qtbot, ws, ui_clinic)
    dialog.ask_approvals = RealApprovals(qtbot, fill)
    dialog.accept()
    assert seen == ["Wrong user name or password."]
    assert accepted(dialog), message_text(dialog)
    (override,) = dialog.saved().overrides
    assert (override.reason, override.approved_by) == (
        "Reason the physician approved",
        ui_clinic.physician.id,
    )


def test_a_nurse_cannot_sign_in_as_the_approver(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    def fill(qtbot: QtBot, asked: ApprovalsDialog) -> None:
        type_reasons(qtbot, asked, ("Nurse thinks it is fine",))
        sign_in(qtbot, asked, "wes", PASSWORDS["wes"])
        qtbot.mouseClick(asked.sign_in_button, Qt.MouseButton.LeftButton)
        assert asked.approval is None
        assert asked.message.text() == "This needs a physician."
        assert not asked.items[0].reason.isReadOnly()  # nothing approved: still editable
        press(qtbot, asked, QDialogButtonBox.StandardButton.Cancel)

    dialog = rate_over_maximum(qtbot, ws, ui_clinic)
    session_id = dialog.session_id
    before = event_count(ui_clinic, session_id)
    dialog.ask_approvals = RealApprovals(qtbot, fill)
    dialog.accept()
    assert not accepted(dialog)
    assert event_count(ui_clinic, session_id) == before
    assert approval_audits(ui_clinic) == []
    # nor can a caller hand the gate a nurse as the approver
    with pytest.raises(PermissionDenied, match="Only a physician can approve"):
        ui_clinic.act(
            charting.change_rate,
            ui_clinic.nurse,
            session_id,
            Decimal(150),
            "order",
            overrides=(Override("dose.rate", "Nurse's own reason"),),
            approver=ui_clinic.nurse2,
        )
