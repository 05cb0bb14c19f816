"""What is due, what is overdue and what is alarming, derived from a SessionState."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ketachart.domain import payloads as p
from ketachart.domain.codes import CODE_LABELS, ClinicalCode
from ketachart.domain.dose import delivered_mg
from ketachart.domain.protocol import ProtocolSpec
from ketachart.domain.reconciliation import (
    DoseVerdict,
    Reconciliation,
    dose_verdict,
    found_amounts,
    reconcile,
)
from ketachart.domain.timeline import SessionState, VitalsReading


@dataclass(frozen=True)
class DueTimes:
    next_vitals_at: datetime | None
    vitals_overdue: bool
    next_recovery_at: datetime | None
    recovery_overdue: bool

    @property
    def next_due_at(self) -> datetime | None:
        times = [t for t in (self.next_vitals_at, self.next_recovery_at) if t is not None]
        return min(times) if times else None

    @property
    def overdue(self) -> bool:
        return self.vitals_overdue or self.recovery_overdue


def due_times(state: SessionState, now: datetime) -> DueTimes:
    """Vitals every interval while infusing (and the ~40 min peak reading); recovery checks
    every recovery interval after the infusion stops, until discharge."""
    vitals_at = _next_vitals_at(state)
    recovery_at = _next_recovery_at(state)
    return DueTimes(
        next_vitals_at=vitals_at,
        vitals_overdue=vitals_at is not None and now > vitals_at,
        next_recovery_at=recovery_at,
        recovery_overdue=recovery_at is not None and now > recovery_at,
    )


def _next_vitals_at(state: SessionState) -> datetime | None:
    start = state.infusion_started_at
    if start is None or not state.infusion_running:
        return None
    return vitals_due_after(state.protocol, start, [r.at for r in state.readings if r.at >= start])


def vitals_due_after(protocol: ProtocolSpec, start: datetime, taken: list[datetime]) -> datetime:
    """The one rule for when vitals fall due during an infusion, given the readings taken
    since it started: an interval after the last one, or the ~40 min peak reading if that
    comes first and none was taken near or after it."""
    due = (taken[-1] if taken else start) + timedelta(minutes=protocol.vitals_interval_min)
    peak = _peak_due(protocol, start, taken)
    return min(due, peak) if peak is not None else due


def _peak_due(protocol: ProtocolSpec, start: datetime, taken: list[datetime]) -> datetime | None:
    """The typical BP peak reading, due at peak_check_min after start unless one was taken
    within 5 minutes of it."""
    if protocol.peak_check_min == 0:
        return None
    peak = start + timedelta(minutes=protocol.peak_check_min)
    window = timedelta(minutes=5)
    if any(abs(at - peak) <= window for at in taken) or any(at > peak for at in taken):
        return None
    return peak


def _next_recovery_at(state: SessionState) -> datetime | None:
    stopped = state.infusion_stopped_at
    if stopped is None or state.discharged_at is not None:
        return None
    return recovery_due_after(state.protocol, stopped, state.last_recovery_at)


def recovery_due_after(
    protocol: ProtocolSpec, stopped: datetime, last_check: datetime | None
) -> datetime:
    """The one rule for when the next recovery check falls due."""
    last = last_check if last_check is not None else stopped
    return max(last, stopped) + timedelta(minutes=protocol.recovery_interval_min)


def overdue_history(state: SessionState, now: datetime) -> list[Alert]:
    """Every time a check fell due and was not taken by then (the live rule of `due_times`,
    applied after each reading): vitals until the infusion stopped, recovery checks until
    discharge, both until `now` at the latest."""
    return [*_vitals_overdue_history(state, now), *_recovery_overdue_history(state, now)]


def _vitals_overdue_history(state: SessionState, now: datetime) -> list[Alert]:
    start = state.infusion_started_at
    if start is None:
        return []
    end = state.infusion_stopped_at or now
    during = [r.at for r in state.readings if start <= r.at <= end and not r.in_recovery]
    minutes = state.protocol.vitals_interval_min
    alerts: list[Alert] = []
    taken: list[datetime] = []
    for next_at in [*during, end]:
        due = vitals_due_after(state.protocol, start, taken)
        if next_at > due:
            alerts.append(_overdue(AlertCode.VITALS_OVERDUE, minutes, due))
        taken.append(next_at)
    return alerts


def _recovery_overdue_history(state: SessionState, now: datetime) -> list[Alert]:
    stopped = state.infusion_stopped_at
    if stopped is None:
        return []
    end = state.discharged_at or now
    checks = [r.at for r in state.readings if r.in_recovery and r.at <= end]
    minutes = state.protocol.recovery_interval_min
    alerts: list[Alert] = []
    last: datetime | None = None
    for next_at in [*checks, end]:
        due = recovery_due_after(state.protocol, stopped, last)
        if next_at > due:
            alerts.append(_overdue(AlertCode.RECOVERY_OVERDUE, minutes, due))
        last = next_at
    return alerts


def _overdue(code: ClinicalCode, minutes: int, due: datetime) -> Alert:
    return Alert(code, f"{CODE_LABELS[code]}: due every {minutes} min", due)


def delivered_so_far(state: SessionState, now: datetime) -> Decimal:
    return delivered_mg(state.segments, now)


def infusion_elapsed(state: SessionState, now: datetime) -> timedelta:
    """Time since the infusion started (until it stopped), pauses included."""
    if state.infusion_started_at is None:
        return timedelta(0)
    end = state.infusion_stopped_at or now
    return max(end - state.infusion_started_at, timedelta(0))


def recovery_elapsed(state: SessionState, now: datetime) -> timedelta:
    if state.infusion_stopped_at is None:
        return timedelta(0)
    end = state.discharged_at or now
    return max(end - state.infusion_stopped_at, timedelta(0))


AlertCode = ClinicalCode  # the alerts are codes of the one enumeration


@dataclass(frozen=True)
class Alert:
    code: AlertCode
    message: str
    at: datetime
    event_id: str | None = None


def vitals_alerts(state: SessionState) -> list[Alert]:
    """Every reading's alerts against the protocol thresholds and the baseline."""
    baseline = state.baseline
    alerts: list[Alert] = []
    for reading in state.readings:
        alerts.extend(reading_alerts(state, reading, baseline))
    return alerts


