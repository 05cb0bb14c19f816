"""The administrator's staff screen: the list of accounts, each action through its dialog (or
button) as one audited action, each refusal shown next to its field or above the buttons.
Every change the clinic key certifies asks for its passphrase in the dialog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot

from ketachart.domain.passwords import MIN_PASSWORD_LENGTH
from ketachart.domain.vocab import Role
from ketachart.errors import AuthenticationFailed
from ketachart.services import keys, staff, users
from ketachart.services.actors import Actor
from ketachart.services.anchors import keep_anchors
from ketachart.services.sign_in import sign_in
from ketachart.services.staff import StaffRow
from ketachart.services.users import new_password
from ketachart.storage.database import Database
from ketachart.ui.login import SIGNED_OUT, LoginDialog
from ketachart.ui.notice import NoticeKind
from ketachart.ui.password_dialog import ChangePasswordDialog
from ketachart.ui.staff_dialogs import (
    AddStaffDialog,
    CertifiedChangeDialog,
    ChangeRoleDialog,
    DisableDialog,
    EnableDialog,
    ResetPasswordDialog,
)
from ketachart.ui.staff_view import LAST_SIGN_IN, NAME, STATUS, StaffView, local_date_time
from ketachart.ui.workstation import Workstation
from tests.storage.helpers import audit_actions
from tests.support import CLINIC_PASSPHRASE, PASSWORDS, Clinic
from tests.ui.dialog_helpers import set_text

TEMPORARY = "harbour lantern pebble 42"
HTML_NAME = "<b>Bold</b> & <i>Nurse</i>"


@pytest.fixture
def view(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> StaffView:
    ws.set_actor(ui_clinic.admin)
    screen = StaffView(ws)
    qtbot.addWidget(screen)
    screen.resize(1200, 700)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


def row_named(view: StaffView, username: str) -> StaffRow:
    return next(row for row in view.model.rows() if row.username == username)


def cell(view: StaffView, username: str, column: int) -> str:
    number = view.model.row_of(row_named(view, username).id)
    assert number is not None
    return str(view.model.index(number, column).data())


def select(view: StaffView, username: str) -> None:
    assert view.select(row_named(view, username).id)


def sign_in_fails(clinic: Clinic, username: str, password: str) -> str:
    with pytest.raises(AuthenticationFailed) as refused:
        sign_in(clinic.db, username, password)
    return refused.value.message


def signed_in_as(login: LoginDialog) -> Actor | None:
    return login.actor


def type_passphrase(qtbot: QtBot, dialog: CertifiedChangeDialog, text: str) -> None:
    set_text(qtbot, dialog.passphrase.edit, text)


def certificates(clinic: Clinic, user_id: int) -> int:
    with clinic.db.reading() as tx:
        return len(keys.user_certificates(tx, user_id))


def fill_new_account(qtbot: QtBot, dialog: AddStaffDialog, username: str, name: str) -> None:
    set_text(qtbot, dialog.username, username)
    set_text(qtbot, dialog.display_name, name)
    set_text(qtbot, dialog.credentials, "RN")
    dialog.role.set_value(Role.NURSE)


def test_every_account_is_listed_with_its_status_and_last_sign_in(
    view: StaffView, ui_clinic: Clinic
) -> None:
    assert {row.username for row in view.model.rows()} == {"admin", "nina", "wes", "drm"}
    assert cell(view, "wes", LAST_SIGN_IN) == "never"
    signed = sign_in(ui_clinic.db, "wes", PASSWORDS["wes"])
    assert not signed.must_change_password
    for _ in range(5):
        sign_in_fails(ui_clinic, "drm", "not the password at all")
    view.refresh()
    assert cell(view, "wes", LAST_SIGN_IN) == local_date_time(ui_clinic.clock.now())
    assert cell(view, "wes", LAST_SIGN_IN)[:3].isalpha()  # "Tue 10 Mar 2026, 15:00"
    assert cell(view, "wes", STATUS) == "Active"
    assert "locked" in cell(view, "drm", STATUS).lower()
    assert "active" in cell(view, "nina", STATUS).lower()
    assert view.status.text() == "4 accounts"


def test_an_admin_adds_a_nurse_with_a_generated_temporary_password(
    qtbot: QtBot, view: StaffView, ui_clinic: Clinic
) -> None:
    dialog = view.add()
    assert isinstance(view.dialog, AddStaffDialog)
    fill_new_account(qtbot, dialog, "tova", "Tova Lindqvist")
    qtbot.mouseClick(dialog.password.generate, Qt.MouseButton.LeftButton)
    temporary = dialog.password.text()
    assert len(temporary) >= MIN_PASSWORD_LENGTH
    assert dialog.password.edit.echoMode() == dialog.password.edit.EchoMode.Normal  # read out
    assert dialog.passphrase.edit.echoMode() == dialog.passphrase.edit.EchoMode.Password
    type_passphrase(qtbot, dialog, CLINIC_PASSPHRASE)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    added = row_named(view, "tova")
    assert certificates(ui_clinic, added.id) == 1  # the clinic key vouches for the account
    assert view.selected() == added
    assert added.role is Role.NURSE
    assert added.must_change_password
    assert "must change" in cell(view, "tova", STATUS).lower()
    assert view.notice.kind() is NoticeKind.SUCCESS
    assert "Tova Lindqvist (tova)" in view.notice.text()
    assert temporary not in view.notice.text()  # shown once, in the dialog only
    assert sign_in(ui_clinic.db, "tova", temporary).must_change_password
    assert not any(temporary in detail for _action, detail in audit_actions(ui_clinic))


def test_a_new_account_is_refused_with_each_problem_next_to_its_field(
    qtbot: QtBot, view: StaffView
) -> None:
    dialog = view.add()
    dialog.accept()
    assert dialog.isVisible()
    for field in ("username", "display_name", "role", "temporary_password", "clinic_passphrase"):
        assert dialog.field_error(field), field  # every problem at once
    assert not dialog.field_error("credentials")  # may be empty
    fill_new_account(qtbot, dialog, "nina", "Nina Two")
    set_text(qtbot, dialog.password.edit, "password")
    dialog.accept()
    assert dialog.isVisible()
    assert "12 characters" in dialog.field_error("temporary_password")
    set_text(qtbot, dialog.password.edit, TEMPORARY)
    type_passphrase(qtbot, dialog, CLINIC_PASSPHRASE)
    dialog.accept()
    assert dialog.isVisible()
    assert "taken" in dialog.field_error("username")
    assert not dialog.field_error("temporary_password")
    assert len(view.model.rows()) == 4  # nothing was added


def test_a_reset_password_unlocks_and_must_be_changed(
    qtbot: QtBot, view: StaffView, ui_clinic: Clinic
) -> None:
    for _ in range(5):
        sign_in_fails(ui_clinic, "wes", "not the password at all")
    view.refresh()
    select(view, "wes")
    assert view.unlock_button.isEnabled()
    dialog = view.reset_password()
    assert isinstance(dialog, ResetPasswordDialog)
    assert "Wes Ng (wes)" in dialog.explanation.text()
    set_text(qtbot, dialog.password.edit, "short")
    type_passphrase(qtbot, dialog, CLINIC_PASSPHRASE)
    dialog.accept()
    assert "12 characters" in dialog.field_error("temporary_password")
    set_text(qtbot, dialog.password.edit, TEMPORARY)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert certificates(ui_clinic, ui_clinic.nurse2.id) == 2  # a new key pair, certified
    row = row_named(view, "wes")
    assert not row.locked
    assert row.must_change_password
    assert not view.unlock_button.isEnabled()
    sign_in_fails(ui_clinic, "wes", PASSWORDS["wes"])  # the old one no longer works
    assert sign_in(ui_clinic.db, "wes", TEMPORARY).must_change_password


def test_a_role_is_changed_and_the_same_role_is_refused(
    qtbot: QtBot, view: StaffView, ui_clinic: Clinic
) -> None:
    select(view, "wes")
    dialog = view.change_role()
    assert isinstance(dialog, ChangeRoleDialog)
    type_passphrase(qtbot, dialog, CLINIC_PASSPHRASE)
    dialog.accept()
    assert dialog.isVisible()
    assert "other than" in dialog.field_error("role")
    dialog.role.set_value(Role.PHYSICIAN)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert certificates(ui_clinic, ui_clinic.nurse2.id) == 2
    assert row_named(view, "wes").role is Role.PHYSICIAN
    assert view.notice.text() == "Wes Ng (wes) is now physician."


def test_the_last_admin_cannot_be_demoted(qtbot: QtBot, view: StaffView) -> None:
    select(view, "admin")
    dialog = view.change_role()
    assert dialog is not None
    type_passphrase(qtbot, dialog, CLINIC_PASSPHRASE)
    dialog.role.set_value(Role.NURSE)
    dialog.accept()
    assert dialog.isVisible()
    assert "admin" in dialog.message.text().lower()
    assert row_named(view, "admin").role is Role.ADMIN


def test_disabling_asks_first_then_the_account_cannot_sign_in_until_enabled(
    qtbot: QtBot, view: StaffView, ui_clinic: Clinic
) -> None:
    select(view, "nina")
    dialog = view.disable_or_enable()
    assert isinstance(dialog, DisableDialog)
    assert "Nina Øster (nina)" in dialog.explanation.text()
    dialog.reject()
    assert row_named(view, "nina").active
    dialog = view.disable_or_enable()
    assert dialog is not None
    qtbot.keyClick(dialog.passphrase.edit, Qt.Key.Key_Return)  # Enter alone disables no one
    assert dialog.isVisible()
    assert "passphrase" in dialog.field_error("clinic_passphrase")
    assert row_named(view, "nina").active
    type_passphrase(qtbot, dialog, CLINIC_PASSPHRASE)
    dialog.accept()
    assert not row_named(view, "nina").active
    assert certificates(ui_clinic, ui_clinic.nurse.id) == 2
    assert "disabled" in cell(view, "nina", STATUS).lower()
    refusal = sign_in_fails(ui_clinic, "nina", PASSWORDS["nina"])
    assert refusal == sign_in_fails(ui_clinic, "nina", "a wrong password here")
    assert view.active_button.accessibleName() == "Enable…"
    enable = view.disable_or_enable()
    assert isinstance(enable, EnableDialog)
    type_passphrase(qtbot, enable, CLINIC_PASSPHRASE)
    enable.accept()
    assert enable.result() == QDialog.DialogCode.Accepted
    assert row_named(view, "nina").active
    assert certificates(ui_clinic, ui_clinic.nurse.id) == 3
    assert view.notice.text() == "Nina Øster (nina) can sign in again."
    assert sign_in(ui_clinic.db, "nina", PASSWORDS["nina"]).actor == ui_clinic.nurse


def test_an_admin_cannot_disable_themselves(qtbot: QtBot, view: StaffView) -> None:
    select(view, "admin")
    dialog = view.disable_or_enable()
    assert dialog is not None
    type_passphrase(qtbot, dialog, CLINIC_PASSPHRASE)
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.message.text()
    assert row_named(view, "admin").active


def test_a_locked_account_is_unlocked(view: StaffView, ui_clinic: Clinic) -> None:
    for _ in range(5):
        sign_in_fails(ui_clinic, "drm", "not the password at all")
    view.refresh()
    select(view, "drm")
    assert row_named(view, "drm").locked
    view.unlock()
    assert not row_named(view, "drm").locked
    assert view.notice.text() == "María Núñez (drm) is unlocked."
    assert sign_in(ui_clinic.db, "drm", PASSWORDS["drm"]).actor == ui_clinic.physician


def test_the_main_actions_have_keyboard_shortcuts(qtbot: QtBot, view: StaffView) -> None:
    select(view, "wes")
    keys = {
        "A": AddStaffDialog,
        "R": ResetPasswordDialog,
        "O": ChangeRoleDialog,
        "D": DisableDialog,
    }
    modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    for key, kind in keys.items():
        view.activateWindow()  # back from the dialog before
        qtbot.waitUntil(view.isActiveWindow)
        qtbot.keyClick(view.table, key, modifiers)
        qtbot.waitUntil(lambda: view.dialog is not None)  # the button's click is animated
        dialog = view.dialog
        assert isinstance(dialog, kind), key
        assert dialog is not None
        dialog.reject()


def test_typed_text_is_shown_as_plain_text(qtbot: QtBot, view: StaffView) -> None:
    dialog = view.add()
    fill_new_account(qtbot, dialog, "html", HTML_NAME)
    set_text(qtbot, dialog.password.edit, TEMPORARY)
    type_passphrase(qtbot, dialog, CLINIC_PASSPHRASE)
    dialog.accept()
    assert cell(view, "html", NAME) == HTML_NAME
    assert HTML_NAME in view.notice.text()
    select(view, "html")
    reset = view.reset_password()
    assert reset is not None
    assert HTML_NAME in reset.explanation.text()
    for label in [*reset.findChildren(QLabel), *view.findChildren(QLabel)]:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def test_a_user_changes_their_own_password(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = ChangePasswordDialog(ws, ui_clinic.nurse2)
    qtbot.addWidget(dialog)
    dialog.show()
    set_text(qtbot, dialog.current, "a wrong present password")
    set_text(qtbot, dialog.new, TEMPORARY)
    set_text(qtbot, dialog.repeat, TEMPORARY + "x")
    dialog.accept()
    assert dialog.field_error("repeat")
    set_text(qtbot, dialog.repeat, TEMPORARY)
    dialog.accept()
    assert dialog.field_error("current_password")
    assert dialog.current.text() == ""
    set_text(qtbot, dialog.current, PASSWORDS["wes"])
    for weak, problem in (("password1234", "common"), ("wes is great here", "user name")):
        set_text(qtbot, dialog.new, weak)
        set_text(qtbot, dialog.repeat, weak)
        dialog.accept()
        assert problem in dialog.field_error("new_password"), weak
        assert not dialog.field_error("current_password")
    set_text(qtbot, dialog.new, TEMPORARY)
    set_text(qtbot, dialog.repeat, TEMPORARY)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    sign_in_fails(ui_clinic, "wes", PASSWORDS["wes"])
    assert not sign_in(ui_clinic.db, "wes", TEMPORARY).must_change_password


def test_a_temporary_password_must_be_replaced_before_anything_opens(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    ui_clinic.act(
        staff.reset_password,
        ui_clinic.admin,
        ui_clinic.nurse2.id,
        new_password(TEMPORARY),
        clinic_key=ui_clinic.clinic_key,
    )
    login = LoginDialog(ws)
    qtbot.addWidget(login)
    login.show()
    set_text(qtbot, login.username, "wes")
    set_text(qtbot, login.password, TEMPORARY)
    login.accept()
    change = login.password_change
    assert isinstance(change, ChangePasswordDialog)
    assert change.windowTitle() == "Choose a new password"
    assert signed_in_as(login) is None
    change.reject()  # "Sign out"
    assert signed_in_as(login) is None
    assert login.result() != QDialog.DialogCode.Accepted
    assert login.message.text() == SIGNED_OUT
    set_text(qtbot, login.password, TEMPORARY)
    login.accept()
    change = login.password_change
    assert change is not None
    assert change.current.text() == TEMPORARY  # typed once, at the sign-in
    set_text(qtbot, change.new, "a fresh choice of words")
    set_text(qtbot, change.repeat, "a fresh choice of words")
    change.accept()
    assert login.result() == QDialog.DialogCode.Accepted
    assert signed_in_as(login) == ui_clinic.nurse2
    assert not sign_in(ui_clinic.db, "wes", "a fresh choice of words").must_change_password


WRONG_PASSPHRASE = "not the clinic passphrase"


def open_add(qtbot: QtBot, view: StaffView) -> tuple[CertifiedChangeDialog, Callable[[], str]]:
    dialog = view.add()
    fill_new_account(qtbot, dialog, "tova", "Tova Lindqvist")
    set_text(qtbot, dialog.password.edit, TEMPORARY)
    return dialog, lambda: f"{dialog.username.text()} {dialog.password.text()}"


def open_reset(qtbot: QtBot, view: StaffView) -> tuple[CertifiedChangeDialog, Callable[[], str]]:
    select(view, "wes")
    dialog = view.reset_password()
    assert dialog is not None
    set_text(qtbot, dialog.password.edit, TEMPORARY)
    return dialog, dialog.password.text


def open_role(qtbot: QtBot, view: StaffView) -> tuple[CertifiedChangeDialog, Callable[[], str]]:
    select(view, "wes")
    dialog = view.change_role()
    assert dialog is not None
    dialog.role.set_value(Role.PHYSICIAN)
    return dialog, lambda: str(dialog.role.value())


def open_disable(qtbot: QtBot, view: StaffView) -> tuple[CertifiedChangeDialog, Callable[[], str]]:
    select(view, "wes")
    dialog = view.disable_or_enable()
    assert isinstance(dialog, DisableDialog)
    return dialog, dialog.explanation.text


def open_enable(qtbot: QtBot, view: StaffView) -> tuple[CertifiedChangeDialog, Callable[[], str]]:
    disabled, _typed = open_disable(qtbot, view)
    type_passphrase(qtbot, disabled, CLINIC_PASSPHRASE)
    disabled.accept()
    assert not row_named(view, "wes").active
    dialog = view.disable_or_enable()
    assert isinstance(dialog, EnableDialog)
    return dialog, dialog.explanation.text


ACTIONS = {
    "add": open_add,
    "reset": open_reset,
    "role": open_role,
    "disable": open_disable,
    "enable": open_enable,
}


def staff_state(clinic: Clinic) -> tuple[object, ...]:
    """Every account as it stands, and every certificate there is."""
    with clinic.db.reading() as tx:
        rows = staff.list_staff(tx, clinic.admin)
        certified = {row.id: len(keys.user_certificates(tx, row.id)) for row in rows}
    return tuple((row.username, row.role, row.active, certified[row.id]) for row in rows)


@pytest.mark.parametrize("action", ACTIONS)
def test_a_wrong_clinic_passphrase_changes_nothing_and_says_so_on_its_field(
    qtbot: QtBot, view: StaffView, ui_clinic: Clinic, action: str
) -> None:
    dialog, typed = ACTIONS[action](qtbot, view)
    before, typed_before = staff_state(ui_clinic), typed()
    type_passphrase(qtbot, dialog, WRONG_PASSPHRASE)
    dialog.accept()
    assert dialog.isVisible()
    assert "clinic key passphrase is not right" in dialog.field_error("clinic_passphrase")
    assert not dialog.message.isVisibleTo(dialog)  # said on the field, not above the buttons
    assert dialog.passphrase.text() == ""  # typed again, as a wrong password is
    assert dialog.focusWidget() is dialog.passphrase.edit  # where to type it again
    assert typed() == typed_before  # what was typed elsewhere stays
    assert staff_state(ui_clinic) == before
    type_passphrase(qtbot, dialog, CLINIC_PASSPHRASE)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    assert staff_state(ui_clinic) != before
    assert view.notice.kind() is NoticeKind.SUCCESS


def test_every_certified_change_grows_the_accounts_certificates(
    qtbot: QtBot, view: StaffView, ui_clinic: Clinic
) -> None:
    """add 1, reset 2, role 3, disable 4, enable 5: each one certificate, by the clinic key,
    in a chain that verify accepts."""
    dialog, _typed = open_add(qtbot, view)
    type_passphrase(qtbot, dialog, CLINIC_PASSPHRASE)
    dialog.accept()
    tova = row_named(view, "tova").id
    assert certificates(ui_clinic, tova) == 1
    steps = (
        (view.reset_password, lambda d: set_text(qtbot, d.password.edit, TEMPORARY)),
        (view.change_role, lambda d: d.role.set_value(Role.PHYSICIAN)),
        (view.disable_or_enable, lambda _d: None),
        (view.disable_or_enable, lambda _d: None),
    )
    for number, (open_dialog, fill) in enumerate(steps, start=2):
        assert view.select(tova)
        step = open_dialog()
        assert isinstance(step, CertifiedChangeDialog)
        fill(step)
        type_passphrase(qtbot, step, CLINIC_PASSPHRASE)
        step.accept()
        assert step.result() == QDialog.DialogCode.Accepted, step.message.text()
        assert certificates(ui_clinic, tova) == number
    with ui_clinic.db.reading() as tx:
        clinic_public = keys.clinic_public_key(tx)
        assert clinic_public == ui_clinic.clinic_key.public_key
        certs = keys.user_certificates(tx, tova)
        assert all(keys.certificate_is_genuine(cert, clinic_public) for cert in certs)
        said = [(cert.role, cert.active) for cert in certs]
    assert said[-3:] == [
        ("physician", True),
        ("physician", False),
        ("physician", True),
    ]


def test_the_staff_screen_shows_the_clinic_key_fingerprint(
    view: StaffView, ui_clinic: Clinic
) -> None:
    fingerprint = ui_clinic.clinic_key.fingerprint
    assert view.key_line.text() == f"Clinic key {fingerprint}"
    assert view.key_line.isVisible()
    assert view.key_warning.isHidden()


def test_the_staff_screen_warns_when_the_clinic_key_is_not_the_recorded_one(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, tmp_path: Path
) -> None:
    """This workstation recorded another key for this database: the key, and every
    certificate it signed, were replaced since."""
    keep_anchors(ui_clinic.db, tmp_path / "anchors.json")
    record = ui_clinic.db.key_record
    assert record is not None
    other = keys.new_clinic_key(CLINIC_PASSPHRASE).unlocked
    record.record(other.public_key, "2026-03-01T09:00:00+00:00")
    ws.set_actor(ui_clinic.admin)
    screen = StaffView(ws)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    warning = screen.key_warning.text()
    assert screen.key_warning.isVisible()
    assert warning.startswith("Warning: the database's clinic key")
    assert ui_clinic.clinic_key.fingerprint in warning
    assert other.fingerprint in warning
    assert "Do not add or change accounts" in warning
    assert screen.key_warning.textFormat() == Qt.TextFormat.PlainText


def test_the_recorded_clinic_key_gives_no_warning(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, tmp_path: Path
) -> None:
    keep_anchors(ui_clinic.db, tmp_path / "anchors.json")
    keys.record_clinic_key(ui_clinic.db)
    ws.set_actor(ui_clinic.admin)
    screen = StaffView(ws)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    assert screen.key_warning.isHidden()
    assert screen.key_line.text() == f"Clinic key {ui_clinic.clinic_key.fingerprint}"


def test_a_clinic_without_a_clinic_key_says_so_and_asks_for_no_passphrase(
    qtbot: QtBot, ui_db: Database, settings: QSettings
) -> None:
    """A clinic upgraded from before the keys: its changes go through uncertified (verify
    reports the missing key) until an administrator runs 'ketachart keys init'."""
    with ui_db.transaction() as tx:
        admin = users.create_user(
            tx,
            None,
            "admin",
            "Ádám Admin",
            "",
            Role.ADMIN,
            new_password(PASSWORDS["admin"]),
            clinic_key=None,
        )
        nurse = users.create_user(
            tx,
            admin,
            "nina",
            "Nina Øster",
            "RN",
            Role.NURSE,
            new_password(PASSWORDS["nina"]),
            clinic_key=None,
        )
    station = Workstation(ui_db, settings)
    station.set_actor(admin)
    screen = StaffView(station)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    assert screen.key_line.text() == keys.NO_CLINIC_KEY
    assert "ketachart keys init" in screen.key_line.text()
    assert screen.select(nurse.id)
    dialog = screen.change_role()
    assert dialog is not None
    assert not dialog.passphrase.isVisibleTo(dialog)
    dialog.role.set_value(Role.PHYSICIAN)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    assert row_named(screen, "nina").role is Role.PHYSICIAN
    with ui_db.reading() as tx:
        assert keys.user_certificates(tx, nurse.id) == []
