"""One line of plain text per timeline entry, for the chart table and the PDF."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ketachart.domain import payloads as p
from ketachart.domain.acknowledgement import acknowledgement_text
from ketachart.domain.labels import signer_label
from ketachart.domain.scores import SCORE_LABELS, score_total
from ketachart.domain.vocab import INSTRUCTION_LABELS, PRE_CHECK_LABELS


def describe(payload: p.Payload) -> str:
    """What an entry says, in words a clinician reads at a glance."""
    describer = _DESCRIBERS.get(type(payload))
    return describer(payload) if describer else ""


def _vitals(v: p.Vitals) -> str:
    """The reading, and the nurse's acknowledgement of its alerts when it has one."""
    if v.acknowledgement is None:
        return vitals_text(v)
    return f"{vitals_text(v)}. {acknowledgement_text(v.acknowledgement)}"


def vitals_text(v: p.Vitals) -> str:
    parts = [
        f"BP {v.systolic}/{v.diastolic}",
        f"HR {v.heart_rate}",
        f"RR {v.resp_rate}",
        f"SpO2 {v.spo2} %",
    ]
    if v.temperature_c is not None:
        parts.append(f"T {v.temperature_c} °C")
    if v.moaas is not None:
        parts.append(f"MOAA/S {v.moaas}")
    if v.pain is not None:
        parts.append(f"pain {v.pain}/10")
    if v.cadss6 is not None:
        parts.append(f"CADSS-6 {v.cadss6}")
    return ", ".join(parts)


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _opened(x: p.SessionOpened) -> str:
    return f"Weight {x.weight_kg} kg"


def _pre_checks(x: p.PreChecks) -> str:
    items = [
        f"{PRE_CHECK_LABELS[i.code]}: {i.status.value.replace('_', ' ')}"
        + (f" ({i.detail})" if i.detail else "")
        for i in x.items
    ]
    escort = x.escort
    if escort is not None:
        items.append(f"escort {escort_text(escort)}")
    return "; ".join(items)


def escort_text(escort: p.Escort) -> str:
    """'Name (relationship), phone', leaving out what was not given."""
    text = escort.name + (f" ({escort.relationship})" if escort.relationship else "")
    return ", ".join(part for part in (text.strip(), escort.phone) if part)


def _iv_start(x: p.IvStart) -> str:
    return f"{x.site}, {x.gauge} G, {x.attempts} attempt{'s' if x.attempts != 1 else ''}"


def _infusion_start(x: p.InfusionStart) -> str:
    return (
        f"{x.drug} {_number(x.concentration_mg_ml)} mg/mL, bag {_number(x.bag_volume_ml)} mL, "
        f"{x.rate_ml_h} mL/h = {x.dose_mg_h} mg/h = {x.dose_mg_kg_h} mg/kg/h"
    )


def _rate_change(x: p.RateChange) -> str:
    return f"{x.rate_ml_h} mL/h = {x.dose_mg_h} mg/h = {x.dose_mg_kg_h} mg/kg/h; reason: {x.reason}"


def _side_effect(x: p.SideEffect) -> str:
    text = f"{x.kind.value.replace('_', ' ').capitalize()} ({x.severity.value})"
    if x.description:
        text += f": {x.description}"
    return text + (f"; intervention: {x.intervention}" if x.intervention else "")


def _rescue(x: p.RescueMedicine) -> str:
    text = f"{x.drug} {_number(x.dose)} {x.unit.value} {x.route.value}"
    if x.indication:
        text += f" for {x.indication}"
    return text + (f"; response: {x.response}" if x.response else "")


def _stop(x: p.InfusionStop) -> str:
    reason = x.reason.value.replace("_", " ")
    return f"Pump volume {x.pump_volume_ml} mL; {reason}" + (f": {x.detail}" if x.detail else "")


def _recovery(x: p.RecoveryCheck) -> str:
    score = f"{SCORE_LABELS[x.score_kind]} {score_total(x.score_items)}/10"
    text = (
        f"{vitals_text(x.vitals)}; nausea {x.nausea.value}; mental status "
        f"{x.mental_status.value}; {score}"
    )
    ack = x.vitals.acknowledgement
    return text if ack is None else f"{text}. {acknowledgement_text(ack)}"


def _iv_removed(x: p.IvRemoved) -> str:
    text = (
        ("catheter intact" if x.catheter_intact else "CATHETER NOT INTACT")
        + ", "
        + ("site OK" if x.site_ok else "SITE PROBLEM")
    )
    return text + (f"; {x.note}" if x.note else "")


def _ride(x: p.RideConfirmed) -> str:
    return (
        f"Escort {x.escort_name} ({x.relationship}), phone {x.phone}; confirmed by {x.confirmed_by}"
    )


def _discharge(x: p.Discharge) -> str:
    given = "; ".join(INSTRUCTION_LABELS[i] for i in x.instructions)
    return f"Instructions given: {given}" + (f". {x.note}" if x.note else "")


def _correction(x: p.Correction) -> str:
    return f"{'Entered in error' if x.replacement is None else 'Corrected'}: {x.reason}"


def _controlled(x: p.ControlledSubstance) -> str:
    return (
        f"{x.drug} lot {x.lot} (exp {x.expiry.isoformat()}), {_number(x.concentration_mg_ml)} "
        f"mg/mL x {_number(x.container_ml)} mL: drawn {x.drawn_mg} mg, administered "
        f"{x.administered_mg} mg, wasted {x.wasted_mg} mg; witness {x.witness_name}"
    )


def _reconciliation(x: p.DoseReconciliation) -> str:
    """The amounts as found, what was accepted or explained, and why."""
    found = [f"delivered by the charted rates {_mg(x.delivered_mg)}"]
    if x.pump_mg is not None:
        found.append(f"by pump volume {_mg(x.pump_mg)}")
    if x.recorded_mg is not None:
        found.append(f"per controlled-substance record {_mg(x.recorded_mg)}")
    text = "Amounts found: " + ", ".join(found)
    if x.accepted_mg is not None:
        text += f"; delivered amount accepted {_mg(x.accepted_mg)}"
    if x.explanation:
        text += f"; explanation: {x.explanation}"
    return f"{text}; reason: {x.reason}"


def _mg(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')).normalize():f} mg"


def _signature(x: p.Signature | p.Attestation) -> str:
    return f"{signer_label(x)}: {x.meaning}"


_DESCRIBERS: dict[type, Callable[..., str]] = {
    p.SessionOpened: _opened,
    p.PreChecks: _pre_checks,
    p.IvStart: _iv_start,
    p.InfusionStart: _infusion_start,
    p.RateChange: _rate_change,
    p.Pause: lambda x: f"Reason: {x.reason}",
    p.Resume: lambda x: x.note,
    p.Vitals: _vitals,
    p.SideEffect: _side_effect,
    p.RescueMedicine: _rescue,
    p.Note: lambda x: x.text,
    p.InfusionStop: _stop,
    p.RecoveryCheck: _recovery,
    p.IvRemoved: _iv_removed,
    p.RideConfirmed: _ride,
    p.Discharge: _discharge,
    p.Correction: _correction,
    p.ControlledSubstance: _controlled,
    p.Attestation: _signature,
    p.Signature: _signature,
    p.Addendum: lambda x: x.text,
    p.DoseReconciliation: _reconciliation,
}