def reading_alerts(
    state: SessionState, reading: VitalsReading, baseline: p.Vitals | None
) -> list[Alert]:
    limits = state.protocol.alerts
    v = reading.vitals
    found: list[tuple[AlertCode, str]] = []
    if baseline is not None and reading.vitals is not baseline:
        rise_s, rise_d = v.systolic - baseline.systolic, v.diastolic - baseline.diastolic
        if rise_s >= limits.bp_rise_systolic or rise_d >= limits.bp_rise_diastolic:
            found.append(
                (
                    AlertCode.BP_RISE,
                    f"BP rose {rise_s:+d}/{rise_d:+d} mmHg from baseline "
                    f"{baseline.systolic}/{baseline.diastolic}",
                )
            )
    if v.systolic >= limits.systolic_max or v.diastolic >= limits.diastolic_max:
        found.append(
            (
                AlertCode.BP_HIGH,
                f"BP {v.systolic}/{v.diastolic} at or above the limit "
                f"{limits.systolic_max}/{limits.diastolic_max}",
            )
        )
    if v.spo2 < limits.spo2_min:
        found.append((AlertCode.SPO2_LOW, f"SpO2 {v.spo2} % below {limits.spo2_min} %"))
    if v.heart_rate < limits.hr_min:
        found.append((AlertCode.HR_LOW, f"Heart rate {v.heart_rate} below {limits.hr_min}/min"))
    if v.heart_rate > limits.hr_max:
        found.append((AlertCode.HR_HIGH, f"Heart rate {v.heart_rate} above {limits.hr_max}/min"))
    if v.resp_rate < limits.rr_min:
        found.append(
            (AlertCode.RR_LOW, f"Respiratory rate {v.resp_rate} below {limits.rr_min}/min")
        )
    if v.moaas is not None and v.moaas <= limits.moaas_alert_at_or_below:
        found.append((AlertCode.SEDATION_DEEP, f"MOAA/S {v.moaas}: deep sedation"))
    return [Alert(code, msg, reading.at, reading.event_id) for code, msg in found]


