"""Recovery check: vitals, nausea, mental status and the protocol's discharge score."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QWidget

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.events import EventRecord
from ketachart.domain.scores import (
    SCORE_ITEMS,
    SCORE_LABELS,
    bp_change_points,
    padss_vital_points,
    score_total,
    spo2_points,
)
from ketachart.domain.vocab import MentalStatus, Nausea
from ketachart.services.charting import record_recovery_check
from ketachart.ui.dialogs.base import SessionDialog
from ketachart.ui.dialogs.vitals_dialog import VitalsFields, split_quick_entry
from ketachart.ui.forms import Submission
from ketachart.ui.widgets import ChoiceCombo, EnumCombo, insert_row, line_edit
from ketachart.ui.workstation import Workstation

# Each item: its label and what 2, 1 and 0 points mean.
SCORE_TEXT: dict[str, tuple[str, tuple[str, str, str]]] = {
    "activity": ("Activity", ("moves 4 limbs", "moves 2 limbs", "moves no limbs")),
    "respiration": (
        "Respiration",
        ("breathes deeply, coughs", "dyspnoea or limited breathing", "apnoeic"),
    ),
    "circulation": (
        "Circulation (BP vs baseline)",
        ("within 20 %", "20-49 % off", "50 % or more off"),
    ),
    "consciousness": ("Consciousness", ("fully awake", "arousable on calling", "not responding")),
    "spo2": ("SpO2", ("over 92 % on room air", "needs O2 to stay over 90 %", "under 90 % with O2")),
    "vital_signs": (
        "Vital signs (BP vs baseline)",
        ("within 20 %", "20-40 % off", "over 40 % off"),
    ),
    "activity_mental_status": (
        "Activity and mental status",
        ("oriented and steady gait", "oriented or steady gait", "neither"),
    ),
    "pain_nausea_vomiting": ("Pain, nausea, vomiting", ("minimal", "moderate", "severe")),
    "bleeding": ("Bleeding", ("minimal", "moderate", "severe")),
    "intake_output": ("Intake and output", ("drank and voided", "one of these", "neither")),
}
MENTAL_LABELS = {
    MentalStatus.BASELINE: "At baseline",
    MentalStatus.DROWSY: "Drowsy",
    MentalStatus.CONFUSED: "Confused",
    MentalStatus.AGITATED: "Agitated",
}


def plain_int(edit: QLineEdit) -> int | None:
    text = edit.text().strip()
    return int(text) if text.isdecimal() and len(text) <= 3 else None


class RecoveryCheckDialog(SessionDialog):
    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "Recovery check", parent)
        self.score_kind = self.session.protocol.discharge_score
        self.quick = line_edit(
            self.tr("Quick entry"),
            placeholder="120/80 72 16 98 [MOAA/S] [pain]",
            max_len=limits.QUICK_ENTRY,
        )
        insert_row(self.form, 0, self.tr("Quick entry"), self.quick)
        self.fields = VitalsFields(self)
        with self.section(None, column=1):
            self.nausea = EnumCombo(list(Nausea), self.tr("Nausea"), current=Nausea.NONE)
            self.add_field("nausea", self.tr("Nausea"), self.nausea)
            self.mental = EnumCombo(
                list(MentalStatus), self.tr("Mental status"), labels=MENTAL_LABELS
            )
            self.add_field("mental_status", self.tr("Mental status"), self.mental)
            self.items = {name: self._score_combo(name) for name in SCORE_ITEMS[self.score_kind]}
            self.total = self.info_row(f"{SCORE_LABELS[self.score_kind]} total")
        self._chosen_by_hand: set[str] = set()
        self._connect_prefill()
        self._on_score_changed()
        self.finish_form(self.quick)

    def _score_combo(self, name: str) -> ChoiceCombo:
        label, meanings = SCORE_TEXT[name]
        choices: list[tuple[str, object]] = [(self.tr("Choose…"), None)]
        choices += [(f"{points} - {self.tr(meanings[2 - points])}", points) for points in (2, 1, 0)]
        combo = ChoiceCombo(choices, self.tr(label))
        self.add_field(f"score.{name}", self.tr(label), combo)
        combo.activated.connect(lambda _index, item=name: self._chosen_by_hand.add(item))
        combo.currentIndexChanged.connect(self._on_score_changed)
        return combo

    def _connect_prefill(self) -> None:
        self.quick.textChanged.connect(lambda text: self.fields.fill(split_quick_entry(text)))
        for name in ("systolic", "spo2"):
            self.fields.edits[name].textChanged.connect(self._on_vitals_changed)

    def _on_vitals_changed(self, *_args: object) -> None:
        """Score the BP and SpO2 items from the typed vitals, unless chosen by hand."""
        systolic = plain_int(self.fields.edits["systolic"])
        spo2 = plain_int(self.fields.edits["spo2"])
        baseline = self.state.baseline
        if systolic is not None and baseline is not None and baseline.systolic > 0:
            self._prefill("circulation", bp_change_points(baseline.systolic, systolic))
            self._prefill("vital_signs", padss_vital_points(baseline.systolic, systolic))
        if spo2 is not None:
            self._prefill("spo2", spo2_points(spo2))

    def _prefill(self, name: str, points: int) -> None:
        combo = self.items.get(name)
        if combo is not None and name not in self._chosen_by_hand:
            combo.set_value(points)

    def score_items(self) -> dict[str, int]:
        chosen = {name: combo.value() for name, combo in self.items.items()}
        return {name: value for name, value in chosen.items() if isinstance(value, int)}

    def _on_score_changed(self, *_args: object) -> None:
        items = self.score_items()
        total, threshold = score_total(items), self.session.protocol.discharge_threshold
        missing = len(self.items) - len(items)
        if missing:
            text = self.tr("%s so far; %s item(s) still to score") % (total, missing)
        elif total >= threshold:
            text = self.tr("%s of 10: meets the discharge threshold (%s)")
            text %= (total, threshold)
        else:
            text = self.tr("%s of 10: below the discharge threshold (%s)")
            text %= (total, threshold)
        self.total.setText(text)

    def build(self) -> p.Payload:
        values = self.values()
        check = p.RecoveryCheck(
            vitals=values.vitals(),
            nausea=self.nausea.value() or Nausea.NONE,
            mental_status=self.mental.value() or MentalStatus.BASELINE,
            score_kind=self.score_kind,
            score_items=self.score_items(),
        )
        return values.done(check)

    def submit(self, submission: Submission) -> EventRecord:
        check = submission.payload
        assert isinstance(check, p.RecoveryCheck)
        return self.ws.act(
            record_recovery_check, self.session_id, check, occurred_at=submission.occurred_at
        )
