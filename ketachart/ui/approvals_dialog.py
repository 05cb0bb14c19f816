"""Every confirmation and override a save needs, asked at once: a reason for each item, and
one physician sign-in (when the user is not a physician) that approves all those reasons."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain.events import Override
from ketachart.domain.vocab import Role
from ketachart.errors import Approval, KetachartError
from ketachart.services.actors import Actor
from ketachart.ui.icons import IconName, IconText
from ketachart.ui.prompts import WrongRole, signed_in
from ketachart.ui.theme import ALERT_RED
from ketachart.ui.widgets import plain_label
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


AskApprovals = Callable[[QWidget, Workstation, tuple[Approval, ...]], ApprovalAnswer | None]


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

    def __init__(self, number: int, approval: Approval) -> None:
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
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("Reason"))
        self.reason.setAccessibleName(self.tr("Reason %d") % number)
        self.reason.setAccessibleDescription(approval.message)
        self.reason.textChanged.connect(self._on_reason_changed)
        for widget in (self.heading, self.text, self.reason):
            layout.addWidget(widget)

    def typed(self) -> str:
        return self.reason.text().strip()

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
        self, parent: QWidget | None, ws: Workstation, needed: tuple[Approval, ...]
    ) -> None:
        super().__init__(parent)
        self.ws = ws
        self.needed = needed
        self.answer: ApprovalAnswer | None = None
        self.needs_sign_in = (
            any(a.physician for a in needed) and ws.actor.role is not Role.PHYSICIAN
        )
        self.setWindowTitle(self.tr("Reasons needed before saving"))
        self.setMinimumWidth(MIN_WIDTH)
        self.setStyleSheet(STYLE)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(self._intro(), wrap=True))
        self.items = [ApprovalItem(n, approval) for n, approval in enumerate(needed, 1)]
        layout.addWidget(self._items_area(), 1)
        self.username: QLineEdit | None = None
        self.password: QLineEdit | None = None
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
        row = QHBoxLayout(box)
        self.username = QLineEdit()
        self.username.setAccessibleName(self.tr("Physician user name"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Physician password"))
        for text, edit in (
            (self.tr("User name"), self.username),
            (self.tr("Password"), self.password),
        ):
            label = plain_label(text)
            label.setBuddy(edit)
            row.addWidget(label)
            row.addWidget(edit, 1)
        return box

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit()

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

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        if self.isVisible():
            self.fit()

    def accept(self) -> None:
        missing = [n for n, item in enumerate(self.items, 1) if not item.typed()]
        for n, item in enumerate(self.items, 1):
            item.mark_missing(n in missing)
        if missing:
            self.show_message(
                self.tr("Type a reason for item %s; nothing is saved yet.") % missing[0]
                if len(missing) == 1
                else self.tr("Type a reason for items %s; nothing is saved yet.")
                % ", ".join(str(n) for n in missing)
            )
            first = self.items[missing[0] - 1]
            first.reason.setFocus()
            self.items_area.ensureWidgetVisible(first)
            return
        approver = None
        if self.needs_sign_in:
            approver = self._signed_in_physician()
            if approver is None:
                return
        self.answer = ApprovalAnswer(
            tuple(Override(item.approval.code, item.typed()) for item in self.items), approver
        )
        super().accept()

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
    parent: QWidget, ws: Workstation, needed: tuple[Approval, ...]
) -> ApprovalAnswer | None:
    """Ask for every item at once; None when the user cancels."""
    dialog = ApprovalsDialog(parent, ws, needed)
    try:
        return dialog.answer if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
