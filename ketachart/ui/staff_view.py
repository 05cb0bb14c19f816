"""'Staff (F5)': the administrator's list of accounts and what can be done to them.

Every account, who it is, its role, whether it can sign in and when it last did. Add, reset a
password, change a role, disable or enable, unlock: each is one action through the
workstation (one transaction, audited by the service), and the list is read again after it.
Nothing is ever deleted: a leaver is disabled, and their entries keep their name.

The screen shows the clinic key's fingerprint (what the administrator wrote down at setup,
printed on every PDF) and warns if it is not the key this workstation recorded: someone with
write access to the database could put in a key of their own and certify anyone with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain.findings import Problem
from ketachart.errors import KetachartError
from ketachart.services import keys, staff
from ketachart.services.integrity import FullCheckStatus
from ketachart.services.staff import StaffRow
from ketachart.services.staff_status import account_status
from ketachart.storage.database import Tx
from ketachart.storage.key_records import KeyRecord
from ketachart.ui.notice import Notice, NoticeKind
from ketachart.ui.row_model import LinesDelegate, RowTableModel, row_table
from ketachart.ui.staff_dialogs import (
    AddStaffDialog,
    ChangeRoleDialog,
    DisableDialog,
    EnableDialog,
    ResetPasswordDialog,
    role_label,
)
from ketachart.ui.widgets import enum_label, named_label, plain_label, tooltip_html
from ketachart.ui.workstation import Workstation

log = logging.getLogger(__name__)
NAME, USERNAME, ROLE, CREDENTIALS, STATUS, LAST_SIGN_IN = range(6)
CAPPED = (USERNAME, CREDENTIALS)
"""Columns as wide as their text up to CAP_CHARACTERS (then cut with '…', whole in the
tooltip), so that a long user name or list of credentials leaves room for the name."""
CAP_CHARACTERS = 16
UNEXPECTED = "Unexpected error: nothing was changed. Details are in the log."
KEY_TOOLTIP = (
    "The clinic key's fingerprint: the one written down at setup, and printed on every PDF. "
    "It certifies every account and the keys signatures are made with."
)
KEY_REPLACED = (
    "Warning: %s. Do not add or change accounts until whoever looks after the database has "
    "checked it."
)


def read_clinic_key(tx: Tx, record: KeyRecord | None) -> tuple[str | None, list[Problem]]:
    """The clinic key's fingerprint and how it compares with this workstation's record, in
    one read."""
    return keys.clinic_fingerprint(tx), keys.check_recorded_clinic_key(tx, record)


def key_lines(fingerprint: str | None, problems: list[Problem]) -> tuple[str, str]:
    """The clinic key line of the staff screen, and its warning ('' when none)."""
    line = f"Clinic key {fingerprint}" if fingerprint is not None else keys.NO_CLINIC_KEY
    warning = " ".join(KEY_REPLACED % problem.message for problem in problems)
    return line, warning


def local_date_time(value: datetime | None) -> str:
    """A moment as this workstation's local date and time, e.g. 'Tue 10 Mar 2026, 14:05'."""
    if value is None:
        return "never"
    return f"{value.astimezone():%a %d %b %Y, %H:%M}"


class StaffTableModel(RowTableModel[StaffRow]):
    """The accounts (plain StaffRow values) as a read-only table."""

    def __init__(self, parent: QObject | None = None) -> None:
        headers = (
            self.tr("Name"),
            self.tr("User name"),
            self.tr("Role"),
            self.tr("Credentials"),
            self.tr("Status"),
            self.tr("Last sign-in"),
        )
        super().__init__(headers, parent)

    def cell(self, row: StaffRow, column: int, role: int) -> object:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_html(self._text(row, column))
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def _text(self, row: StaffRow, column: int) -> str:
        texts: dict[int, Callable[[], str]] = {
            NAME: lambda: row.display_name,
            USERNAME: lambda: row.username,
            ROLE: lambda: role_label(row.role),
            CREDENTIALS: lambda: row.credentials,
            STATUS: lambda: enum_label(account_status(row)),
            LAST_SIGN_IN: lambda: local_date_time(row.last_sign_in_at),
        }
        return texts[column]()

    def row_of(self, user_id: int) -> int | None:
        return self.find(lambda row: row.id == user_id)