def current_alerts(state: SessionState, now: datetime) -> list[Alert]:
    """Alerts that need attention now: overdue checks, the latest reading, dose."""
    alerts: list[Alert] = []
    due = due_times(state, now)
    if due.vitals_overdue and due.next_vitals_at is not None:
        alerts.append(Alert(AlertCode.VITALS_OVERDUE, "Vitals overdue", due.next_vitals_at))
    if due.recovery_overdue and due.next_recovery_at is not None:
        alerts.append(
            Alert(AlertCode.RECOVERY_OVERDUE, "Recovery check overdue", due.next_recovery_at)
        )
    if state.readings:
        alerts.extend(reading_alerts(state, state.readings[-1], state.baseline))
    alerts.extend(dose_alerts(state, now, include_resolved=False))
    return alerts


def dose_alerts(
    state: SessionState, now: datetime, *, include_resolved: bool = True
) -> list[Alert]:
    """The dose above the maximum, and amounts that differ: flagged until a reconciliation
    entry resolves them (the history keeps a resolved one, saying so)."""
    alerts: list[Alert] = []
    delivered = delivered_so_far(state, now)
    if delivered > state.plan.max_total_mg:
        alerts.append(
            Alert(
                AlertCode.DOSE_ABOVE_MAX,
                f"Delivered {delivered} mg is above the "
                f"protocol maximum {state.plan.max_total_mg} mg",
                now,
            )
        )
    verdict = dose_verdict_at(state, now)
    if verdict.differs and (include_resolved or not verdict.resolved):
        what = "resolved by a reconciliation entry" if verdict.resolved else "reconcile"
        alerts.append(
            Alert(
                AlertCode.PUMP_MISMATCH,
                f"Dose amounts differ by {verdict.reconciliation.largest_difference_mg} mg "
                f"(charted rates, pump volume, controlled-substance record); {what}",
                now,
            )
        )
    return alerts


def dose_verdict_at(state: SessionState, now: datetime) -> DoseVerdict:
    """The reconciliation and the entry resolving its difference, if any."""
    return dose_verdict(dose_reconciliation(state, now), state.dose_resolution)


def reconciliation_problem(state: SessionState, entry: p.DoseReconciliation) -> str | None:
    """Why a new reconciliation entry cannot be charted now, or None: there must be a stopped
    infusion, amounts that differ and no entry resolving them, and the entry must name the
    amounts as they are now."""
    stopped = state.infusion_stopped_at
    if stopped is None:
        return "Reconcile the dose once the infusion is stopped and the pump volume charted."
    verdict = dose_verdict_at(state, stopped)
    if not verdict.differs:
        return "The dose amounts agree: there is no difference to reconcile."
    if verdict.resolved:
        return "This dose difference is already resolved by a reconciliation entry."
    if found_amounts(entry) != verdict.reconciliation.amounts:
        return "The dose amounts changed since this reconciliation was opened: open it again."
    return None


def dose_reconciliation(state: SessionState, now: datetime) -> Reconciliation:
    """The delivered dose against the pump volume and the controlled-substance record."""
    pump = None
    if state.pump_volume_ml is not None and state.concentration_mg_ml is not None:
        pump = state.pump_volume_ml * state.concentration_mg_ml
    return reconcile(delivered_so_far(state, now), pump, state.recorded_administered_mg)


def pump_mismatch_mg(state: SessionState, now: datetime) -> Decimal | None:
    """The largest difference between the amounts, when they do not agree."""
    verdict = dose_reconciliation(state, now)
    return None if verdict.agrees else verdict.largest_difference_mg
