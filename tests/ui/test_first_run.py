"""First run: the setup window creates the clinic, its first admin and first physician, and
the clinic key (sealed under the passphrase the administrator chose), which this workstation
records and the window then shows as a fingerprint."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from ketachart.domain.vocab import Role
from ketachart.services import clinic, keys, protocols, users
from ketachart.services.anchors import keep_anchors
from ketachart.storage.database import Database
from ketachart.ui.application import open_from_args
from ketachart.ui.login import LoginDialog
from ketachart.ui.setup_dialog import SetupDialog
from ketachart.ui.workstation import Workstation
from tests.support import CLINIC_PASSPHRASE
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
    "clinic_passphrase": CLINIC_PASSPHRASE,
    "clinic_passphrase_confirm": CLINIC_PASSPHRASE,
}


def filled_setup(qtbot: QtBot, station: Workstation, **changed: str) -> SetupDialog:
    dialog = SetupDialog(station)
    qtbot.addWidget(dialog)
    dialog.show()
    for name, value in {**FIELDS, **changed}.items():
        set_text(qtbot, dialog.edits[name], value)
    return dialog


def nothing_created(db: Database) -> bool:
    with db.reading() as tx:
        return users.count_users(tx) == 0 and keys.clinic_public_key(tx) is None


def test_setup_creates_clinic_admin_and_physician(
    qtbot: QtBot, ui_db: Database, settings: QSettings, tmp_path: Path
) -> None:
    keep_anchors(ui_db, tmp_path / "anchors.json")  # as the application does before setup
    dialog = filled_setup(qtbot, Workstation(ui_db, settings))
    assert dialog.edits["clinic_passphrase"].echoMode() == QLineEdit.EchoMode.Password
    dialog.address.setPlainText("1 Main St, Portland")
    dialog.accept()
    assert dialog.set_up, dialog.message.text()
    with ui_db.reading() as tx:
        assert clinic.get_clinic(tx).name == "Clínica Ñandú"
        roles = {a.username: a.role for a in users.list_actors(tx)}
        public_key = keys.clinic_public_key(tx)
        fingerprint = keys.clinic_fingerprint(tx)
        certified = {
            a.username: len(keys.user_certificates(tx, a.id)) for a in users.list_actors(tx)
        }
    assert roles == {"boss": Role.ADMIN, "drz": Role.PHYSICIAN}
    assert certified == {"boss": 1, "drz": 1}  # both accounts vouched for by the clinic key
    assert public_key is not None
    assert keys.unlock_clinic_key(ui_db, CLINIC_PASSPHRASE).public_key == public_key
    assert ui_db.key_record is not None
    recorded = ui_db.key_record.recorded()
    assert recorded is not None
    assert recorded.public_key == public_key  # this workstation recorded it
    assert dialog.fingerprint.text() == fingerprint  # shown to the administrator
    assert dialog.fingerprint.isVisible()
    assert not dialog.form_area.isVisible()
    dialog.accept()  # "Continue to sign in"
    assert dialog.result() == dialog.DialogCode.Accepted


def test_setup_with_a_short_clinic_passphrase_says_so_on_its_field(
    qtbot: QtBot, ui_db: Database, settings: QSettings
) -> None:
    short = "too-short-1"
    dialog = filled_setup(
        qtbot,
        Workstation(ui_db, settings),
        clinic_passphrase=short,
        clinic_passphrase_confirm=short,
    )
    dialog.accept()
    assert dialog.isVisible()
    assert not dialog.set_up
    assert "at least 12 characters" in dialog.errors["clinic_passphrase"].text()
    assert dialog.errors["clinic_passphrase"].isVisibleTo(dialog)
    assert "clinic key passphrase" in dialog.message.text()
    assert dialog.errors["admin_password"].isHidden()
    assert dialog.edits["admin_password"].text() == FIELDS["admin_password"]  # kept
    assert nothing_created(ui_db)


def test_setup_says_when_the_clinic_passphrase_is_not_repeated_exactly(
    qtbot: QtBot, ui_db: Database, settings: QSettings
) -> None:
    dialog = filled_setup(
        qtbot, Workstation(ui_db, settings), clinic_passphrase_confirm=CLINIC_PASSPHRASE + "!"
    )
    dialog.accept()
    assert "does not match" in dialog.errors["clinic_passphrase_confirm"].text()
    assert dialog.errors["clinic_passphrase"].isHidden()
    assert nothing_created(ui_db)


def test_closing_the_window_after_setup_goes_on_to_sign_in(
    qtbot: QtBot, ui_db: Database, settings: QSettings
) -> None:
    """Once the clinic exists, Escape cannot undo it: it closes as 'Continue' does."""
    dialog = filled_setup(qtbot, Workstation(ui_db, settings))
    dialog.accept()
    assert dialog.set_up
    dialog.reject()
    assert dialog.result() == dialog.DialogCode.Accepted


def test_setup_with_a_short_password_says_so_and_creates_nothing(
    qtbot: QtBot, ui_db: Database, settings: QSettings
) -> None:
    dialog = filled_setup(
        qtbot, Workstation(ui_db, settings), physician_password="short", physician_confirm="short"
    )
    dialog.accept()
    assert dialog.isVisible()
    assert "Physician: The password must have at least 12 characters" in dialog.message.text()
    assert "at least 12 characters" in dialog.errors["physician_password"].text()
    assert dialog.errors["admin_password"].isHidden()
    with ui_db.reading() as tx:  # the clinic and the admin, made before, are gone too
        assert users.count_users(tx) == 0
        assert clinic.get_clinic(tx).name == ""
        assert protocols.current_protocols(tx) == []
        assert keys.clinic_public_key(tx) is None


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
        record = db.key_record  # the demo's own, in its folder, never the workstation's
        assert record is not None
        assert db.sqlite_path is not None
        assert record.path.parent == db.sqlite_path.parent
        recorded = record.recorded()
        assert recorded is not None
        with db.reading() as tx:
            assert recorded.public_key == keys.clinic_public_key(tx)
    finally:
        db.dispose()


def test_a_clinic_key_record_that_cannot_be_written_does_not_undo_the_setup(
    qtbot: QtBot,
    ui_db: Database,
    settings: QSettings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The record is logged as not written (the next start writes it); the clinic stands."""
    not_a_folder = tmp_path / "not-a-folder"
    not_a_folder.write_text("a file where the data folder should be")
    keep_anchors(ui_db, not_a_folder / "anchors.json")
    dialog = filled_setup(qtbot, Workstation(ui_db, settings))
    with caplog.at_level(logging.WARNING):
        dialog.accept()
    assert dialog.set_up, dialog.message.text()
    assert "clinic key could not be recorded" in caplog.text
    assert ui_db.key_record is not None
    assert ui_db.key_record.recorded() is None
    with ui_db.reading() as tx:
        assert dialog.fingerprint.text() == keys.clinic_fingerprint(tx)
