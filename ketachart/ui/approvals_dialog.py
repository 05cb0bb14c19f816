"""Every confirmation and override a save needs, asked at once: a reason for each item, and
one physician sign-in (when the user is not a physician) that approves all those reasons.

The order is a guarantee, not a layout: the sign-in approves the reasons as they stand when it
is made (a `SignedApproval` holds both), the reasons lock while it holds, and any change to a
reason withdraws it, so the physician signs in again for the changed reasons. What the dialog
answers is what was approved, never what a field holds afterwards."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain import limits
from ketachart.domain.events import Override
from ketachart.domain.vocab import Role
from ketachart.errors import Approval, KetachartError
from ketachart.services.actors import Actor
from ketachart.ui.icons import IconName, IconText
from ketachart.ui.prompts import WrongRole, signed_in
from ketachart.ui.theme import ALERT_RED
from ketachart.ui.widgets import keep_on_screen, line_edit, plain_label, secret_edit
from ketachart.ui.workstation import Workstation

log = logging.getLogger(__name__)
UNEXPECTED = "Unexpected error: the physician is not signed in. Details are in the log."
MIN_WIDTH = 800
# An empty reason is outlined, and the message under the items names it (not colour alone).
STYLE = f'QLineEdit[missing="true"] {{ border: 2px solid {ALERT_RED}; }}'


@dataclass(frozen=True)
class ApprovalAnswer:
    """What the user gave: an override (code and reason) per item asked, in the order asked,
    and the physician who signed in to approve them (None: nobody needed to sign in)."""

    overrides: tuple[Override, ...]
    approver: Actor | None = None


@dataclass(frozen=True)
class SignedApproval:
    """A physician's sign-in and the reasons it approved: exactly those shown when they signed."""

    approver: Actor
    overrides: tuple[Override, ...]


class AskApprovals(Protocol):
    """Ask for every item in `needed` (reasons already `given` filled in); None: cancelled."""

    def __call__(
        self,
        parent: QWidget,
        ws: Workstation,
        needed: tuple[Approval, ...],
        given: tuple[Override, ...] = (),
        /,
    ) -> ApprovalAnswer | None: ...


class ItemsArea(QScrollArea):
    """The items, scrolling only when they do not all fit on the screen: its size hint is the
    height `ApprovalsDialog.fit()` gives it (a scroll area's own hint ignores wrapped text)."""

    def __init__(self, content: QWidget) -> None:
        super().__init__()
        self.wanted_height = 0
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.wanted_height)


