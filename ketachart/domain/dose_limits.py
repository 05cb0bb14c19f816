"""Limits on the pump rate and the dose, compared on exact values (never after rounding):
the protocol's maximum rate and total need a physician's override; a rate more than the
protocol's fraction above the plan, and a baseline above the pre-infusion BP limit at the
infusion start, are asked about before the first mL."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from ketachart.domain.codes import ClinicalCode, Concern
from ketachart.domain.dose import delivered_exact, planned_rate_mg_h, to_mg
from ketachart.domain.timeline import SessionState


def rate_concerns(
    state: SessionState, rate_ml_h: Decimal, concentration: Decimal, at: datetime
) -> list[Concern]:
    """What starting at, or changing to, `rate_ml_h` at `at` needs approved."""
    mg_h = Fraction(rate_ml_h) * Fraction(concentration)
    above_max = _above_max_rate(state, rate_ml_h, mg_h) or _above_max_total(
        state, rate_ml_h, mg_h, at
    )
    if above_max is not None:
        return [above_max]
    above_plan = _above_plan(state, rate_ml_h, mg_h)
    return [above_plan] if above_plan is not None else []


def _above_max_rate(state: SessionState, rate_ml_h: Decimal, mg_h: Fraction) -> Concern | None:
    maximum = state.protocol.max_rate_mg_per_kg_h
    per_kg_h = mg_h / Fraction(state.weight_kg)
    if per_kg_h <= Fraction(maximum):
        return None
    return Concern(
        ClinicalCode.DOSE_RATE,
        f"{rate_ml_h} mL/h is {_shown(per_kg_h)} mg/kg/h, above the protocol maximum of "
        f"{maximum} mg/kg/h.",
        f"{per_kg_h}",
    )


def _above_max_total(
    state: SessionState, rate_ml_h: Decimal, mg_h: Fraction, at: datetime
) -> Concern | None:
    projected = _projected_total(state, mg_h, at)
    maximum = state.plan.max_total_mg
    if projected <= Fraction(maximum):
        return None
    return Concern(
        ClinicalCode.DOSE_TOTAL,
        f"At {rate_ml_h} mL/h the planned infusion would deliver {to_mg(projected)} mg, above "
        f"the protocol maximum of {maximum} mg.",
        f"{projected}",
    )


def _projected_total(state: SessionState, mg_h: Fraction, at: datetime) -> Fraction:
    """Delivered until `at`, plus `mg_h` until the planned end of the infusion."""
    started = state.infusion_started_at or at
    planned_end = started + timedelta(minutes=state.protocol.duration_min)
    remaining = max(planned_end - at, timedelta(0))
    hours = Fraction(remaining // timedelta(microseconds=1), 3_600_000_000)
    return delivered_exact(state.segments, at) + mg_h * hours


def _above_plan(state: SessionState, rate_ml_h: Decimal, mg_h: Fraction) -> Concern | None:
    fraction = Fraction(state.protocol.rate_above_plan_fraction)
    planned = planned_rate_mg_h(state.protocol, state.weight_kg)
    if mg_h <= planned * (1 + fraction):
        return None
    percent = (mg_h / planned - 1) * 100
    return Concern(
        ClinicalCode.RATE_ABOVE_PLAN,
        f"{rate_ml_h} mL/h is {_shown(percent, 0)} % above the planned rate "
        f"({state.plan.rate_ml_h} mL/h): please confirm.",
        f"{mg_h}/{planned}",
    )


def pre_infusion_bp_concern(state: SessionState) -> Concern | None:
    """A baseline above the pre-infusion BP limit blocks the start unless a physician overrides."""
    reading = state.baseline_reading
    limits = state.protocol.alerts
    if reading is None:
        return None
    v = reading.vitals
    if v.systolic <= limits.pre_infusion_systolic_max and (
        v.diastolic <= limits.pre_infusion_diastolic_max
    ):
        return None
    return Concern(
        ClinicalCode.BP_PRE_INFUSION,
        f"Baseline BP {v.systolic}/{v.diastolic} is above the pre-infusion limit "
        f"{limits.pre_infusion_systolic_max}/{limits.pre_infusion_diastolic_max}.",
        f"{reading.event_id}:{v.systolic}/{v.diastolic}",
    )


def _shown(value: Fraction, places: int = 4) -> str:
    """A value for a message, rounded for reading only (the comparison used the exact one)."""
    text = f"{Decimal(value.numerator) / Decimal(value.denominator):.{places}f}"
    return text.rstrip("0").rstrip(".")
