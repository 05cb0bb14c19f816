"""Discharge readiness, judged on the patient now (clinical reference, "Discharge is judged on
the patient now"): every blocker with its reason, the recovery check that counts, and which
blockers a physician may override (a running or paused infusion never)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ketachart.domain.codes import ClinicalCode
from ketachart.domain.monitoring import reading_alerts
from ketachart.domain.scores import SCORE_LABELS
from ketachart.domain.timeline import SessionState, VitalsReading

INFUSION_BLOCKER = "infusion"


@dataclass(frozen=True)
class Blocker:
    """One thing standing between the patient and discharge. `code` is a ClinicalCode value
    for the overridable ones (a physician may override with a reason) or "infusion"."""

    code: str
    message: str

    @property
    def overridable(self) -> bool:
        return self.code != INFUSION_BLOCKER


def discharge_blockers(state: SessionState, now: datetime) -> list[Blocker]:
    """Everything that still stands between this patient and discharge at `now`, in words."""
    infusion = infusion_blocker(state)
    if infusion is not None:
        blockers = [infusion, *_recovery_not_started(state)]
    else:
        blockers = [*_observation_blockers(state, now), *_score_blockers(state, now)]
    if state.iv_in_place:
        blockers.append(Blocker(ClinicalCode.DISCHARGE_IV, "The IV has not been removed."))
    if state.ride is None:
        blockers.append(Blocker(ClinicalCode.DISCHARGE_RIDE, "No ride home has been confirmed."))
    return blockers


def infusion_blocker(state: SessionState) -> Blocker | None:
    """The one blocker nobody may override: an infusion not yet started and stopped."""
    if state.infusion_stopped_at is not None:
        return None
    if state.infusion_started_at is None:
        return Blocker(INFUSION_BLOCKER, "The infusion has not been started and stopped.")
    verb = "is paused" if state.paused else "is running"
    return Blocker(
        INFUSION_BLOCKER, f"The infusion {verb}: stop the pump and chart the stop before discharge."
    )


def _recovery_not_started(state: SessionState) -> list[Blocker]:
    """Before the stop, observation and recovery checks have not begun: they block too (a
    nurse reading the list sees every step left, not only the pump)."""
    minimum = state.protocol.min_observation_min
    return [
        Blocker(
            ClinicalCode.DISCHARGE_OBSERVATION,
            f"Minimum observation of {minimum} min starts when the infusion is stopped.",
        ),
        Blocker(
            ClinicalCode.DISCHARGE_SCORE,
            "No recovery check yet: recovery checks start after the infusion is stopped.",
        ),
    ]


def _observation_blockers(state: SessionState, now: datetime) -> list[Blocker]:
    assert state.infusion_stopped_at is not None
    minimum = state.protocol.min_observation_min
    remaining = state.infusion_stopped_at + timedelta(minutes=minimum) - now
    if remaining <= timedelta(0):
        return []
    minutes = -(-remaining // timedelta(minutes=1))  # round up, to the microsecond
    return [
        Blocker(
            ClinicalCode.DISCHARGE_OBSERVATION,
            f"Minimum observation not over: {minutes} min remaining of {minimum} min.",
        )
    ]


def _score_blockers(state: SessionState, now: datetime) -> list[Blocker]:
    reason = current_check_problem(state, now)
    if reason is not None:
        return [Blocker(ClinicalCode.DISCHARGE_SCORE, reason)]
    return []


def current_check_problem(state: SessionState, now: datetime) -> str | None:
    """Why the last recovery check's score does not count for discharge now, or None if it
    does: there must be one, taken within the recovery-check interval, with no later vitals
    crossing an alert threshold, and its counted score must reach the protocol's threshold."""
    protocol = state.protocol
    label = SCORE_LABELS[protocol.discharge_score]
    checked_at, check = state.last_recovery_at, state.last_recovery_check
    if checked_at is None or check is None:
        return f"No recovery check with a {label} score yet."
    if check.score_kind is not protocol.discharge_score:
        return f"The last recovery check has no {label} score."
    interval = timedelta(minutes=protocol.recovery_interval_min)
    if now - checked_at > interval:
        age = (now - checked_at) // timedelta(minutes=1)
        return (
            f"The last recovery check is {age} min old (checks are due every "
            f"{protocol.recovery_interval_min} min): chart a new recovery check."
        )
    later = later_abnormal_vitals(state, checked_at)
    if later is not None:
        return later
    return _threshold_problem(state, label)


def later_abnormal_vitals(state: SessionState, checked_at: datetime) -> str | None:
    """The first vitals charted after the last recovery check that cross an alert threshold."""
    baseline = state.baseline
    for reading in state.readings:
        if reading.at <= checked_at or reading.in_recovery:
            continue
        alerts = reading_alerts(state, reading, baseline)
        if alerts:
            return _abnormal_text(reading, "; ".join(a.message for a in alerts))
    return None


def _abnormal_text(reading: VitalsReading, what: str) -> str:
    at = reading.at.astimezone().strftime("%H:%M")
    return (
        f"Vitals at {at}, after the last recovery check, crossed an alert threshold ({what}): "
        "chart a new recovery check."
    )


def _threshold_problem(state: SessionState, label: str) -> str | None:
    score = state.counted_score
    assert score is not None
    threshold = state.protocol.discharge_threshold
    if score.total >= threshold:
        return None
    computed = "".join(
        f" {name} counts {value} from the check's vitals (typed {typed})."
        for name, typed, value in score.disagreements
    )
    return f"{label} score {score.total} is below the discharge threshold {threshold}.{computed}"


def discharge_ready(state: SessionState, now: datetime) -> bool:
    return not discharge_blockers(state, now)
