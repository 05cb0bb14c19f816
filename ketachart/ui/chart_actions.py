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
class Variant:
    """What an entry button charts: its words, the kind of entry and the dialog for it."""

    label: str
    kind: EventKind
    dialog: DialogFactory


@dataclass(frozen=True)
class EntryAction:
    """One entry button and its one-key shortcut. Pause turns into Resume while the infusion
    is paused (`while_paused`): the button always says what it will chart."""

    key: str
    usual: Variant
    while_paused: Variant | None = None

    def now(self, state: SessionState) -> Variant:
        return self.while_paused if state.paused and self.while_paused else self.usual

    def factory(self, state: SessionState) -> DialogFactory:
        return self.now(state).dialog

    @property
    def label(self) -> str:
        return self.usual.label

    @property
    def kind(self) -> EventKind:
        """The kind the button charts outside a pause (its `now(state).kind` says for now)."""
        return self.usual.kind


def entry(key: str, label: str, kind: EventKind, dialog: DialogFactory) -> EntryAction:
    return EntryAction(key, Variant(label, kind, dialog))


ENTRY_ACTIONS: tuple[EntryAction, ...] = (
    entry("H", "Pre-checks", EventKind.PRE_CHECKS, PreChecksDialog),
    entry("I", "IV start", EventKind.IV_START, IvStartDialog),
    entry("S", "Start infusion", EventKind.INFUSION_START, StartInfusionDialog),
    entry("V", "Vitals", EventKind.VITALS, VitalsDialog),
    entry("R", "Change rate", EventKind.RATE_CHANGE, RateChangeDialog),
    EntryAction(
        "P",
        Variant("Pause", EventKind.PAUSE, PauseDialog),
        Variant("Resume", EventKind.RESUME, ResumeDialog),
    ),
    entry("E", "Side effect", EventKind.SIDE_EFFECT, SideEffectDialog),
    entry("M", "Rescue medicine", EventKind.RESCUE_MEDICINE, RescueMedicineDialog),
    entry("N", "Note", EventKind.NOTE, NoteDialog),
    entry("T", "Stop infusion", EventKind.INFUSION_STOP, StopInfusionDialog),
    entry("C", "Recovery check", EventKind.RECOVERY_CHECK, RecoveryCheckDialog),
    entry("O", "IV removed", EventKind.IV_REMOVED, IvRemovedDialog),
    entry("K", "Controlled substance", EventKind.CONTROLLED_SUBSTANCE, ControlledSubstanceDialog),
    entry("D", "Discharge", EventKind.DISCHARGE, DischargeDialog),
    entry("G", "Reconcile dose", EventKind.DOSE_RECONCILIATION, ReconciliationDialog),
)
