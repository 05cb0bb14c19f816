"""Signing in on the screens (login, unlock, another user for one purpose): each is one action,
and a refused password is still audited and counted towards the lock-out."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from ketachart.domain.vocab import Role
from ketachart.errors import AuthenticationFailed
from ketachart.services.sign_in import MAX_FAILED_LOGINS, REFUSED_MESSAGE
from ketachart.ui.lock_screen import LockScreen
from ketachart.ui.login import LoginDialog
from ketachart.ui.prompts import WrongRole, signed_in
from ketachart.ui.workstation import Workstation
from tests.storage.helpers import audit_actions
from tests.support import PASSWORDS, Clinic
from tests.ui.dialog_helpers import set_text


def log_in(qtbot: QtBot, dialog: LoginDialog, username: str, password: str) -> None:
    set_text(qtbot, dialog.username, username)
    set_text(qtbot, dialog.password, password)
    dialog.accept()


def test_failed_logins_are_recorded_and_lock_the_account(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = LoginDialog(ws)
    qtbot.addWidget(dialog)
    dialog.show()
    for _ in range(MAX_FAILED_LOGINS):
        log_in(qtbot, dialog, "wes", "wrong-password")
        assert dialog.message.text() == REFUSED_MESSAGE
    log_in(qtbot, dialog, "wes", PASSWORDS["wes"])
    assert dialog.message.text() == REFUSED_MESSAGE  # locked, yet it says no more
    assert dialog.actor is None
    assert audit_actions(ui_clinic)[-2:] == [
        ("login.failed", "wrong password, attempt 5, account locked"),
        ("login.refused", "account locked"),
    ]


def test_a_login_is_audited(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    dialog = LoginDialog(ws)
    qtbot.addWidget(dialog)
    log_in(qtbot, dialog, "wes", PASSWORDS["wes"])
    assert dialog.actor == ui_clinic.nurse2
    assert audit_actions(ui_clinic)[-1] == ("login", "")


def test_a_failed_unlock_is_recorded(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    screen = LockScreen(ws)
    qtbot.addWidget(screen)
    screen.prepare("nina")
    with qtbot.assertNotEmitted(screen.unlocked):
        set_text(qtbot, screen.password, "wrong-password")
        screen.try_unlock()
    assert screen.message.text() == REFUSED_MESSAGE
    assert audit_actions(ui_clinic)[-1] == ("unlock.failed", "wrong password, attempt 1")
    with qtbot.waitSignal(screen.unlocked) as unlocked:
        set_text(qtbot, screen.password, PASSWORDS["nina"])
        screen.try_unlock()
    assert unlocked.args == [ui_clinic.nurse]
    assert audit_actions(ui_clinic)[-1] == ("unlock", "")


def test_a_witness_sign_in_is_recorded_whether_it_works_or_not(
    ws: Workstation, ui_clinic: Clinic
) -> None:
    roles = (Role.PHYSICIAN,)
    with pytest.raises(AuthenticationFailed, match="user name or password is not right"):
        signed_in(ws, "drm", "wrong-password", "witness", roles)
    assert audit_actions(ui_clinic)[-1] == ("witness.failed", "wrong password, attempt 1")
    with pytest.raises(WrongRole):
        signed_in(ws, "wes", PASSWORDS["wes"], "witness", roles)
    assert signed_in(ws, " drm ", PASSWORDS["drm"], "witness", roles) == ui_clinic.physician
    assert audit_actions(ui_clinic)[-2:] == [("witness", ""), ("witness", "")]
