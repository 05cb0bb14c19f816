"""Keyboard-only charting: Tab follows the form then reaches Save, every input has a name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ketachart.ui.dialogs.iv_dialogs import IvStartDialog
from ketachart.ui.forms import EntryDialog
from ketachart.ui.widgets import form_inputs
from ketachart.ui.workstation import Workstation
from tests.support import Clinic
from tests.ui.dialog_helpers import shown
from tests.ui.test_dialogs_render import dialogs

INPUTS = (
    QLineEdit,
    QComboBox,
    QCheckBox,
    QRadioButton,
    QPlainTextEdit,
    QDateTimeEdit,
    QPushButton,
)


def tab_through(qtbot: QtBot, dialog: EntryDialog[object], count: int) -> list[QWidget]:
    """The first `count` widgets that get the focus, Tab after Tab, from the form's first
    input. (Tab first walks the sections of the time field: year, month, day, hour, minute.)"""
    form_inputs(dialog)[0].setFocus()
    seen: list[QWidget] = []
    for _ in range(count * 6):
        focused = dialog.focusWidget()
        assert focused is not None
        if not seen or owner(focused) is not seen[-1]:
            seen.append(owner(focused))
        if len(seen) == count:
            break
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    return seen


def owner(widget: QWidget) -> QWidget:
    """The input a focused widget belongs to (an editable combo's line edit: the combo)."""
    parent = widget.parentWidget()
    return parent if isinstance(parent, (QComboBox, QDateTimeEdit)) else widget


def test_iv_start_tab_order(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    dialog = shown(IvStartDialog(ws, ui_clinic.open_session()), qtbot)
    order = tab_through(qtbot, dialog, 7)
    names = [w.accessibleName() or w.text() for w in order]  # type: ignore[attr-defined]
    assert names == [
        "Time of the entry",
        "IV site",
        "Catheter gauge",
        "Attempts",
        "Save",
        "Cancel",
        "Time of the entry",
    ]


def test_every_dialog_tabs_through_all_inputs_to_save(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    for name, make in dialogs(ws, ui_clinic).items():
        dialog = shown(make(), qtbot)
        assert isinstance(dialog, EntryDialog)
        inputs = [
            w
            for w in dialog.findChildren(QWidget)
            if isinstance(w, INPUTS)
            and w.isVisibleTo(dialog)
            and w.isEnabled()
            and not isinstance(w.parentWidget(), (QComboBox, QDateTimeEdit))
            and w not in dialog.buttons.buttons()
            and not (isinstance(w, QRadioButton) and not w.isChecked())  # arrows choose
        ]
        for widget in inputs:
            label = widget.accessibleName() or getattr(widget, "text", lambda: "")()
            assert label, (name, type(widget).__name__)
        order = tab_through(qtbot, dialog, len(inputs) + 2)
        assert set(inputs) <= set(order), name
        save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
        assert save in order, (name, [w.accessibleName() for w in order])
        assert order.index(save) == len(inputs), name  # Save right after the last input
        dialog.close()
