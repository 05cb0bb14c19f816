"""Helpers for the charting-dialog tests: typing, saving, reading messages, counting events."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.events import EventRecord, Override
from ketachart.domain.vocab import StopReason
from ketachart.errors import Approval
from ketachart.services import charting
from ketachart.services.actors import Actor
from ketachart.ui.approvals_dialog import ApprovalAnswer
from ketachart.ui.forms import EntryDialog
from ketachart.ui.workstation import Workstation
from tests.support import Clinic, chart_to_infusing

SQL_TEXT = "'; DROP TABLE events; --"


D = TypeVar("D", bound=QWidget)
T = TypeVar("T", bound=p.Payload)


def shown(dialog: D, qtbot: QtBot) -> D:
    """Show and activate `dialog`; its prompts answer 'cancel' unless a test replaces them
    (a real prompt would wait forever for a click)."""
    if isinstance(dialog, EntryDialog):
        dialog.ask_approvals = lambda _parent, _ws, _needed, _given=(): None
    if hasattr(dialog, "ask_witness_fn"):
        dialog.ask_witness_fn = lambda _parent, _ws, _witnessed: None
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


class Approvals:
    """Stands in for the approvals dialog: gives `reason` for every item asked and `approver`
    as the physician who signed in; `asked` records each time it was asked, with what."""

    def __init__(self, reason: str, approver: Actor | None = None) -> None:
        self.reason, self.approver = reason, approver
        self.asked: list[tuple[Approval, ...]] = []

    def __call__(
        self,
        _parent: QWidget,
        _ws: Workstation,
        needed: tuple[Approval, ...],
        _given: tuple[Override, ...] = (),
        /,
    ) -> ApprovalAnswer:
        self.asked.append(needed)
        overrides = tuple(Override(a.code, self.reason) for a in needed)
        return ApprovalAnswer(overrides, self.approver)

    @property
    def messages(self) -> list[str]:
        return [a.message for needed in self.asked for a in needed]


def saved_payload(dialog: EntryDialog[EventRecord], kind: type[T]) -> T:
    """The payload the dialog saved, checked to be of the kind the test expects."""
    payload = dialog.saved().payload
    assert isinstance(payload, kind), payload
    return payload


def set_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Replace the text of a line edit, editable combo or text box by typing it (QTest types
    ASCII only, so other text is inserted as an input method would)."""
    if isinstance(widget, QComboBox):
        line = widget.lineEdit()
        assert line is not None
        widget = line
    assert isinstance(widget, (QLineEdit, QPlainTextEdit))
    widget.clear()
    if text.isascii():
        qtbot.keyClicks(widget, text)
    elif isinstance(widget, QLineEdit):
        widget.insert(text)
    else:
        widget.insertPlainText(text)


def press_enter(qtbot: QtBot, widget: QWidget) -> None:
    if isinstance(widget, QComboBox) and widget.lineEdit() is not None:
        line = widget.lineEdit()
        assert line is not None
        widget = line
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def messages(dialog: EntryDialog[object]) -> list[str]:
    """Every visible problem: the errors under fields and the dialog's message."""
    texts = []
    for label in dialog.findChildren(QLabel):
        name = label.objectName()
        if label.text() and (
            name == "formMessage" or (name == "fieldError" and label.isVisibleTo(dialog))
        ):
            texts.append(label.text())
    return texts


def message_text(dialog: EntryDialog[object]) -> str:
    return " | ".join(messages(dialog))


def event_count(clinic: Clinic, session_id: str) -> int:
    with clinic.db.reading() as tx:
        from ketachart.services.sessions import load_session

        return len(load_session(tx, session_id).events)


def accepted(dialog: EntryDialog[object]) -> bool:
    return dialog.result() == EntryDialog.DialogCode.Accepted and not dialog.isVisible()


def session_infusing(clinic: Clinic) -> str:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    clinic.later(10)
    return session_id


def session_stopped(clinic: Clinic, minutes_after: float = 5) -> str:
    """Infusion run 40 min at the plan's rate, then stopped `minutes_after` minutes ago."""
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    clinic.later(40)
    stop = p.InfusionStop(Decimal("35.0"), StopReason.COMPLETED)
    clinic.act(charting.chart, clinic.nurse, session_id, stop)
    clinic.later(minutes_after)
    return session_id
