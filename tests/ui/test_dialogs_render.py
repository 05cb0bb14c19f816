"""Each dialog rendered with the bedside theme: it fits a 1366x768 screen, its text is large and
nothing is cut off. Set KETACHART_DIALOG_PNGS=/some/dir to keep the PNGs and look at them."""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind
from ketachart.domain.vocab import Severity, SideEffectKind
from ketachart.services import charting
from ketachart.services.sessions import load_session
from ketachart.ui.dialogs.controlled_substance_dialog import ControlledSubstanceDialog
from ketachart.ui.dialogs.correction_dialog import CorrectionDialog
from ketachart.ui.dialogs.discharge_dialog import DischargeDialog, RideDialog
from ketachart.ui.dialogs.infusion_dialogs import (
    PauseDialog,
    RateChangeDialog,
    ResumeDialog,
    StartInfusionDialog,
    StopInfusionDialog,
)
from ketachart.ui.dialogs.iv_dialogs import IvRemovedDialog, IvStartDialog
from ketachart.ui.dialogs.observation_dialogs import (
    NoteDialog,
    RescueMedicineDialog,
    SideEffectDialog,
)
from ketachart.ui.dialogs.pre_checks_dialog import PreChecksDialog
from ketachart.ui.dialogs.recovery_dialog import RecoveryCheckDialog
from ketachart.ui.forms import EntryDialog
from ketachart.ui.theme import BASE_POINT_SIZE
from ketachart.ui.workstation import Workstation
from tests.support import Clinic
from tests.ui.dialog_helpers import session_infusing, session_stopped

SMALL_SCREEN = (1366, 768)


def correction(ws: Workstation, session_id: str, kind: EventKind) -> CorrectionDialog:
    events = ws.query(load_session, session_id).events
    return CorrectionDialog(ws, session_id, next(e for e in events if e.kind is kind), None)


PROBLEMS = {
    "start_infusion_problems": {"rate_ml_h": "-5", "concentration_mg_ml": "abc"},
    "discharge_not_saved": {"escort_name": "Jo", "phone": "12"},
    "discharge_override_declined": {
        "escort_name": "Jürgen Weiß",
        "relationship": "spouse",
        "phone": "+1 555 010 0199",
    },
}


def show_problems(dialog: QWidget, texts: dict[str, str]) -> None:
    """Type bad values into the open dialog and press Save, as a nurse would."""
    assert isinstance(dialog, EntryDialog)
    dialog.ask_approvals = lambda _parent, _ws, _needed, _given=(): None
    for name, text in texts.items():
        edit = dialog.field(name)
        assert isinstance(edit, QLineEdit)
        edit.setText(text)
    if isinstance(dialog, DischargeDialog) and "relationship" in texts:
        for box in dialog.instructions.values():
            box.setChecked(True)
    dialog.accept()


def dialogs(ws: Workstation, clinic: Clinic) -> dict[str, Callable[[], QWidget]]:
    fresh, infusing, stopped = (
        clinic.open_session(),
        session_infusing(clinic),
        session_stopped(clinic),
    )
    effect = p.SideEffect(SideEffectKind.NAUSEA, Severity.MILD, "queasy")
    clinic.act(charting.chart, clinic.nurse, infusing, effect)
    clinic.act(charting.change_rate, clinic.nurse, infusing, Decimal(60), "Tolerating well")
    return {
        "iv_start": lambda: IvStartDialog(ws, fresh),
        "iv_removed": lambda: IvRemovedDialog(ws, stopped),
        "start_infusion": lambda: StartInfusionDialog(ws, fresh),
        "rate_change": lambda: RateChangeDialog(ws, infusing),
        "pause": lambda: PauseDialog(ws, infusing),
        "resume": lambda: ResumeDialog(ws, infusing),
        "stop": lambda: StopInfusionDialog(ws, infusing),
        "side_effect": lambda: SideEffectDialog(ws, infusing),
        "rescue_medicine": lambda: RescueMedicineDialog(ws, infusing),
        "note": lambda: NoteDialog(ws, infusing),
        "recovery_check": lambda: RecoveryCheckDialog(ws, stopped),
        "discharge": lambda: DischargeDialog(ws, stopped),
        "ride": lambda: RideDialog(ws, stopped),
        "controlled_substance": lambda: ControlledSubstanceDialog(ws, stopped),
        "pre_checks": lambda: PreChecksDialog(ws, fresh),
        "correction_vitals": lambda: correction(ws, infusing, EventKind.VITALS),
        "correction_rate_change": lambda: correction(ws, infusing, EventKind.RATE_CHANGE),
        "correction_pre_checks": lambda: correction(ws, infusing, EventKind.PRE_CHECKS),
        "start_infusion_problems": lambda: StartInfusionDialog(ws, fresh),
        "discharge_not_saved": lambda: DischargeDialog(ws, stopped),
        "discharge_override_declined": lambda: DischargeDialog(ws, stopped),
    }


def clipped(dialog: QWidget) -> list[str]:
    """Texts shown narrower than they need (labels that do not wrap, buttons, check boxes)."""
    problems = []
    for widget in dialog.findChildren(QWidget):
        if not widget.isVisibleTo(dialog):
            continue
        if isinstance(widget, QLabel) and not widget.wordWrap() and widget.text():
            needed = widget.minimumSizeHint().width()
        elif isinstance(widget, QAbstractButton) and widget.text():
            needed = widget.sizeHint().width()
        else:
            continue
        if widget.width() < needed:
            problems.append(f"{widget.text()!r}: {widget.width()} < {needed}")
    return problems


def test_dialogs_are_readable_and_fit_a_small_screen(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, themed: None, tmp_path: Path
) -> None:
    folder = Path(os.environ.get("KETACHART_DIALOG_PNGS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    for name, make in dialogs(ws, ui_clinic).items():
        dialog = make()
        qtbot.addWidget(dialog)
        hint = dialog.sizeHint().expandedTo(dialog.minimumSizeHint())
        assert hint.width() <= SMALL_SCREEN[0] * 0.95, (name, hint)
        assert hint.height() <= SMALL_SCREEN[1] * 0.95, (name, hint)
        dialog.resize(hint)
        dialog.show()
        qtbot.waitExposed(dialog)
        if name in PROBLEMS:
            show_problems(dialog, PROBLEMS[name])
        assert clipped(dialog) == [], name
        labels = [w for w in dialog.findChildren(QLabel) if w.isVisibleTo(dialog) and w.text()]
        assert min(w.font().pointSizeF() for w in labels) >= BASE_POINT_SIZE, name
        assert dialog.grab().save(str(folder / f"{name}.png")), name
        dialog.close()
