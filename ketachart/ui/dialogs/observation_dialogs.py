"""During the session: side effects, rescue medicines and free-text notes."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.describe import describe
from ketachart.domain.events import EventRecord
from ketachart.domain.timeline import apply_corrections
from ketachart.domain.vocab import DoseUnit, Route, Severity, SideEffectKind
from ketachart.errors import FieldProblem
from ketachart.services.charting import give_rescue_medicine
from ketachart.ui.dialogs.base import SessionDialog
from ketachart.ui.forms import Submission
from ketachart.ui.widgets import ChoiceCombo, EnumCombo, editable_combo, multiline_edit
from ketachart.ui.workstation import Workstation

# The usual unit and route of common rescue medicines; the nurse types the dose given.
RESCUE_DEFAULTS: dict[str, tuple[DoseUnit, Route]] = {
    "Ondansetron": (DoseUnit.MG, Route.IV),
    "Midazolam": (DoseUnit.MG, Route.IV),
    "Lorazepam": (DoseUnit.MG, Route.IV),
    "Labetalol": (DoseUnit.MG, Route.IV),
    "Clonidine": (DoseUnit.MG, Route.PO),
    "Glycopyrrolate": (DoseUnit.MG, Route.IV),
    "Metoclopramide": (DoseUnit.MG, Route.IV),
    "Diphenhydramine": (DoseUnit.MG, Route.IV),
    "Hydralazine": (DoseUnit.MG, Route.IV),
}


class SideEffectDialog(SessionDialog):
    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "Side effect", parent)
        self.kind = EnumCombo(
            list(SideEffectKind), self.tr("Side effect"), placeholder=self.tr("Choose…")
        )
        self.add_field("kind", self.tr("Side effect"), self.kind)
        self.severity = EnumCombo(list(Severity), self.tr("Severity"), current=Severity.MILD)
        self.add_field("severity", self.tr("Severity"), self.severity)
        self.description = self.text_field(
            "description", "Description (required for Other)", max_len=limits.DESCRIPTION
        )
        self.intervention = self.text_field(
            "intervention", "Intervention (what was done)", max_len=limits.DESCRIPTION
        )
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.finish_form(self.kind)

    def _on_kind_changed(self, *_args: object) -> None:
        if self.kind.value() is SideEffectKind.OTHER:
            self._touched.add("description")
            self.validate_live()

    def build(self) -> p.Payload:
        values = self.values()
        kind = self.kind.value()
        if kind is None:
            values.problems.append(FieldProblem("kind", self.tr("Choose the side effect.")))
        effect = p.SideEffect(
            kind or SideEffectKind.NAUSEA,  # stands in until chosen, for the other checks
            self.severity.value() or Severity.MILD,
            self.description.text().strip(),
            self.intervention.text().strip(),
        )
        return values.done(effect)

    def submit(self, submission: Submission) -> EventRecord:
        return self.chart_submission(submission)


class RescueMedicineDialog(SessionDialog):
    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "Rescue medicine", parent)
        self.drug = editable_combo(list(RESCUE_DEFAULTS), self.tr("Drug"), max_len=limits.LABEL)
        self.add_field("drug", self.tr("Drug"), self.drug)
        self.dose = self.text_field("dose", "Dose", max_len=limits.NUMBER)
        self.unit = EnumCombo(
            list(DoseUnit), self.tr("Unit"), labels={u: u.value for u in DoseUnit}
        )
        self.add_field("unit", self.tr("Unit"), self.unit)
        self.route = EnumCombo(list(Route), self.tr("Route"), current=Route.IV)
        self.add_field("route", self.tr("Route"), self.route)
        self.indication = self.text_field(
            "indication", "Indication (what it is for)", max_len=limits.REASON
        )
        self.response = self.text_field(
            "response", "Response (optional)", max_len=limits.DESCRIPTION
        )
        self.side_effect = ChoiceCombo(self._side_effects(), self.tr("Treats side effect"))
        self.add_field("side_effect_id", self.tr("Treats side effect"), self.side_effect)
        self.drug.editTextChanged.connect(self._on_drug_edited)
        self.finish_form(self.drug)

    def _side_effects(self) -> list[tuple[str, object]]:
        choices: list[tuple[str, object]] = [(self.tr("None"), None)]
        for event in apply_corrections(self.session.events):
            if isinstance(event.payload, p.SideEffect) and not event.voided:
                at = event.occurred_at.astimezone().strftime("%H:%M")
                choices.append((f"{at} {describe(event.payload)}", event.record.id))
        return choices

    def _on_drug_edited(self, text: str) -> None:
        defaults = RESCUE_DEFAULTS.get(text.strip().capitalize())
        if defaults is not None:
            self.unit.set_value(defaults[0])
            self.route.set_value(defaults[1])
        self._touched.add("drug")
        self.validate_live()

    def build(self) -> p.Payload:
        values = self.values()
        linked = self.side_effect.value()
        payload = p.RescueMedicine(
            drug=self.drug.currentText().strip(),
            dose=values.decimal("dose", "Dose"),
            unit=self.unit.value() or DoseUnit.MG,
            route=self.route.value() or Route.IV,
            indication=self.indication.text().strip(),
            response=self.response.text().strip(),
            side_effect_id=linked if isinstance(linked, str) else None,
        )
        return values.done(payload)

    def submit(self, submission: Submission) -> EventRecord:
        medicine = submission.payload
        assert isinstance(medicine, p.RescueMedicine)
        return self.ws.act(
            give_rescue_medicine, self.session_id, medicine, occurred_at=submission.occurred_at
        )


class NoteDialog(SessionDialog):
    """Enter makes a new line here; Ctrl+Enter saves."""

    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "Note", parent)
        self.note = multiline_edit(self.tr("Note"), max_len=limits.NOTE)
        self.note.setPlaceholderText(self.tr("Type the note. Ctrl+Enter saves."))
        self.add_field("text", self.tr("Note (Ctrl+Enter saves)"), self.note)
        self.finish_form(self.note)

    def build(self) -> p.Payload:
        return p.Note(self.note.toPlainText().strip())

    def submit(self, submission: Submission) -> EventRecord:
        return self.chart_submission(submission)
