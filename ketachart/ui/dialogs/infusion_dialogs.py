"""The pump: start, rate change, pause, resume, stop. Each shows the dose a rate means."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QLineEdit, QWidget

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.dose import rate_mg_h, rate_mg_kg_h
from ketachart.domain.events import EventRecord
from ketachart.domain.monitoring import delivered_so_far
from ketachart.domain.vocab import StopReason
from ketachart.errors import ValidationError
from ketachart.services.charting import change_rate, start_infusion
from ketachart.ui.dialogs.base import SessionDialog
from ketachart.ui.forms import Submission, parse_decimal
from ketachart.ui.widgets import EnumCombo, number_text
from ketachart.ui.workstation import Workstation


def typed_number(edit: QLineEdit) -> Decimal | None:
    """The number in `edit`, or None while it is empty or not (yet) a usable number."""
    try:
        value = parse_decimal(edit.text(), "value", "Value", required=False)
    except ValidationError:
        return None
    return value if value is not None and value > 0 else None


def dose_text(rate: Decimal | None, concentration: Decimal | None, weight: Decimal) -> str:
    """'= 52.5 mg/h = 0.75 mg/kg/h' for a rate at a concentration and weight."""
    if rate is None or concentration is None or concentration <= 0 or weight <= 0:
        return ""
    mg_h = rate_mg_h(rate, concentration)
    per_kg = rate_mg_kg_h(rate, concentration, weight)
    return f"= {number_text(mg_h)} mg/h = {number_text(per_kg)} mg/kg/h"


class _PumpDialog(SessionDialog):
    """Shared by the pump dialogs: the dose a typed rate means, against the protocol maximum."""

    def rate_dose_text(self, rate: Decimal | None, concentration: Decimal | None) -> str:
        text = dose_text(rate, concentration, self.state.weight_kg)
        if not text or rate is None or concentration is None:
            return text
        maximum = self.session.protocol.max_rate_mg_per_kg_h
        if rate_mg_kg_h(rate, concentration, self.state.weight_kg) > maximum:
            warning = self.tr(
                "Warning: above the protocol maximum of %s mg/kg/h: a physician must approve"
            )
            return f"{text}\n" + warning % number_text(maximum)
        return text

    def running_text(self) -> str:
        state = self.state
        if not state.infusion_running:
            return self.tr("The infusion is not running.")
        rate = self.tr("Paused") if state.paused else f"{number_text(state.rate_ml_h)} mL/h"
        dose = (
            ""
            if state.paused
            else dose_text(state.rate_ml_h, state.concentration_mg_ml, state.weight_kg)
        )
        return f"{rate} {dose}".strip()


class StartInfusionDialog(_PumpDialog):
    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "Start infusion", parent)
        protocol, plan = self.session.protocol, self.state.plan
        self.drug = self.text_field("drug", "Drug", protocol.drug, max_len=limits.LABEL)
        concentration = number_text(protocol.concentration_mg_ml)
        self.concentration = self.text_field(
            "concentration_mg_ml", "Concentration (mg/mL)", concentration, max_len=limits.NUMBER
        )
        self.bag = self.text_field(
            "bag_volume_ml", "Bag volume (mL)", placeholder="e.g. 100", max_len=limits.NUMBER
        )
        self.rate = self.text_field(
            "rate_ml_h", "Pump rate (mL/h)", number_text(plan.rate_ml_h), max_len=limits.NUMBER
        )
        self.dose = self.info_row("Dose")
        self.dose.setObjectName("doseInfo")
        self.plan = self.info_row("Plan")
        for edit in (self.concentration, self.rate):
            edit.textChanged.connect(self._on_numbers_changed)
        self._on_numbers_changed()
        self.finish_form(self.bag)

    def _on_numbers_changed(self, *_args: object) -> None:
        concentration = typed_number(self.concentration)
        self.dose.setText(self.rate_dose_text(typed_number(self.rate), concentration))
        self.plan.setText(self._plan_text(concentration))

    def _plan_text(self, concentration: Decimal | None) -> str:
        plan, protocol = self.state.plan, self.session.protocol
        text = self.tr("%s mg over %s min for %s kg (%s mg/kg/h)") % (
            number_text(plan.total_mg),
            plan.duration_min,
            number_text(plan.weight_kg),
            number_text(plan.rate_mg_kg_h),
        )
        if concentration is not None:
            rate = (plan.rate_mg_h / concentration).quantize(Decimal("0.1"))
            text += self.tr(" = %s mL/h at %s mg/mL") % (
                number_text(rate),
                number_text(concentration),
            )
        limits = self.tr("Protocol maximum: %s mg in total, %s mg/kg/h.") % (
            number_text(plan.max_total_mg),
            number_text(protocol.max_rate_mg_per_kg_h),
        )
        return f"{text}\n{limits}"

    def build(self) -> p.Payload:
        values = self.values()
        payload = p.InfusionStart(
            drug=self.drug.text().strip(),
            concentration_mg_ml=values.decimal("concentration_mg_ml", "Concentration"),
            bag_volume_ml=values.decimal("bag_volume_ml", "Bag volume"),
            rate_ml_h=values.decimal("rate_ml_h", "Pump rate"),
        )
        return values.done(payload)

    def submit(self, submission: Submission) -> EventRecord:
        payload = submission.payload
        assert isinstance(payload, p.InfusionStart)
        return self.ws.act(
            start_infusion,
            self.session_id,
            payload.rate_ml_h,
            payload.bag_volume_ml,
            concentration_mg_ml=payload.concentration_mg_ml,
            drug=payload.drug,
            occurred_at=submission.occurred_at,
            overrides=submission.overrides,
            approver=submission.approver,
        )


class RateChangeDialog(_PumpDialog):
    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "Rate change", parent)
        self.current = self.info_row("Now")
        self.current.setText(self.running_text())
        self.rate = self.text_field(
            "rate_ml_h",
            "New pump rate (mL/h)",
            number_text(self.state.rate_ml_h),
            max_len=limits.NUMBER,
        )
        self.dose = self.info_row("Dose")
        self.dose.setObjectName("doseInfo")
        self.reason = self.text_field("reason", "Reason for the change", max_len=limits.REASON)
        self.rate.textChanged.connect(self._on_rate_changed)
        self._on_rate_changed()
        self.finish_form(self.rate)
        self.rate.selectAll()

    def _on_rate_changed(self, *_args: object) -> None:
        rate = typed_number(self.rate)
        self.dose.setText(self.rate_dose_text(rate, self.state.concentration_mg_ml))

    def build(self) -> p.Payload:
        values = self.values()
        payload = p.RateChange(values.decimal("rate_ml_h", "Pump rate"), self.reason.text().strip())
        return values.done(payload)

    def submit(self, submission: Submission) -> EventRecord:
        payload = submission.payload
        assert isinstance(payload, p.RateChange)
        return self.ws.act(
            change_rate,
            self.session_id,
            payload.rate_ml_h,
            payload.reason,
            occurred_at=submission.occurred_at,
            overrides=submission.overrides,
            approver=submission.approver,
        )


class PauseDialog(_PumpDialog):
    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "Pause infusion", parent)
        self.current = self.info_row("Now")
        self.current.setText(self.running_text())
        self.reason = self.text_field("reason", "Reason for the pause", max_len=limits.REASON)
        self.finish_form(self.reason)

    def build(self) -> p.Payload:
        return p.Pause(self.reason.text().strip())

    def submit(self, submission: Submission) -> EventRecord:
        return self.chart_submission(submission)


class ResumeDialog(_PumpDialog):
    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "Resume infusion", parent)
        state = self.state
        resumes = self.tr("The pump resumes at %s mL/h %s") % (
            number_text(state.rate_ml_h),
            dose_text(state.rate_ml_h, state.concentration_mg_ml, state.weight_kg),
        )
        self.resumes = self.info_row("Rate")
        self.resumes.setText(resumes.strip())
        self.note = self.text_field("note", "Note (optional)", max_len=limits.REASON)
        self.finish_form(self.note)

    def build(self) -> p.Payload:
        return p.Resume(self.note.text().strip())

    def submit(self, submission: Submission) -> EventRecord:
        return self.chart_submission(submission)


class StopInfusionDialog(_PumpDialog):
    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "Stop infusion", parent)
        self.pump_volume = self.text_field(
            "pump_volume_ml",
            "Volume infused per pump (mL)",
            placeholder="from the pump display",
            max_len=limits.NUMBER,
        )
        self.computed = self.info_row("Computed")
        self.reason = EnumCombo(list(StopReason), self.tr("Reason"), current=StopReason.COMPLETED)
        self.add_field("reason", self.tr("Reason"), self.reason)
        self.detail = self.text_field(
            "detail", "Detail (required if stopped early)", max_len=limits.REASON
        )
        self.pump_volume.textChanged.connect(self._on_volume_changed)
        self.reason.currentIndexChanged.connect(self._on_reason_changed)
        self._on_volume_changed()
        self.finish_form(self.pump_volume)

    def _on_reason_changed(self, *_args: object) -> None:
        self._touched.add("detail")  # stopping early needs a reason: say so now, not at Save
        self.validate_live()

    def _on_volume_changed(self, *_args: object) -> None:
        self.computed.setText(self._comparison(typed_number(self.pump_volume)))

    def _comparison(self, pump_ml: Decimal | None) -> str:
        state = self.state
        delivered = delivered_so_far(state, self.ws.now())
        concentration = state.concentration_mg_ml
        text = self.tr("Delivered so far (from the charted rates): %s mg") % number_text(delivered)
        if concentration is None or concentration <= 0:
            return text
        volume = (delivered / concentration).quantize(Decimal("0.1"))
        text += self.tr(" = %s mL at %s mg/mL") % (number_text(volume), number_text(concentration))
        if pump_ml is not None:
            pump_mg = number_text(pump_ml * concentration)
            difference = number_text(pump_ml - volume)
            text += "\n" + self.tr("Pump: %s mg; difference %s mL") % (pump_mg, difference)
        return text

    def build(self) -> p.Payload:
        values = self.values()
        reason = self.reason.value() or StopReason.COMPLETED
        payload = p.InfusionStop(
            values.decimal("pump_volume_ml", "Volume infused"), reason, self.detail.text().strip()
        )
        return values.done(payload)

    def submit(self, submission: Submission) -> EventRecord:
        return self.chart_submission(submission)
