"""The order rules: what may be charted when (time, lock, order of events, witness, vial).
What needs a confirmation or an override is in dose_limits, weight and discharge; the write
gate applies all of them to the whole timeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from ketachart.domain import payloads as p
from ketachart.domain.discharge import infusion_blocker
from ketachart.domain.events import EventKind
from ketachart.domain.timeline import SessionState, SessionStatus
from ketachart.domain.vocab import PRE_CHECK_LABELS
from ketachart.errors import RuleViolation, SessionLocked, ValidationError

FUTURE_TOLERANCE = timedelta(minutes=2)
LATE_LIMIT = timedelta(hours=24)
BEFORE_OPENING_LIMIT = timedelta(hours=12)
"""How long before its session was opened an entry may have happened (checks done before)."""
CLOCKS_AGREE = timedelta(minutes=5)
"""How far two workstations' clocks may differ before one is called wrong (clocks drift)."""

# After discharge only these may still be added (before the physician signs).
AFTER_DISCHARGE = frozenset(
    {
        EventKind.NOTE,
        EventKind.CORRECTION,
        EventKind.ATTESTATION,
        EventKind.SIGNATURE,
        EventKind.CONTROLLED_SUBSTANCE,
        EventKind.ADDENDUM,
        EventKind.DOSE_RECONCILIATION,
    }
)
AFTER_SIGNATURE = frozenset({EventKind.ADDENDUM, EventKind.SIGNATURE})


class TimeProblem(Enum):
    """Why an entry's time is impossible; the value is what the person charting is told."""

    FUTURE = "The time of an entry cannot be in the future."
    TOO_LATE = "Entries more than 24 hours late must go in an addendum."
    BEFORE_OPENING = "The time is long before this session was opened."


def event_time_problem(
    occurred_at: datetime, recorded_at: datetime, opened_at: datetime | None
) -> TimeProblem | None:
    """The one rule for an entry's time against when it was entered (`recorded_at`) and
    when its session was opened: refused on entry (check_event_time) and reported by
    verify on stored rows (services.time_checks). A session whose opening was recorded
    after this entry's own recorded time was opened on a workstation whose clock disagrees
    with this one's: the opening time cannot judge this entry (the wrong clock is flagged
    and named by services.clock_guard, never this entry)."""
    if occurred_at > recorded_at + FUTURE_TOLERANCE:
        return TimeProblem.FUTURE
    if occurred_at < recorded_at - LATE_LIMIT:
        return TimeProblem.TOO_LATE
    if opened_at is None or opened_at - recorded_at > CLOCKS_AGREE:
        return None  # opened "after" this entry was made: two clocks disagree (clock_guard)
    if occurred_at < opened_at - BEFORE_OPENING_LIMIT:
        return TimeProblem.BEFORE_OPENING
    return None


def check_event_time(occurred_at: datetime, now: datetime, opened_at: datetime | None) -> None:
    """An entry's time may not be in the future, nor more than 24 h back, nor before opening."""
    if occurred_at.tzinfo is None:
        raise ValidationError.single("occurred_at", "The time needs a time zone.")
    problem = event_time_problem(occurred_at, now, opened_at)
    if problem is not None:
        raise ValidationError.single("occurred_at", problem.value)


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
            "controlled-substance record, a dose reconciliation and signatures can be added."
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


def _discharge(state: SessionState) -> None:
    """A running or paused infusion blocks discharge, and nobody can override that."""
    blocker = infusion_blocker(state)
    if blocker is not None:
        raise RuleViolation(blocker.message)


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
    EventKind.DISCHARGE: _discharge,
    EventKind.ADDENDUM: _addendum,
}


def check_witness(recorder_id: int, witness_id: int) -> None:
    if recorder_id == witness_id:
        raise RuleViolation("The witness must be a different user from the one recording.")


def check_vial(record: p.ControlledSubstance, on: datetime) -> None:
    if record.expiry < on.date():
        raise ValidationError.single(
            "expiry",
            f"Vial lot {record.lot} expired on {record.expiry.isoformat()}; do not use it.",
        )
