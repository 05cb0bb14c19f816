"""The charting rules: what may be charted when, and what needs confirmation or override."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ketachart.domain import payloads as p
from ketachart.domain.dose import rate_mg_kg_h
from ketachart.domain.events import EventKind, Override
from ketachart.domain.monitoring import delivered_so_far
from ketachart.domain.protocol import AlertThresholds
from ketachart.domain.scores import SCORE_LABELS
from ketachart.domain.timeline import SessionState, SessionStatus
from ketachart.domain.vocab import PRE_CHECK_LABELS
from ketachart.errors import (
    ConfirmationRequired,
    OverrideRequired,
    RuleViolation,
    SessionLocked,
    ValidationError,
)

FUTURE_TOLERANCE = timedelta(minutes=2)
LATE_LIMIT = timedelta(hours=24)
LB_PER_KG = Decimal("2.20462")

# After discharge only these may still be added (before the physician signs).
AFTER_DISCHARGE = frozenset(
    {
        EventKind.NOTE,
        EventKind.CORRECTION,
        EventKind.ATTESTATION,
        EventKind.SIGNATURE,
        EventKind.CONTROLLED_SUBSTANCE,
        EventKind.ADDENDUM,
    }
)
AFTER_SIGNATURE = frozenset({EventKind.ADDENDUM, EventKind.SIGNATURE})


def check_event_time(occurred_at: datetime, now: datetime, opened_at: datetime | None) -> None:
    """An entry's time may not be in the future, nor more than 24 h back, nor before opening."""
    if occurred_at.tzinfo is None:
        raise ValidationError.single("occurred_at", "The time needs a time zone.")
    if occurred_at > now + FUTURE_TOLERANCE:
        raise ValidationError.single("occurred_at", "The time of an entry cannot be in the future.")
    if occurred_at < now - LATE_LIMIT:
        raise ValidationError.single(
            "occurred_at", "Entries more than 24 hours late must go in an addendum."
        )
    if opened_at is not None and occurred_at < opened_at - timedelta(hours=12):
        raise ValidationError.single(
            "occurred_at", "The time is long before this session was opened."
        )


def check_can_chart(state: SessionState, kind: EventKind) -> None:
    """Raise if `kind` may not be charted in the session's state (lock and order rules)."""
    check_not_locked(state, kind)
    check_order(state, kind)


def check_not_locked(state: SessionState, kind: EventKind) -> None:
    """Signed sessions take only addenda; discharged ones only notes, corrections, signatures."""
    if state.status is SessionStatus.SIGNED and kind not in AFTER_SIGNATURE:
        raise SessionLocked("This session is signed and locked; add an addendum instead.")
    if state.status is SessionStatus.DISCHARGED and kind not in AFTER_DISCHARGE:
        raise RuleViolation(
            "The patient has been discharged; only notes, corrections, the "
            "controlled-substance record and signatures can be added."
        )


def check_order(state: SessionState, kind: EventKind) -> None:
    """The order rules (no infusion before an IV, no rate change while stopped, ...)."""
    rule = _ORDER_RULES.get(kind)
    if rule is not None:
        rule(state)


def _iv_start(state: SessionState) -> None:
    if state.iv_in_place:
        raise RuleViolation("An IV is already in place; chart 'IV removed' before a new IV start.")


def _infusion_start(state: SessionState) -> None:
    if state.infusion_started_at is not None:
        raise RuleViolation("The infusion was already started in this session.")
    if not state.iv_in_place:
        raise RuleViolation("No infusion before an IV: chart the IV start first.")
    missing = state.pre_checks_missing
    if missing:
        names = "; ".join(PRE_CHECK_LABELS[c] for c in missing)
        raise RuleViolation(f"Pre-session checks not complete: {names}.")
    if state.baseline is None:
        raise RuleViolation("Chart baseline vitals before starting the infusion.")


def _rate_change(state: SessionState) -> None:
    if not state.infusion_running:
        raise RuleViolation("No rate change while the infusion is stopped or not started.")
    if state.paused:
        raise RuleViolation("The infusion is paused; resume it before changing the rate.")


def _pause(state: SessionState) -> None:
    if not state.infusion_running:
        raise RuleViolation("No pause while the infusion is stopped or not started.")
    if state.paused:
        raise RuleViolation("The infusion is already paused.")


