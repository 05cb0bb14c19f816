"""First run: the setup window creates the clinic, its first admin and first physician."""

from __future__ import annotations

import argparse

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from ketachart.domain.vocab import Role
from ketachart.services import clinic, protocols, users
from ketachart.storage.database import Database
from ketachart.ui.application import open_from_args
from ketachart.ui.login import LoginDialog
from ketachart.ui.setup_dialog import SetupDialog
from ketachart.ui.workstation import Workstation
from tests.ui.dialog_helpers import set_text

FIELDS = {
    "clinic_name": "Clínica Ñandú",
    "admin_username": "boss",
    "admin_name": "Ada Admin",
    "admin_password": "lantern-orbit-42",
    "admin_confirm": "lantern-orbit-42",
    "physician_username": "drz",
    "physician_name": "Zoë Zając",
    "physician_credentials": "MD",
    "physician_password": "maple-prism-58x",
    "physician_confirm": "maple-prism-58x",
}


def test_setup_creates_clinic_admin_and_physician(
    qtbot: QtBot, ui_db: Database, settings: QSettings
) -> None:
    station = Workstation(ui_db, settings)
    dialog = SetupDialog(station)
    qtbot.addWidget(dialog)
    dialog.show()
    for name, value in FIELDS.items():
        set_text(qtbot, dialog.edits[name], value)
    dialog.address.setPlainText("1 Main St, Portland")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.message.text()
    with ui_db.reading() as tx:
        assert clinic.get_clinic(tx).name == "Clínica Ñandú"
        roles = {a.username: a.role for a in users.list_actors(tx)}
    assert roles == {"boss": Role.ADMIN, "drz": Role.PHYSICIAN}


def test_setup_with_a_short_password_says_so_and_creates_nothing(
    qtbot: QtBot, ui_db: Database, settings: QSettings
) -> None:
    dialog = SetupDialog(Workstation(ui_db, settings))
    qtbot.addWidget(dialog)
    dialog.show()
    short = {"physician_password": "short", "physician_confirm": "short"}
    for name, value in {**FIELDS, **short}.items():
        set_text(qtbot, dialog.edits[name], value)
    dialog.accept()
    assert dialog.isVisible()
    assert "Physician: The password must have at least 12 characters" in dialog.message.text()
    assert "at least 12 characters" in dialog.errors["physician_password"].text()
    assert dialog.errors["admin_password"].isHidden()
    with ui_db.reading() as tx:  # the clinic and the admin, made before, are gone too
        assert users.count_users(tx) == 0
        assert clinic.get_clinic(tx).name == ""
        assert protocols.current_protocols(tx) == []


def test_setup_says_which_password_does_not_match(
    qtbot: QtBot, ui_db: Database, settings: QSettings
) -> None:
    dialog = SetupDialog(Workstation(ui_db, settings))
    qtbot.addWidget(dialog)
    dialog.show()
    for name, value in {**FIELDS, "admin_confirm": "admin-pass-2"}.items():
        set_text(qtbot, dialog.edits[name], value)
    dialog.accept()
    assert "Administrator: Confirm password does not match" in dialog.errors["admin_confirm"].text()
    assert dialog.errors["physician_confirm"].isHidden()
    assert dialog.errors["admin_password"].isHidden()
    with ui_db.reading() as tx:
        assert users.count_users(tx) == 0


def test_setup_address_has_several_lines_and_cancel_writes_nothing(
    qtbot: QtBot, ui_db: Database, settings: QSettings
) -> None:
    dialog = SetupDialog(Workstation(ui_db, settings))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.address.height() >= dialog.address.fontMetrics().lineSpacing() * 3
    for name, value in FIELDS.items():
        set_text(qtbot, dialog.edits[name], value)
    dialog.address.setPlainText("1 Main St\nSuite 2\nPortland, OR 97201")
    dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    assert dialog.result() == dialog.DialogCode.Rejected
    with ui_db.reading() as tx:
        assert users.count_users(tx) == 0
        assert clinic.get_clinic(tx) == clinic.ClinicInfo("", "")


def test_demo_database_lists_its_accounts_at_login(qtbot: QtBot, settings: QSettings) -> None:
    db, accounts = open_from_args(argparse.Namespace(demo=True, db=None))
    try:
        assert {role for _name, _password, role in accounts} >= {"nurse", "physician", "admin"}
        login = LoginDialog(Workstation(db, settings, accounts))
        qtbot.addWidget(login)
        assert accounts[0][0] in login.demo.text()
        assert not login.demo.isHidden()
    finally:
        db.dispose()
