"""The charting buttons: one per kind of entry, each with a one-key shortcut."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from ketachart.domain.events import EventKind, EventRecord
from ketachart.domain.timeline import SessionState
from ketachart.ui.dialogs.controlled_substance_dialog import ControlledSubstanceDialog
from ketachart.ui.dialogs.discharge_dialog import DischargeDialog
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
from ketachart.ui.dialogs.reconciliation_dialog import ReconciliationDialog
from ketachart.ui.dialogs.recovery_dialog import RecoveryCheckDialog
from ketachart.ui.dialogs.vitals_dialog import VitalsDialog
from ketachart.ui.forms import EntryDialog
from ketachart.ui.workstation import Workstation

DialogFactory = Callable[[Workstation, str, QWidget | None], EntryDialog[EventRecord]]


@dataclass(frozen=True)
class EntryAction:
    key: str
    label: str
    kind: EventKind | None
    factory: Callable[[SessionState], DialogFactory]


def always(factory: DialogFactory) -> Callable[[SessionState], DialogFactory]:
    return lambda _state: factory


def pause_or_resume(state: SessionState) -> DialogFactory:
    return ResumeDialog if state.paused else PauseDialog


ENTRY_ACTIONS: tuple[EntryAction, ...] = (
    EntryAction("H", "Pre-checks", EventKind.PRE_CHECKS, always(PreChecksDialog)),
    EntryAction("I", "IV start", EventKind.IV_START, always(IvStartDialog)),
    EntryAction("S", "Start infusion", EventKind.INFUSION_START, always(StartInfusionDialog)),
    EntryAction("V", "Vitals", EventKind.VITALS, always(VitalsDialog)),
    EntryAction("R", "Change rate", EventKind.RATE_CHANGE, always(RateChangeDialog)),
    EntryAction("P", "Pause / resume", None, pause_or_resume),
    EntryAction("E", "Side effect", EventKind.SIDE_EFFECT, always(SideEffectDialog)),
    EntryAction("M", "Rescue medicine", EventKind.RESCUE_MEDICINE, always(RescueMedicineDialog)),
    EntryAction("N", "Note", EventKind.NOTE, always(NoteDialog)),
    EntryAction("T", "Stop infusion", EventKind.INFUSION_STOP, always(StopInfusionDialog)),
    EntryAction("C", "Recovery check", EventKind.RECOVERY_CHECK, always(RecoveryCheckDialog)),
    EntryAction("O", "IV removed", EventKind.IV_REMOVED, always(IvRemovedDialog)),
    EntryAction(
        "K",
        "Controlled substance",
        EventKind.CONTROLLED_SUBSTANCE,
        always(ControlledSubstanceDialog),
    ),
    EntryAction("D", "Discharge", None, always(DischargeDialog)),
    EntryAction("G", "Reconcile dose", EventKind.DOSE_RECONCILIATION, always(ReconciliationDialog)),
)
