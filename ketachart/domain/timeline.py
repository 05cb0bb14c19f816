"""Deriving a session's current state from its events. Nothing here is stored.

Corrections are applied first: a corrected entry takes the values of its latest correction
(or disappears from the derived state if the correction voids it); the original stays in the
timeline for display.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from ketachart.domain import payloads as p
from ketachart.domain.dose import DosePlan, RateSegment, plan_dose
from ketachart.domain.events import EventKind, EventRecord, decode_payload
from ketachart.domain.protocol import ProtocolSpec
from ketachart.domain.reconciliation import Resolution
from ketachart.domain.scores import CountedScore, counted_score
from ketachart.domain.vocab import STATUS_LABELS, PreCheckCode, SessionStatus

__all__ = [
    "STATUS_LABELS",
    "EffectiveEvent",
    "SessionState",
    "SessionStatus",
    "VitalsReading",
    "apply_corrections",
    "derive_state",
    "extend_state",
    "fold_event",
    "in_time_order",
    "latest_version_id",
    "opening_state",
]


@dataclass(frozen=True)
class EffectiveEvent:
    """An event as it counts now: its payload and time after any corrections."""

    record: EventRecord
    payload: p.Payload
    occurred_at: datetime
    corrections: tuple[EventRecord, ...] = ()
    voided: bool = False

    @property
    def kind(self) -> EventKind:
        return self.record.kind


def apply_corrections(events: Iterable[EventRecord]) -> list[EffectiveEvent]:
    """Every non-correction event with its latest correction applied, in entry order."""
    ordered = sorted(events, key=lambda e: e.seq)
    by_target: dict[str, list[EventRecord]] = {}
    for event in ordered:
        if isinstance(event.payload, p.Correction):
            by_target.setdefault(event.payload.corrects, []).append(event)
    return [
        _effective(event, tuple(by_target.get(event.id, ())))
        for event in ordered
        if event.kind is not EventKind.CORRECTION
    ]


def _effective(event: EventRecord, corrections: tuple[EventRecord, ...]) -> EffectiveEvent:
    if not corrections:
        return EffectiveEvent(event, event.payload, event.occurred_at)
    latest = corrections[-1].payload
    assert isinstance(latest, p.Correction)
    if latest.replacement is None:
        return EffectiveEvent(event, event.payload, event.occurred_at, corrections, voided=True)
    payload = decode_payload(event.kind, latest.replacement)
    return EffectiveEvent(event, payload, _corrected_time(event, corrections), corrections)


def _corrected_time(event: EventRecord, corrections: tuple[EventRecord, ...]) -> datetime:
    """The time the entry counts at: the newest time a correction gave it. A correction that
    gives no time keeps the time the entry had, not the original one."""
    occurred = event.occurred_at
    for correction in corrections:
        assert isinstance(correction.payload, p.Correction)
        occurred = correction.payload.replacement_occurred_at or occurred
    return occurred


def latest_version_id(events: Iterable[EventRecord], target_id: str) -> str | None:
    """Id of the newest correction of `target_id`, or None if it was never corrected."""
    latest: str | None = None
    for event in sorted(events, key=lambda e: e.seq):
        if isinstance(event.payload, p.Correction) and event.payload.corrects == target_id:
            latest = event.id
    return latest


@dataclass(frozen=True)
class VitalsReading:
    at: datetime
    vitals: p.Vitals
    event_id: str
    in_recovery: bool


@dataclass(frozen=True)
class SessionState:
    """What a session's events add up to at a moment."""

    protocol: ProtocolSpec
    opened_at: datetime
    weight_kg: Decimal
    status: SessionStatus = SessionStatus.SCHEDULED
    pre_checks: dict[PreCheckCode, p.PreCheckItem] = field(default_factory=dict)
    iv_in_place: bool = False
    iv_started_at: datetime | None = None
    iv_removed_at: datetime | None = None
    infusion_started_at: datetime | None = None
    infusion_stopped_at: datetime | None = None
    concentration_mg_ml: Decimal | None = None
    rate_ml_h: Decimal = Decimal(0)
    paused: bool = False
    segments: tuple[RateSegment, ...] = ()
    readings: tuple[VitalsReading, ...] = ()
    last_recovery_check: p.RecoveryCheck | None = None
    last_recovery_at: datetime | None = None
    ride: p.RideConfirmed | None = None
    arranged_escort: p.Escort | None = None
    """The escort given at the latest pre-checks that named one."""
    discharged_at: datetime | None = None
    signed_at: datetime | None = None
    pump_volume_ml: Decimal | None = None
    recorded_administered_mg: Decimal | None = None
    """Sum of the controlled-substance records' administered amounts, if any."""
    dose_resolution: Resolution | None = None
    """The latest reconciliation entry (whether it answers the amounts now: monitoring)."""

    @cached_property
    def plan(self) -> DosePlan:
        """Worked out once per state (the board asks for it on every refresh of a running
        infusion's dose alerts): protocol and weight never change within one state."""
        return plan_dose(self.protocol, self.weight_kg)

    @property
    def baseline_reading(self) -> VitalsReading | None:
        """The baseline and the entry it came from: the last vitals charted before the
        infusion started (the rise alerts and the score's circulation points compare with it)."""
        before = [
            r
            for r in self.readings
            if self.infusion_started_at is None or r.at <= self.infusion_started_at
        ]
        return before[-1] if before else None

    @property
    def baseline(self) -> p.Vitals | None:
        reading = self.baseline_reading
        return None if reading is None else reading.vitals

    @property
    def escort_on_record(self) -> p.Escort | None:
        """The escort as the chart has it now: the confirmed ride home, else the escort
        arranged at the pre-checks (corrections applied), else None."""
        if self.ride is not None:
            return p.Escort(self.ride.escort_name, self.ride.relationship, self.ride.phone)
        return self.arranged_escort

    @property
    def infusion_running(self) -> bool:
        return self.infusion_started_at is not None and self.infusion_stopped_at is None

    @property
    def pre_checks_missing(self) -> tuple[PreCheckCode, ...]:
        return tuple(c for c in PreCheckCode if c not in self.pre_checks)

    @property
    def counted_score(self) -> CountedScore | None:
        """The last recovery check's score as it counts (items computed from its vitals)."""
        check = self.last_recovery_check
        if check is None:
            return None
        baseline = self.baseline
        return counted_score(
            check.score_kind,
            check.score_items,
            check.vitals.spo2,
            check.vitals.systolic,
            None if baseline is None else baseline.systolic,
        )

    @property
    def discharge_score(self) -> int | None:
        score = self.counted_score
        return None if score is None else score.total