class StaffView(QWidget):
    """The accounts table, a column of actions beside it, and a notice saying what was done.
    The dialogs open with `open()` (no nested event loop); `dialog` is the one open."""

    def __init__(self, ws: Workstation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.model = StaffTableModel(self)
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        self.notice = Notice()
        layout.addWidget(self.notice)
        title = named_label("headerName", self.tr("Staff accounts"))
        layout.addWidget(title)
        self.key_warning = named_label("alertBanner")
        self.key_warning.setWordWrap(True)
        self.key_warning.hide()
        layout.addWidget(self.key_warning)
        self.key_line = plain_label()
        self.key_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_line.setToolTip(self.tr(KEY_TOOLTIP))
        layout.addWidget(self.key_line)
        row = QHBoxLayout()
        row.addWidget(self._build_table(), 1)
        row.addLayout(self._build_buttons())
        layout.addLayout(row, 1)
        self.status = plain_label(wrap=True)
        layout.addWidget(self.status)
        self.full_check = plain_label(wrap=True)
        layout.addWidget(self.full_check)
        self._update_buttons()

    def show_full_check(self, status: FullCheckStatus) -> None:
        """When the database's full integrity check last passed (ui.full_check)."""
        self.full_check.setText(status.describe())

    def _build_table(self) -> QTableView:
        table = row_table(self.model, self.tr("Staff accounts"))
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        self._one_line_each = LinesDelegate(table)
        table.setItemDelegate(self._one_line_each)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().lineSpacing() + 16)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column in CAPPED:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        table.selectionModel().selectionChanged.connect(self._update_buttons)
        table.activated.connect(lambda _index: self.reset_password())
        self.table = table
        return table

    def _build_buttons(self) -> QVBoxLayout:
        column = QVBoxLayout()
        self.add_button = self._button(self.tr("Add staff member…"), "Ctrl+Shift+A", self.add)
        self.reset_button = self._button(
            self.tr("Reset password…"), "Ctrl+Shift+R", self.reset_password
        )
        self.role_button = self._button(self.tr("Change role…"), "Ctrl+Shift+O", self.change_role)
        self.active_button = self._button(
            self.tr("Disable…"), "Ctrl+Shift+D", self.disable_or_enable
        )
        self.unlock_button = self._button(self.tr("Unlock"), "Ctrl+Shift+U", self.unlock)
        for button in (
            self.add_button,
            self.reset_button,
            self.role_button,
            self.active_button,
            self.unlock_button,
        ):
            column.addWidget(button)
        column.addStretch(1)
        return column

    def _button(self, text: str, key: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(f"{text}\n{key}")
        button.setShortcut(key)
        button.setAccessibleName(text)
        button.setToolTip(f"{text} ({key})")
        button.clicked.connect(slot)
        return button

    # --- the list ---------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()  # sign-ins and changes made elsewhere since it was last shown

    def refresh(self) -> None:
        """Read the accounts again, keeping the selected one selected."""
        if not self.ws.logged_in:
            return
        selected = self.selected()
        try:
            rows = self.ws.query(staff.list_staff, self.ws.actor)
        except KetachartError as error:
            self.notice.show_message(error.message, NoticeKind.ERROR)
            return
        self.model.set_rows(rows)
        self._fit_capped_columns()
        if selected is not None:
            self.select(selected.id)
        self.status.setText(self.tr("%d accounts") % len(rows))
        self._update_buttons()
        self._show_clinic_key()

    def _show_clinic_key(self) -> None:
        """The clinic key's fingerprint, and a warning if it is not the key this workstation
        recorded when it first saw the database."""
        fingerprint, problems = self.ws.query(read_clinic_key, self.ws.db.key_record)
        line, warning = key_lines(fingerprint, problems)
        self.key_line.setText(line)
        self.key_warning.setText(warning)
        self.key_warning.setVisible(bool(warning))

    def _fit_capped_columns(self) -> None:
        cap = self.table.fontMetrics().averageCharWidth() * CAP_CHARACTERS
        for column in CAPPED:
            self.table.resizeColumnToContents(column)
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), cap))

    def selected(self) -> StaffRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select(self, user_id: int) -> bool:
        row = self.model.row_of(user_id)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    def _update_buttons(self, *_args: object) -> None:
        row = self.selected()
        for button in (self.reset_button, self.role_button, self.active_button):
            button.setEnabled(row is not None)
        self.unlock_button.setEnabled(row is not None and row.locked)
        enable = row is not None and not row.active
        text = self.tr("Enable…") if enable else self.tr("Disable…")
        self.active_button.setText(f"{text}\nCtrl+Shift+D")
        self.active_button.setAccessibleName(text)

    # --- the actions ------------------------------------------------------------------------
    def add(self) -> AddStaffDialog:
        dialog = AddStaffDialog(self.ws, self)
        self._open(dialog, lambda: self._added(dialog))
        return dialog

    def _added(self, dialog: AddStaffDialog) -> None:
        row = dialog.result_value
        if row is not None:
            self._done(
                row.id,
                self.tr(
                    "Added %s (%s) as %s. They must choose a new password when they first sign in."
                )
                % (row.display_name, row.username, role_label(row.role).lower()),
            )

    def reset_password(self) -> ResetPasswordDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = ResetPasswordDialog(self.ws, row, self)
        done = self.tr(
            "The password of %s (%s) is reset and the account unlocked. They must choose a new "
            "password when they next sign in."
        ) % (row.display_name, row.username)
        self._open(dialog, lambda: self._done(row.id, done))
        return dialog

    def change_role(self) -> ChangeRoleDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = ChangeRoleDialog(self.ws, row, self)

        def changed() -> None:
            role = dialog.role.value()
            said = role_label(role).lower() if role is not None else ""
            self._done(
                row.id, self.tr("%s (%s) is now %s.") % (row.display_name, row.username, said)
            )

        self._open(dialog, changed)
        return dialog

    def disable_or_enable(self) -> DisableDialog | EnableDialog | None:
        """Disabling asks first; enabling asks for the clinic key passphrase (both are
        certified by the clinic key)."""
        row = self.selected()
        if row is None:
            return None
        if not row.active:
            enable = EnableDialog(self.ws, row, self)
            done = self.tr("%s (%s) can sign in again.") % (row.display_name, row.username)
            self._open(enable, lambda: self._done(row.id, done))
            return enable
        dialog = DisableDialog(self.ws, row, self)
        done = self.tr(
            "%s (%s) is disabled and can no longer sign in. Their entries keep their name."
        ) % (row.display_name, row.username)
        self._open(dialog, lambda: self._done(row.id, done))
        return dialog

    def unlock(self) -> None:
        row = self.selected()
        if row is not None and row.locked:
            done = self.tr("%s (%s) is unlocked.") % (row.display_name, row.username)
            self._act(row, staff.unlock, done)

    def _act(self, row: StaffRow, fn: Callable[..., object], done: str) -> None:
        """One action on the selected account, without a dialog; a refusal is shown above."""
        try:
            self.ws.act(fn, row.id)
        except KetachartError as error:
            self.notice.show_message(error.message, NoticeKind.ERROR)
            self.refresh()
            return
        except Exception:
            log.exception("unexpected error in a staff action")
            self.notice.show_message(self.tr(UNEXPECTED), NoticeKind.ERROR)
            return
        self._done(row.id, done)

    def _open(self, dialog: QDialog, on_accepted: Callable[[], None]) -> None:
        self.dialog = dialog
        dialog.accepted.connect(on_accepted)
        dialog.finished.connect(lambda _code: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _done(self, user_id: int, text: str) -> None:
        self.notice.show_message(text, NoticeKind.SUCCESS)
        self.refresh()
        self.select(user_id)
        self.table.setFocus()