class ApprovalItem(QWidget):
    """One needed item: its message, whether a physician must approve it, and the reason."""

    def __init__(self, number: int, approval: Approval, reason: str = "") -> None:
        super().__init__()
        self.approval = approval
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        kind = self.tr("Physician override") if approval.physician else self.tr("Confirm")
        self.heading = plain_label(f"{number}. {kind}", wrap=True)
        bold = self.heading.font()
        bold.setBold(True)
        self.heading.setFont(bold)
        self.text = plain_label(approval.message, wrap=True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reason = line_edit(
            self.tr("Reason %d") % number, reason, self.tr("Reason"), max_len=limits.NOTE
        )
        self.reason.setAccessibleDescription(approval.message)
        self.reason.textChanged.connect(self._on_reason_changed)
        for widget in (self.heading, self.text, self.reason):
            layout.addWidget(widget)

    def typed(self) -> str:
        return self.reason.text().strip()

    def override(self) -> Override:
        return Override(self.approval.code, self.typed())

    def mark_missing(self, missing: bool) -> None:
        self.reason.setProperty("missing", missing)
        self.reason.style().polish(self.reason)

    def _on_reason_changed(self, text: str) -> None:
        if text.strip():
            self.mark_missing(False)


class ApprovalsDialog(QDialog):
    """Reasons first; then, if any item needs a physician and the user is not one, a physician
    signs in below. OK checks it all; anything missing or refused keeps the dialog open."""

    def __init__(
        self,
        parent: QWidget | None,
        ws: Workstation,
        needed: tuple[Approval, ...],
        given: tuple[Override, ...] = (),
    ) -> None:
        super().__init__(parent)
        self.ws = ws
        self.needed = needed
        self.answer: ApprovalAnswer | None = None
        self.approval: SignedApproval | None = None
        """The physician's sign-in and the reasons it approved, while it holds."""
        self.needs_sign_in = (
            any(a.physician for a in needed) and ws.actor.role is not Role.PHYSICIAN
        )
        self.setWindowTitle(self.tr("Reasons needed before saving"))
        self.setMinimumWidth(MIN_WIDTH)
        self.setStyleSheet(STYLE)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(self._intro(), wrap=True))
        reasons = {o.code: o.reason for o in given}
        self.items = [
            ApprovalItem(n, approval, reasons.get(approval.code, ""))
            for n, approval in enumerate(needed, 1)
        ]
        for item in self.items:
            item.reason.textChanged.connect(self._on_reason_edited)
        layout.addWidget(self._items_area(), 1)
        self.username: QLineEdit | None = None
        self.password: QLineEdit | None = None
        self.approved_by = plain_label(name="approvedBy", wrap=True)
        self.approved_by.hide()
        self.sign_in_button = QPushButton(self.tr("Sign in to approve"))
        self.sign_in_button.clicked.connect(self.sign_in_to_approve)
        self.change_button = QPushButton(self.tr("Change reasons"))
        self.change_button.clicked.connect(self.change_reasons)
        self.change_button.hide()
        for button in (self.sign_in_button, self.change_button):
            button.setAutoDefault(False)  # Enter in the password still means OK
        if self.needs_sign_in:
            layout.addWidget(self._sign_in_box())
        self.message = IconText(IconName.WARNING, object_name="formMessage", wrap=True)
        self.message.hide()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText(self.tr("Approve and save") if self.needs_sign_in else self.tr("Save"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.items[0].reason.setFocus()

    def _intro(self) -> str:
        count = len(self.needed)
        text = (
            self.tr("Saving needs a reason for the item below.")
            if count == 1
            else self.tr("Saving needs a reason for each of the %d items below.") % count
        )
        if self.needs_sign_in:
            text += " " + self.tr(
                "Then a physician signs in, once, to approve the overrides with these reasons."
            )
        return text

    def _items_area(self) -> ItemsArea:
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 8, 0)
        for index, item in enumerate(self.items):
            if index:
                line = QFrame()
                line.setFrameShape(QFrame.Shape.HLine)
                column.addWidget(line)
            column.addWidget(item)
        column.addStretch(1)
        self.items_area = ItemsArea(content)
        return self.items_area

    def _sign_in_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Physician sign-in"))
        row = QHBoxLayout()
        self.username = line_edit(self.tr("Physician user name"), max_len=limits.USERNAME)
        self.password = secret_edit(self.tr("Physician password"))
        for text, edit in (
            (self.tr("User name"), self.username),
            (self.tr("Password"), self.password),
        ):
            label = plain_label(text)
            label.setBuddy(edit)
            row.addWidget(label)
            row.addWidget(edit, 1)
        row.addWidget(self.sign_in_button)
        row.addWidget(self.change_button)
        column = QVBoxLayout(box)
        column.addLayout(row)
        column.addWidget(self.approved_by)
        return box

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit()
        keep_on_screen(self)

    def fit(self) -> None:
        """Every item without scrolling when the screen allows; else the items scroll and the
        rest (sign-in, message, buttons) still shows. Never taller than the screen."""
        layout = self.layout()
        assert layout is not None
        screen = self.screen().availableGeometry()
        width = min(max(self.width(), MIN_WIDTH), screen.width() * 19 // 20)
        tallest = screen.height() * 19 // 20
        area = self.items_area
        content = area.widget()
        assert content is not None
        margins = layout.contentsMargins()
        inner = (
            width - margins.left() - margins.right() - area.verticalScrollBar().sizeHint().width()
        )
        area.wanted_height = 0
        area.updateGeometry()
        layout.activate()
        item = layout.itemAt(layout.indexOf(area))
        assert item is not None
        rest = layout.totalHeightForWidth(width) - item.sizeHint().height()
        floor = area.fontMetrics().lineSpacing() * 5
        area.wanted_height = max(min(content.heightForWidth(inner), tallest - rest), floor)
        area.setMinimumHeight(min(area.wanted_height, floor))
        area.updateGeometry()
        layout.activate()
        self.resize(width, min(layout.totalHeightForWidth(width), tallest))
        keep_on_screen(self)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        if self.isVisible():
            self.fit()

    def typed_overrides(self) -> tuple[Override, ...]:
        return tuple(item.override() for item in self.items)

    def _reasons_complete(self) -> bool:
        """Whether every item has a reason; if not, say which (and go to the first)."""
        missing = [n for n, item in enumerate(self.items, 1) if not item.typed()]
        for n, item in enumerate(self.items, 1):
            item.mark_missing(n in missing)
        if not missing:
            return True
        self.show_message(
            self.tr("Type a reason for item %s; nothing is saved yet.") % missing[0]
            if len(missing) == 1
            else self.tr("Type a reason for items %s; nothing is saved yet.")
            % ", ".join(str(n) for n in missing)
        )
        first = self.items[missing[0] - 1]
        first.reason.setFocus()
        self.items_area.ensureWidgetVisible(first)
        return False

    def accept(self) -> None:
        if not self._reasons_complete():
            return
        if not self.needs_sign_in:
            self.answer = ApprovalAnswer(self.typed_overrides())
            super().accept()
            return
        if self.approval is None and not self.sign_in_to_approve():
            return
        approval = self.approval
        if approval is None or approval.overrides != self.typed_overrides():
            self.change_reasons()  # not reached: an edit withdraws it at once
            return
        self.answer = ApprovalAnswer(approval.overrides, approval.approver)
        super().accept()

    def sign_in_to_approve(self) -> bool:
        """The physician signs in to approve the reasons as they are now: they lock first,
        so what is approved is what was shown; a refused sign-in unlocks them again."""
        if self.approval is not None:
            return True
        if not self._reasons_complete():
            return False
        shown = self.typed_overrides()
        self._lock_reasons(True)
        approver = self._signed_in_physician()
        if approver is None:
            self._lock_reasons(False)
            return False
        self.approval = SignedApproval(approver, shown)
        self._show_approved(approver)
        return True

    def change_reasons(self) -> None:
        """Withdraw the approval: the reasons can be changed, and a physician signs in again."""
        if self.approval is None:
            return
        self.approval = None
        self._lock_reasons(False)
        self.approved_by.hide()
        self.change_button.hide()
        self.sign_in_button.show()
        for edit in (self.username, self.password):
            if edit is not None:
                edit.setEnabled(True)
        self.show_message(
            self.tr("The approval is withdrawn: a physician signs in again to approve the reasons.")
        )
        self.items[0].reason.setFocus()

    def _on_reason_edited(self, _text: str) -> None:
        """A reason that differs from the approved one (however it was changed) withdraws
        the approval: a sign-in never covers a reason typed after it."""
        if self.approval is not None and self.typed_overrides() != self.approval.overrides:
            self.change_reasons()

    def _lock_reasons(self, locked: bool) -> None:
        for item in self.items:
            item.reason.setReadOnly(locked)

    def _show_approved(self, approver: Actor) -> None:
        assert self.username is not None
        assert self.password is not None
        self.password.clear()
        for edit in (self.username, self.password):
            edit.setEnabled(False)
        self.approved_by.setText(
            self.tr(
                "Approved by %s: the reasons above, as shown. A changed reason needs a new sign-in."
            )
            % approver.signature_name
        )
        self.approved_by.show()
        self.sign_in_button.hide()
        self.change_button.show()
        self.message.hide()
        if self.isVisible():
            self.fit()

    def _signed_in_physician(self) -> Actor | None:
        assert self.username is not None
        assert self.password is not None
        try:
            return signed_in(
                self.ws, self.username.text(), self.password.text(), "override", (Role.PHYSICIAN,)
            )
        except WrongRole as error:
            self.show_message(error.message)
            self.password.clear()
            self.username.setFocus()
        except KetachartError as error:
            self.show_message(error.message)
            self.password.clear()
            self.password.setFocus()
        except Exception:
            log.exception("unexpected error while a physician signed in to approve")
            self.show_message(UNEXPECTED)
        return None


def ask_approvals(
    parent: QWidget,
    ws: Workstation,
    needed: tuple[Approval, ...],
    given: tuple[Override, ...] = (),
    /,
) -> ApprovalAnswer | None:
    """Ask for every item at once; None when the user cancels."""
    dialog = ApprovalsDialog(parent, ws, needed, given)
    try:
        return dialog.answer if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