def derive_state(
    protocol: ProtocolSpec, events: Iterable[EventRecord], until: datetime | None = None
) -> SessionState:
    """Fold the effective events (up to `until`, if given) into a SessionState."""
    corrected = apply_corrections(events)
    state = opening_state(protocol, corrected)
    for event in in_time_order(corrected):
        if until is not None and event.occurred_at > until:
            break
        state = _fold(state, event)
    return replace(state, status=_status(state))


def extend_state(
    state: SessionState, latest: datetime, newer: Iterable[EventRecord]
) -> SessionState | None:
    """`state` with `newer` events folded on, when that gives exactly what derive_state would:
    no corrections among them and none earlier than `latest`. Otherwise None (derive anew)."""
    ordered = sorted(newer, key=lambda e: (e.occurred_at, e.seq))
    if any(e.kind is EventKind.CORRECTION or e.occurred_at < latest for e in ordered):
        return None
    for event in ordered:
        state = _fold(state, EffectiveEvent(event, event.payload, event.occurred_at))
    return replace(state, status=_status(state))


def opening_state(protocol: ProtocolSpec, corrected: list[EffectiveEvent]) -> SessionState:
    """The state before the first entry: the protocol, the opening time and weight."""
    # The opening counts even if marked entered in error: without it there is no session.
    opened = next(e for e in corrected if e.kind is EventKind.SESSION_OPENED)
    assert isinstance(opened.payload, p.SessionOpened)
    return SessionState(protocol, opened.occurred_at, opened.payload.weight_kg)


