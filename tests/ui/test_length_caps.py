"""Every free-text field of the dialogs is capped at its validator's limit (domain.limits): a
pasted 10 MB text is cut to the limit at once, and the field says so under it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from ketachart.domain import limits
from ketachart.errors import AcknowledgementRequired, Approval
from ketachart.services.patients import TEXT_LIMITS
from ketachart.ui.acknowledge_dialog import AcknowledgeDialog
from ketachart.ui.approvals_dialog import ApprovalsDialog
from ketachart.ui.dialogs.controlled_substance_dialog import ControlledSubstanceDialog
from ketachart.ui.dialogs.discharge_dialog import DischargeDialog, RideDialog
from ketachart.ui.dialogs.infusion_dialogs import (
    PauseDialog,
    RateChangeDialog,
    ResumeDialog,
    StartInfusionDialog,
    StopInfusionDialog,
)
from ketachart.ui.dialogs.iv_dialogs import IvRemovedDialog, IvStartDialog
from ketachart.ui.dialogs.observation_dialogs import (
    NoteDialog,
    RescueMedicineDialog,
    SideEffectDialog,
)
from ketachart.ui.dialogs.pre_checks_dialog import PreChecksDialog
from ketachart.ui.dialogs.reconciliation_dialog import ReconciliationDialog
from ketachart.ui.dialogs.recovery_dialog import RecoveryCheckDialog
from ketachart.ui.dialogs.vitals_dialog import VitalsDialog
from ketachart.ui.length_cap import CappedTextEdit, cap_message, notice_of
from ketachart.ui.new_session_dialog import NewSessionDialog
from ketachart.ui.password_dialog import ChangePasswordDialog
from ketachart.ui.patient_dialog import PatientDialog
from ketachart.ui.setup_dialog import SetupDialog
from ketachart.ui.signing_dialogs import AddendumDialog, PasswordDialog
from ketachart.ui.staff_dialogs import AddStaffDialog
from ketachart.ui.workstation import Workstation
from tests.support import Clinic
from tests.ui.dialog_helpers import session_infusing, session_stopped

HUGE = "x" * 10_000_000
QT_DEFAULT_MAX = 32767
"""QLineEdit's own maximum: a field still at it was never capped."""


def dialogs(ws: Workstation, clinic: Clinic) -> dict[str, Callable[[], QWidget]]:
    fresh, infusing, stopped = (
        clinic.open_session(),
        session_infusing(clinic),
        session_stopped(clinic),
    )
    alerts = AcknowledgementRequired(("spo2.low",), ("SpO2 88 % is below 90 %",))
    approval = Approval("weight.change", "Weight changed by 12 %.", physician=True)
    return {
        "patient": lambda: PatientDialog(ws, None),
        "new_session": lambda: NewSessionDialog(ws, None),
        "add_staff": lambda: AddStaffDialog(ws),
        "change_password": lambda: ChangePasswordDialog(ws, ws.actor),
        "setup": lambda: SetupDialog(ws),
        "approvals": lambda: ApprovalsDialog(None, ws, (approval,)),
        "acknowledge": lambda: AcknowledgeDialog(None, alerts),
        "password": lambda: PasswordDialog(None, "Sign", "", "Sign", lambda _text: None),
        "addendum": lambda: AddendumDialog(None, "Addendum", "", lambda _text: None),
        "pre_checks": lambda: PreChecksDialog(ws, fresh),
        "iv_start": lambda: IvStartDialog(ws, fresh),
        "iv_removed": lambda: IvRemovedDialog(ws, stopped),
        "start_infusion": lambda: StartInfusionDialog(ws, fresh),
        "rate_change": lambda: RateChangeDialog(ws, infusing),
        "pause": lambda: PauseDialog(ws, infusing),
        "resume": lambda: ResumeDialog(ws, infusing),
        "stop": lambda: StopInfusionDialog(ws, infusing),
        "vitals": lambda: VitalsDialog(ws, infusing),
        "side_effect": lambda: SideEffectDialog(ws, infusing),
        "rescue_medicine": lambda: RescueMedicineDialog(ws, infusing),
        "note": lambda: NoteDialog(ws, infusing),
        "recovery_check": lambda: RecoveryCheckDialog(ws, stopped),
        "discharge": lambda: DischargeDialog(ws, stopped),
        "ride": lambda: RideDialog(ws, stopped),
        "controlled_substance": lambda: ControlledSubstanceDialog(ws, stopped),
        "reconciliation": lambda: ReconciliationDialog(ws, stopped),
    }


