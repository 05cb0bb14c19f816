"""The clinic key on screen: the passphrase field of the account dialogs, opening the key
with it (slow, under a busy cursor, with no transaction open), and the busy cursor itself.

The clinic key certifies every change to an account (services.keys). Its passphrase is asked
in the dialog of each change, so the opened key lives for that one action only: nothing is
kept open while the administrator looks at the list, walks away or the screen locks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from ketachart.errors import ValidationError
from ketachart.services import keys
from ketachart.services.keys import UnlockedClinicKey
from ketachart.storage.database import Database
from ketachart.ui.widgets import plain_label, secret_edit
from ketachart.ui.workstation import Workstation

log = logging.getLogger(__name__)
FIELD = "clinic_passphrase"
"""The field the services name for the clinic key passphrase (services.keys)."""
PASSPHRASE_LABEL = "Clinic key passphrase"
PASSPHRASE_HINT = (
    "Chosen at setup and kept by the administrator: every change to an account is signed "
    "with the clinic key it opens."
)
NO_PASSPHRASE = "Type the clinic key passphrase: every change to an account needs it."


@contextmanager
def busy_cursor() -> Iterator[None]:
    """The wait cursor over every window while a slow step (stretching a passphrase or a
    password) runs on this thread."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


class ClinicPassphraseField(QWidget):
    """The clinic key passphrase, hidden as typed, with one line on what it is."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = secret_edit(self.tr(PASSPHRASE_LABEL))
        self.hint = plain_label(self.tr(PASSPHRASE_HINT), wrap=True)
        layout.addWidget(self.edit)
        layout.addWidget(self.hint)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        return self.edit.text()


def clinic_has_key(ws: Workstation) -> bool:
    """False for a clinic upgraded from before the keys, which has none yet: its account
    changes are not certified (the services allow that; `ketachart verify` reports it)."""
    return ws.query(keys.clinic_public_key) is not None


def open_clinic_key(ws: Workstation, passphrase: str) -> UnlockedClinicKey:
    """The clinic key opened by `passphrase`, under the busy cursor and with no transaction
    open; a wrong passphrase is a ValidationError on the passphrase field."""
    try:
        with busy_cursor():
            return keys.unlock_clinic_key(ws.db, passphrase)
    except keys.ClinicKeyRefused as refused:
        raise ValidationError.single(FIELD, refused.message) from refused


def record_clinic_key_quietly(db: Database) -> None:
    """This workstation records the database's clinic key (services.keys.record_clinic_key).
    A file that cannot be written is logged, as the chain heads are, never turned into the
    application failing to start or the setup failing: the next start records it."""
    try:
        keys.record_clinic_key(db)
    except OSError as error:
        log.warning("the clinic key could not be recorded on this workstation: %s", error)