def in_time_order(corrected: list[EffectiveEvent]) -> list[EffectiveEvent]:
    """The entries that count (not entered in error), in the order they happened."""
    effective = [e for e in corrected if not e.voided]
    effective.sort(key=lambda e: (e.occurred_at, e.record.seq))
    return effective


def fold_event(state: SessionState, event: EffectiveEvent) -> SessionState:
    """`state` with one more entry, its status brought up to date."""
    folded = _fold(state, event)
    return replace(folded, status=_status(folded))


def _fold(state: SessionState, event: EffectiveEvent) -> SessionState:
    handler = _HANDLERS.get(event.kind)
    return handler(state, event.payload, event) if handler else state


def _opened(state: SessionState, payload: p.Payload, event: EffectiveEvent) -> SessionState:
    assert isinstance(payload, p.SessionOpened)
    return replace(state, weight_kg=payload.weight_kg)


def _pre_checks(state: SessionState, payload: p.Payload, event: EffectiveEvent) -> SessionState:
    assert isinstance(payload, p.PreChecks)
    merged = dict(state.pre_checks)
    merged.update({item.code: item for item in payload.items})
    escort = payload.escort or state.arranged_escort
    return replace(state, pre_checks=merged, arranged_escort=escort)


def _iv_start(state: SessionState, payload: p.Payload, event: EffectiveEvent) -> SessionState:
    return replace(state, iv_in_place=True, iv_started_at=event.occurred_at, iv_removed_at=None)


def _iv_removed(state: SessionState, payload: p.Payload, event: EffectiveEvent) -> SessionState:
    return replace(state, iv_in_place=False, iv_removed_at=event.occurred_at)


def _new_rate(state: SessionState, at: datetime, rate: Decimal) -> tuple[RateSegment, ...]:
    closed = _close_segment(state.segments, at)
    assert state.concentration_mg_ml is not None
    return (*closed, RateSegment(at, None, rate, state.concentration_mg_ml))


def _close_segment(segments: tuple[RateSegment, ...], at: datetime) -> tuple[RateSegment, ...]:
    if segments and segments[-1].end is None:
        return (*segments[:-1], replace(segments[-1], end=at))
    return segments


def _infusion_start(state: SessionState, payload: p.Payload, ev: EffectiveEvent) -> SessionState:
    assert isinstance(payload, p.InfusionStart)
    started = replace(
        state, infusion_started_at=ev.occurred_at, concentration_mg_ml=payload.concentration_mg_ml
    )
    return replace(
        started,
        rate_ml_h=payload.rate_ml_h,
        segments=_new_rate(started, ev.occurred_at, payload.rate_ml_h),
    )


def _rate_change(state: SessionState, payload: p.Payload, ev: EffectiveEvent) -> SessionState:
    assert isinstance(payload, p.RateChange)
    if not state.infusion_running or state.paused:
        return state
    return replace(
        state,
        rate_ml_h=payload.rate_ml_h,
        segments=_new_rate(state, ev.occurred_at, payload.rate_ml_h),
    )


def _pause(state: SessionState, payload: p.Payload, ev: EffectiveEvent) -> SessionState:
    if not state.infusion_running or state.paused:
        return state
    return replace(state, paused=True, segments=_close_segment(state.segments, ev.occurred_at))


def _resume(state: SessionState, payload: p.Payload, ev: EffectiveEvent) -> SessionState:
    if not state.paused or not state.infusion_running:
        return state
    return replace(state, paused=False, segments=_new_rate(state, ev.occurred_at, state.rate_ml_h))