def _resume(state: SessionState) -> None:
    if not state.paused:
        raise RuleViolation("The infusion is not paused.")


def _stop(state: SessionState) -> None:
    if not state.infusion_running:
        raise RuleViolation("The infusion is not running, so it cannot be stopped.")


def _recovery(state: SessionState) -> None:
    if state.infusion_stopped_at is None:
        raise RuleViolation("Recovery checks start after the infusion is stopped.")


def _iv_removed(state: SessionState) -> None:
    if not state.iv_in_place:
        raise RuleViolation("There is no IV in place to remove.")
    if state.infusion_running:
        raise RuleViolation("Stop the infusion before removing the IV.")


def _addendum(state: SessionState) -> None:
    if state.status not in (SessionStatus.DISCHARGED, SessionStatus.SIGNED):
        raise RuleViolation("Addenda are for discharged or signed sessions; chart a note instead.")


_ORDER_RULES = {
    EventKind.IV_START: _iv_start,
    EventKind.INFUSION_START: _infusion_start,
    EventKind.RATE_CHANGE: _rate_change,
    EventKind.PAUSE: _pause,
    EventKind.RESUME: _resume,
    EventKind.INFUSION_STOP: _stop,
    EventKind.RECOVERY_CHECK: _recovery,
    EventKind.IV_REMOVED: _iv_removed,
    EventKind.ADDENDUM: _addendum,
}


@dataclass(frozen=True)
class Blocker:
    code: str
    message: str


