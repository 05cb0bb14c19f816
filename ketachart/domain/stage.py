"""Which entries may be charted now and which one is expected next: the chart's buttons follow
the session's stage. Whether an entry may be charted is the order and lock rules' answer
(rules.check_can_chart), asked here for every kind; nothing here repeats a rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ketachart.domain.codes import ClinicalCode
from ketachart.domain.discharge import discharge_blockers
from ketachart.domain.events import EventKind
from ketachart.domain.monitoring import due_times, infusion_elapsed
from ketachart.domain.rules import check_can_chart
from ketachart.domain.timeline import SessionState, SessionStatus
from ketachart.errors import KetachartError

CLOSED = (SessionStatus.DISCHARGED, SessionStatus.SIGNED)


@dataclass(frozen=True)
class Availability:
    """Whether an entry kind may be charted now, and if not, the rule's words why."""

    kind: EventKind
    why_not: str | None = None

    @property
    def allowed(self) -> bool:
        return self.why_not is None


def availability(state: SessionState, kind: EventKind) -> Availability:
    try:
        check_can_chart(state, kind)
    except KetachartError as refused:
        return Availability(kind, refused.message)
    return Availability(kind)


def next_step(state: SessionState, now: datetime) -> EventKind | None:
    """The entry the session's course expects next: pre-checks, baseline vitals, IV start,
    start of the infusion; while it runs the next vitals (resume first if paused, the stop
    once its planned time is over); then recovery checks, IV removal and discharge. None once
    discharged."""
    if state.status in CLOSED:
        return None
    if state.infusion_started_at is None:
        return _before_infusion(state)
    if state.infusion_stopped_at is None:
        return _during_infusion(state, now)
    return _after_infusion(state, now)


def _before_infusion(state: SessionState) -> EventKind:
    if state.pre_checks_missing:
        return EventKind.PRE_CHECKS
    if state.baseline is None:
        return EventKind.VITALS
    if not state.iv_in_place:
        return EventKind.IV_START
    return EventKind.INFUSION_START


def _during_infusion(state: SessionState, now: datetime) -> EventKind:
    if state.paused:
        return EventKind.RESUME
    due = due_times(state, now)
    if due.vitals_overdue:
        return EventKind.VITALS
    if infusion_elapsed(state, now) >= timedelta(minutes=state.protocol.duration_min):
        return EventKind.INFUSION_STOP
    return EventKind.VITALS


def _after_infusion(state: SessionState, now: datetime) -> EventKind:
    due = due_times(state, now)
    if state.last_recovery_at is None or due.recovery_overdue:
        return EventKind.RECOVERY_CHECK
    if state.iv_in_place:
        return EventKind.IV_REMOVED
    waiting = [b for b in discharge_blockers(state, now) if b.code != ClinicalCode.DISCHARGE_RIDE]
    return EventKind.RECOVERY_CHECK if waiting else EventKind.DISCHARGE