def text_fields(dialog: QWidget) -> list[QLineEdit | QPlainTextEdit]:
    """Every enabled field a person can type or paste text into."""
    found: list[QLineEdit | QPlainTextEdit] = []
    for edit in dialog.findChildren(QLineEdit) + dialog.findChildren(QPlainTextEdit):
        typable = edit.isEnabled() and not edit.isReadOnly()
        if typable and not _inside_spin_box(edit):
            found.append(edit)
    return found


def _inside_spin_box(edit: QWidget) -> bool:
    """The line edit inside a date or number spin box: not free text."""
    parent = edit.parentWidget()
    return parent is not None and parent.metaObject().className() in {
        "QDateTimeEdit",
        "QDateEdit",
        "QSpinBox",
    }


def cap_of(edit: QLineEdit | QPlainTextEdit) -> int:
    if isinstance(edit, QLineEdit):
        return edit.maxLength()
    assert isinstance(edit, CappedTextEdit), f"{edit.accessibleName()!r} is not capped"
    return edit.limit


def paste_huge(edit: QLineEdit | QPlainTextEdit) -> int:
    """Paste 10 MB as a person would (Ctrl+V): the length the field holds after."""
    QGuiApplication.clipboard().setText(HUGE)
    edit.setFocus()
    edit.paste()
    return len(edit.text()) if isinstance(edit, QLineEdit) else len(edit.toPlainText())


def test_every_free_text_field_is_capped_and_says_so(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = 0
    for name, make in dialogs(ws, ui_clinic).items():
        dialog = make()
        qtbot.addWidget(dialog)
        monkeypatch.setattr(dialog, "exec", lambda: 0, raising=False)
        dialog.show()
        fields = text_fields(dialog)
        assert fields, f"{name}: no text fields found"
        for edit in fields:
            label = f"{name}: {edit.accessibleName() or edit.objectName()!r}"
            limit = cap_of(edit)
            assert limit < QT_DEFAULT_MAX, f"{label} is not capped"
            edit.clear() if isinstance(edit, QPlainTextEdit) else edit.setText("")
            assert paste_huge(edit) == limit, label
            notice = notice_of(edit)
            assert isinstance(notice, QLabel), f"{label}: no notice"
            assert notice.isVisible(), label
            assert f"at most {limit} characters" in notice.text(), label
            checked += 1
        dialog.close()
    assert checked >= 60, checked


def test_a_capped_note_holds_the_note_limit_and_the_notice_names_the_field(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = NoteDialog(ws, session_infusing(ui_clinic))
    qtbot.addWidget(dialog)
    dialog.show()
    note = dialog.note
    assert paste_huge(note) == limits.NOTE
    notice = notice_of(note)
    assert notice is not None
    assert notice.text() == cap_message("Note", limits.NOTE)
    assert "Note holds at most 4000 characters" in notice.text()
    # the text fits its limit, so saving is not refused for its length
    assert dialog.validate_live(all_fields=True) is not None
    note.textCursor().deletePreviousChar()
    assert not notice.isVisible(), "the notice goes once the text is under the limit"


def test_typing_at_the_limit_of_a_text_box_keeps_the_limit(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = PatientDialog(ws, None)
    qtbot.addWidget(dialog)
    dialog.show()
    allergies = dialog.allergies
    allergies.setPlainText("a" * TEXT_LIMITS["allergies"])
    qtbot.keyClicks(allergies, "bc")
    assert len(allergies.toPlainText()) == TEXT_LIMITS["allergies"]
    notice = notice_of(allergies)
    assert notice is not None
    assert notice.isVisible()


def test_a_paste_replacing_a_selection_fills_the_room_left(qtbot: QtBot) -> None:
    form = QWidget()
    edit = CappedTextEdit(10, "Reason", "0123456789")
    QVBoxLayout(form).addWidget(edit)
    qtbot.addWidget(form)
    cursor = edit.textCursor()
    cursor.setPosition(2)
    cursor.setPosition(5, cursor.MoveMode.KeepAnchor)
    edit.setTextCursor(cursor)
    QGuiApplication.clipboard().setText("abcdef")
    edit.paste()
    assert edit.toPlainText() == "01abc56789"
    notice = notice_of(edit)
    assert notice is not None
    assert notice.text() == cap_message("Reason", 10)


def test_the_login_fields_are_capped_and_say_so(qtbot: QtBot) -> None:
    """The light login window (no widgets helpers) caps its fields with Qt alone."""
    from ketachart.ui.login import LoginDialog

    dialog = LoginDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    assert paste_huge(dialog.username) == limits.USERNAME
    assert dialog.message.text() == cap_message("User name", limits.USERNAME)
    assert paste_huge(dialog.password) == limits.PASSWORD
    assert dialog.message.text() == cap_message("Password", limits.PASSWORD)
