"""Staff management through the real main window (issue 12): the administrator adds a nurse
with a temporary password (typing the clinic key passphrase, which certifies the account);
she signs in, must choose her own, and charts; the administrator disables her account; she
can no longer sign in, and her entries keep her name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from ketachart.domain.vocab import Role
from ketachart.ui.login import LoginDialog
from ketachart.ui.main_window import MainWindow
from ketachart.ui.password_dialog import ChangePasswordDialog
from ketachart.ui.staff_dialogs import AddStaffDialog, DisableDialog
from ketachart.ui.staff_view import StaffView
from tests.e2e import steps
from tests.e2e.test_nurse_session import open_session
from tests.support import CLINIC_PASSPHRASE, Clinic
from tests.ui.dialog_helpers import set_text

NEW_NURSE = ("tova", "Tova Lindqvist-Åberg", "RN")
HER_PASSWORD = "quiet harbour lanterns at dusk"


def add_nurse(qtbot: QtBot, window: MainWindow) -> str:
    """The administrator adds the nurse with a generated temporary password; returns it."""
    view = window.staff
    assert isinstance(view, StaffView)
    assert window.stack.currentWidget() is view  # an administrator starts on the staff screen
    qtbot.keyClick(
        view.table,
        Qt.Key.Key_A,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: isinstance(view.dialog, AddStaffDialog))  # an animated click
    dialog = view.dialog
    assert isinstance(dialog, AddStaffDialog)
    username, name, credentials = NEW_NURSE
    set_text(qtbot, dialog.username, username)
    set_text(qtbot, dialog.display_name, name)
    set_text(qtbot, dialog.credentials, credentials)
    dialog.role.set_value(Role.NURSE)
    qtbot.mouseClick(dialog.password.generate, Qt.MouseButton.LeftButton)
    temporary = dialog.password.text()
    set_text(qtbot, dialog.passphrase.edit, CLINIC_PASSPHRASE)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    added = view.selected()
    assert added is not None
    assert added.username == username
    return temporary


def sign_in_choosing_a_password(
    qtbot: QtBot, window: MainWindow, username: str, temporary: str
) -> None:
    """Sign in with the temporary password: the new-password dialog comes first."""
    login = LoginDialog(window.ws, window)
    qtbot.addWidget(login)
    login.show()
    set_text(qtbot, login.username, username)
    set_text(qtbot, login.password, temporary)
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert login.result() != QDialog.DialogCode.Accepted  # not in yet
    change = login.password_change
    assert isinstance(change, ChangePasswordDialog)
    qtbot.waitExposed(change)
    set_text(qtbot, change.new, "password")  # refused: common and short
    set_text(qtbot, change.repeat, "password")
    change.accept()
    assert change.field_error("new_password")
    set_text(qtbot, change.new, HER_PASSWORD)
    set_text(qtbot, change.repeat, HER_PASSWORD)
    qtbot.keyClick(change.repeat, Qt.Key.Key_Return)
    assert change.result() == QDialog.DialogCode.Accepted, change.message.text()
    assert login.result() == QDialog.DialogCode.Accepted
    assert login.actor is not None
    window.start_shift(login.actor)
    window.activateWindow()  # the two dialogs closed: the window has the keyboard again
    qtbot.waitUntil(window.isActiveWindow)


def refused_sign_in(qtbot: QtBot, window: MainWindow, username: str, password: str) -> str:
    login = LoginDialog(window.ws, window)
    qtbot.addWidget(login)
    login.show()
    set_text(qtbot, login.username, username)
    set_text(qtbot, login.password, password)
    login.accept()
    assert login.result() != QDialog.DialogCode.Accepted
    assert login.actor is None
    login.reject()
    return login.message.text()


def disable(qtbot: QtBot, window: MainWindow, username: str) -> None:
    view = window.show_staff()
    row = next(r for r in view.model.rows() if r.username == username)
    assert view.select(row.id)
    dialog = view.disable_or_enable()
    assert isinstance(dialog, DisableDialog)
    set_text(qtbot, dialog.passphrase.edit, CLINIC_PASSPHRASE)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    assert not next(r for r in view.model.rows() if r.username == username).active


def test_a_new_nurse_charts_then_leaves_and_keeps_her_name_on_her_entries(
    qtbot: QtBot, window: MainWindow, e2e_clinic: Clinic
) -> None:
    steps.log_in(qtbot, window, "admin")
    assert window.staff is not None  # an administrator starts on the staff screen
    assert window.staff.key_line.text() == f"Clinic key {e2e_clinic.clinic_key.fingerprint}"
    temporary = add_nurse(qtbot, window)
    sign_in_choosing_a_password(qtbot, window, "tova", temporary)
    assert window.ws.actor.username == "tova"
    assert window.stack.currentWidget() is window.board
    chart = open_session(qtbot, window, e2e_clinic, e2e_clinic.patient.id)
    session_id = chart.session_id
    steps.vitals(qtbot, chart, "124/78 72 14 98")
    steps.log_in(qtbot, window, "admin")
    disable(qtbot, window, "tova")
    refusal = refused_sign_in(qtbot, window, "tova", HER_PASSWORD)
    assert refusal == refused_sign_in(qtbot, window, "tova", "not her password at all")
    assert refusal == refused_sign_in(qtbot, window, "nobody-here", HER_PASSWORD)
    steps.log_in(qtbot, window, "drm")
    chart = window.open_chart(session_id)
    vitals = next(row for row in chart.model.rows() if row.kind_text == "Vitals")
    assert vitals.who.startswith("Tova Lindqvist-Åberg")