def discharge_blockers(state: SessionState, now: datetime) -> list[Blocker]:
    """Everything that still stands between this patient and discharge, in words."""
    blockers: list[Blocker] = []
    stopped = state.infusion_stopped_at
    if stopped is None:
        blockers.append(Blocker("infusion", "The infusion has not been stopped."))
    else:
        remaining = stopped + timedelta(minutes=state.protocol.min_observation_min) - now
        if remaining > timedelta(0):
            minutes = -(-remaining // timedelta(minutes=1))  # round up, to the microsecond
            blockers.append(
                Blocker(
                    "observation",
                    f"Minimum observation not over: {minutes} min "
                    f"remaining of {state.protocol.min_observation_min} min.",
                )
            )
    blockers.extend(_score_blockers(state))
    if state.iv_in_place:
        blockers.append(Blocker("iv", "The IV has not been removed."))
    if state.ride is None:
        blockers.append(Blocker("ride", "No ride home has been confirmed."))
    return blockers


def _score_blockers(state: SessionState) -> list[Blocker]:
    protocol = state.protocol
    label = SCORE_LABELS[protocol.discharge_score]
    check = state.last_recovery_check
    if check is None:
        return [Blocker("score", f"No recovery check with a {label} score yet.")]
    total = state.discharge_score
    if check.score_kind is not protocol.discharge_score or total is None:
        return [Blocker("score", f"The last recovery check has no {label} score.")]
    if total < protocol.discharge_threshold:
        return [
            Blocker(
                "score",
                f"{label} score {total} is below the discharge threshold "
                f"{protocol.discharge_threshold}.",
            )
        ]
    return []


def check_discharge(
    state: SessionState, now: datetime, overrides: tuple[Override, ...], is_physician: bool
) -> None:
    """Refuse discharge while anything blocks it, unless a physician overrides each blocker.
    A running infusion is never overridable: the pump must be stopped and charted first."""
    blockers = discharge_blockers(state, now)
    if any(b.code == "infusion" for b in blockers):
        raise RuleViolation("Stop the infusion and chart it before discharge.")
    overridden = {o.code for o in overrides if o.reason.strip()}
    open_blockers = [b for b in blockers if f"discharge.{b.code}" not in overridden]
    if open_blockers:
        text = " ".join(b.message for b in open_blockers)
        raise OverrideRequired(
            f"discharge.{open_blockers[0].code}",
            f"Not ready for discharge: {text} Only a physician can override, with a reason.",
        )
    if overridden and not is_physician:
        raise OverrideRequired("discharge", "Only a physician can override discharge conditions.")


def check_weight(
    weight_kg: Decimal,
    previous_kg: Decimal | None,
    limits: AlertThresholds,
    overrides: tuple[Override, ...],
) -> None:
    """A weight that looks like pounds or changed over 10 % needs a confirmation with reason."""
    confirmed = {o.code for o in overrides if o.reason.strip()}
    for code, message in _weight_concerns(weight_kg, previous_kg, limits):
        if code not in confirmed:
            raise ConfirmationRequired(code, message)


def _weight_concerns(
    weight_kg: Decimal, previous_kg: Decimal | None, limits: AlertThresholds
) -> list[tuple[str, str]]:
    concerns: list[tuple[str, str]] = []
    if previous_kg is not None and previous_kg > 0:
        ratio = weight_kg / previous_kg
        if abs(ratio - LB_PER_KG) <= Decimal("0.25"):
            concerns.append(
                (
                    "weight.pounds",
                    f"{weight_kg} kg is about {LB_PER_KG:.1f} times the "
                    f"last weight ({previous_kg} kg): was it entered in pounds?",
                )
            )
        elif abs(ratio - 1) > limits.weight_change_fraction:
            percent = ((ratio - 1) * 100).quantize(Decimal(1))
            concerns.append(
                (
                    "weight.change",
                    f"Weight changed {percent:+} % since the last "
                    f"session ({previous_kg} kg): please confirm.",
                )
            )
    if weight_kg > limits.weight_max_kg:
        kg = (weight_kg / LB_PER_KG).quantize(Decimal("0.1"))
        concerns.append(
            (
                "weight.pounds",
                f"{weight_kg} kg is implausible for an adult; if it was in pounds it is {kg} kg.",
            )
        )
    elif weight_kg < limits.weight_min_kg:
        concerns.append(("weight.low", f"{weight_kg} kg is implausibly low for an adult."))
    return concerns


def check_rate_dose(
    state: SessionState,
    rate_ml_h: Decimal,
    concentration_mg_ml: Decimal,
    now: datetime,
    overrides: tuple[Override, ...],
    is_physician: bool,
) -> None:
    """A rate above the protocol's maximum mg/kg/h, or one that would take the planned total
    above the maximum dose, is refused unless a physician overrides it with a reason."""
    concern = _dose_concern(state, rate_ml_h, concentration_mg_ml, now)
    if concern is None:
        return
    code, message = concern
    overridden = any(o.code == code and o.reason.strip() for o in overrides)
    if not overridden or not is_physician:
        raise OverrideRequired(code, f"{message} Only a physician can override, with a reason.")


def _dose_concern(
    state: SessionState, rate_ml_h: Decimal, concentration: Decimal, now: datetime
) -> tuple[str, str] | None:
    protocol = state.protocol
    per_kg_h = rate_mg_kg_h(rate_ml_h, concentration, state.weight_kg)
    if per_kg_h > protocol.max_rate_mg_per_kg_h:
        return (
            "dose.rate",
            f"{rate_ml_h} mL/h is {per_kg_h} mg/kg/h, above the protocol "
            f"maximum of {protocol.max_rate_mg_per_kg_h} mg/kg/h.",
        )
    projected = _projected_total(state, rate_ml_h * concentration, now)
    if projected > state.plan.max_total_mg:
        return (
            "dose.total",
            f"At {rate_ml_h} mL/h the planned infusion would deliver "
            f"{projected} mg, above the protocol maximum of {state.plan.max_total_mg} mg.",
        )
    return None


def _projected_total(state: SessionState, mg_h: Decimal, now: datetime) -> Decimal:
    delivered = delivered_so_far(state, now)
    started = state.infusion_started_at or now
    planned_end = started + timedelta(minutes=state.protocol.duration_min)
    remaining_h = max(Decimal((planned_end - now).total_seconds()) / 3600, Decimal(0))
    return (delivered + mg_h * remaining_h).quantize(Decimal("0.001"))


def check_witness(recorder_id: int, witness_id: int) -> None:
    if recorder_id == witness_id:
        raise RuleViolation("The witness must be a different user from the one recording.")


def check_vial(record: p.ControlledSubstance, on: datetime) -> None:
    if record.expiry < on.date():
        raise ValidationError.single(
            "expiry",
            f"Vial lot {record.lot} expired on {record.expiry.isoformat()}; do not use it.",
        )
