"""Which entries may be charted now and which one is expected next: the chart's buttons follow
the session's stage. Whether an entry may be charted is the order and lock rules' answer
(rules.check_can_chart), asked here for every kind; nothing here repeats a rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from ketachart.domain.codes import ClinicalCode
from ketachart.domain.events import EventKind
from ketachart.domain.rules import check_can_chart
from ketachart.domain.timeline import SessionState, SessionStatus
from ketachart.errors import KetachartError

if TYPE_CHECKING:
    from ketachart.domain.session_model import SessionModel

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


def next_step(model: SessionModel) -> EventKind | None:
    """The entry the session's course expects next: pre-checks, baseline vitals, IV start,
    start of the infusion; while it runs the next vitals (resume first if paused, the stop
    once its planned time is over); then recovery checks, IV removal and discharge. None once
    discharged. The due times and discharge blockers are the model's, derived once."""
    state = model.state
    if state.status in CLOSED:
        return None
    if state.infusion_started_at is None:
        return _before_infusion(state)
    if state.infusion_stopped_at is None:
        return _during_infusion(model)
    return _after_infusion(model)


def _before_infusion(state: SessionState) -> EventKind:
    if state.pre_checks_missing:
        return EventKind.PRE_CHECKS
    if state.baseline is None:
        return EventKind.VITALS
    if not state.iv_in_place:
        return EventKind.IV_START
    return EventKind.INFUSION_START


def _during_infusion(model: SessionModel) -> EventKind:
    if model.state.paused:
        return EventKind.RESUME
    if model.due.vitals_overdue:
        return EventKind.VITALS
    if model.infusion_elapsed >= timedelta(minutes=model.state.protocol.duration_min):
        return EventKind.INFUSION_STOP
    return EventKind.VITALS


def _after_infusion(model: SessionModel) -> EventKind:
    state = model.state
    if state.last_recovery_at is None or model.due.recovery_overdue:
        return EventKind.RECOVERY_CHECK
    if state.iv_in_place:
        return EventKind.IV_REMOVED
    waiting = [b for b in model.discharge_blockers if b.code != ClinicalCode.DISCHARGE_RIDE]
    return EventKind.RECOVERY_CHECK if waiting else EventKind.DISCHARGE