def _stop(state: SessionState, payload: p.Payload, ev: EffectiveEvent) -> SessionState:
    assert isinstance(payload, p.InfusionStop)
    if not state.infusion_running:
        return state
    return replace(
        state,
        infusion_stopped_at=ev.occurred_at,
        paused=False,
        segments=_close_segment(state.segments, ev.occurred_at),
        pump_volume_ml=payload.pump_volume_ml,
    )


def _vitals(state: SessionState, payload: p.Payload, ev: EffectiveEvent) -> SessionState:
    assert isinstance(payload, p.Vitals)
    reading = VitalsReading(ev.occurred_at, payload, ev.record.id, in_recovery=False)
    return replace(state, readings=(*state.readings, reading))


def _recovery(state: SessionState, payload: p.Payload, ev: EffectiveEvent) -> SessionState:
    assert isinstance(payload, p.RecoveryCheck)
    reading = VitalsReading(ev.occurred_at, payload.vitals, ev.record.id, in_recovery=True)
    return replace(
        state,
        readings=(*state.readings, reading),
        last_recovery_check=payload,
        last_recovery_at=ev.occurred_at,
    )


def _ride(state: SessionState, payload: p.Payload, ev: EffectiveEvent) -> SessionState:
    assert isinstance(payload, p.RideConfirmed)
    return replace(state, ride=payload)


def _discharge(state: SessionState, payload: p.Payload, ev: EffectiveEvent) -> SessionState:
    return replace(state, discharged_at=ev.occurred_at)


def _signature(state: SessionState, payload: p.Payload, ev: EffectiveEvent) -> SessionState:
    assert isinstance(payload, p.Signature)
    if payload.addendum_id is not None or state.signed_at is not None:
        return state
    return replace(state, signed_at=ev.occurred_at)


def _controlled(state: SessionState, payload: p.Payload, ev: EffectiveEvent) -> SessionState:
    assert isinstance(payload, p.ControlledSubstance)
    total = (state.recorded_administered_mg or Decimal(0)) + payload.administered_mg
    return replace(state, recorded_administered_mg=total)


def _reconciled(state: SessionState, payload: p.Payload, ev: EffectiveEvent) -> SessionState:
    assert isinstance(payload, p.DoseReconciliation)
    record = ev.record
    cosigner = next((o.approved_by for o in record.overrides if o.approved_by is not None), None)
    resolution = Resolution(record.id, payload, record.recorded_by, cosigner)
    return replace(state, dose_resolution=resolution)


_HANDLERS = {
    EventKind.DOSE_RECONCILIATION: _reconciled,
    EventKind.CONTROLLED_SUBSTANCE: _controlled,
    EventKind.SESSION_OPENED: _opened,
    EventKind.PRE_CHECKS: _pre_checks,
    EventKind.IV_START: _iv_start,
    EventKind.IV_REMOVED: _iv_removed,
    EventKind.INFUSION_START: _infusion_start,
    EventKind.RATE_CHANGE: _rate_change,
    EventKind.PAUSE: _pause,
    EventKind.RESUME: _resume,
    EventKind.INFUSION_STOP: _stop,
    EventKind.VITALS: _vitals,
    EventKind.RECOVERY_CHECK: _recovery,
    EventKind.RIDE_CONFIRMED: _ride,
    EventKind.DISCHARGE: _discharge,
    EventKind.SIGNATURE: _signature,
}


def _status(state: SessionState) -> SessionStatus:
    if state.signed_at is not None:
        return SessionStatus.SIGNED
    if state.discharged_at is not None:
        return SessionStatus.DISCHARGED
    if state.infusion_stopped_at is not None:
        return SessionStatus.RECOVERY
    if state.paused:
        return SessionStatus.PAUSED
    if state.infusion_started_at is not None:
        return SessionStatus.INFUSING
    if state.pre_checks or state.readings or state.iv_started_at is not None:
        return SessionStatus.PRE_CHECKS
    return SessionStatus.SCHEDULED
