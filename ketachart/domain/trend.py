"""The session's trend as an anaesthesia record draws it: the vitals, the pump rate with its
pauses, and the rescue medicines and side effects at their times, over one time window. The
chart screen draws this; the PDF's vitals chart takes its points, infusion and ticks from here
too, so the two never disagree about what happened when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from ketachart.domain import payloads as p
from ketachart.domain.describe import describe
from ketachart.domain.session_model import SessionModel
from ketachart.domain.timeline import SessionState, SessionStatus

TICK_STEPS_MIN = (5, 10, 15, 30, 60, 120)
PAD = timedelta(minutes=5)
"""Room before the first and after the last thing charted, so no mark sits on the frame."""
LIVE_REACH = timedelta(hours=2)
"""A session still open reaches to now, but no further than this past its last entry (a
forgotten session opened days later still shows its entries, not a week of empty axis)."""


@dataclass(frozen=True)
class TrendPoint:
    """One charted set of vitals (voided ones are not drawn)."""

    at: datetime
    systolic: int
    diastolic: int
    heart_rate: int
    spo2: int
    in_recovery: bool = False


@dataclass(frozen=True)
class RateStep:
    """A stretch at one pump rate, or a pause (rate 0) between two running stretches."""

    start: datetime
    end: datetime
    rate_ml_h: Decimal
    paused: bool = False


class MarkKind(StrEnum):
    RESCUE = "rescue"
    SIDE_EFFECT = "side_effect"


MARK_LABELS = {MarkKind.RESCUE: "Rescue medicine", MarkKind.SIDE_EFFECT: "Side effect"}


@dataclass(frozen=True)
class TrendMark:
    """A rescue medicine or side effect at its time: a short name to print beside the mark
    and the full entry text (as typed) for its tooltip."""

    at: datetime
    kind: MarkKind
    short: str
    text: str


@dataclass(frozen=True)
class Trend:
    points: tuple[TrendPoint, ...]
    baseline: TrendPoint | None
    infusion: tuple[datetime, datetime] | None
    """From the infusion start to its stop (or to `now` while it runs)."""
    steps: tuple[RateStep, ...]
    """The pump rate over the infusion, pauses included, in time order."""
    marks: tuple[TrendMark, ...]
    start: datetime
    end: datetime
    """The window to show: everything charted, at least the planned session, padded."""

    @property
    def pauses(self) -> tuple[RateStep, ...]:
        return tuple(s for s in self.steps if s.paused)


def session_trend(model: SessionModel) -> Trend:
    state = model.state
    points = tuple(_point(r.at, r.vitals, r.in_recovery) for r in state.readings)
    base = state.baseline_reading
    baseline = None if base is None else _point(base.at, base.vitals)
    end_of_infusion = state.infusion_stopped_at or model.now
    infusion = None
    if state.infusion_started_at is not None:
        infusion = (state.infusion_started_at, max(end_of_infusion, state.infusion_started_at))
    marks = tuple(
        _mark(e.occurred_at, e.payload)
        for e in model.entries
        if not e.voided and isinstance(e.payload, p.RescueMedicine | p.SideEffect)
    )
    steps = rate_steps(state, end_of_infusion)
    start, end = _window(state, model.now, points, infusion, marks)
    return Trend(points, baseline, infusion, steps, marks, start, end)


def rate_steps(state: SessionState, until: datetime) -> tuple[RateStep, ...]:
    """The charted rate segments with the pauses between them (and a trailing pause while
    the pump is paused now), each closed at `until` if still open."""
    steps: list[RateStep] = []
    for segment in state.segments:
        if steps and steps[-1].end < segment.start:
            steps.append(RateStep(steps[-1].end, segment.start, Decimal(0), paused=True))
        end = segment.end or until
        steps.append(RateStep(segment.start, max(end, segment.start), segment.rate_ml_h))
    if state.paused and steps and steps[-1].end < until:
        steps.append(RateStep(steps[-1].end, until, Decimal(0), paused=True))
    return tuple(steps)


def clock_ticks(start: datetime, end: datetime, max_ticks: int) -> tuple[datetime, ...]:
    """Round local clock times in [start, end] (every 5 min up to every 2 h), at most
    `max_ticks` of them: the time labels of both the screen's and the PDF's chart."""
    minutes = (end - start).total_seconds() / 60
    step = next((s for s in TICK_STEPS_MIN if minutes / s <= max_ticks), TICK_STEPS_MIN[-1])
    local = start.astimezone()
    past = (local.hour * 60 + local.minute) % step + (local.second + local.microsecond / 1e6) / 60
    first = (step - past) % step
    count = int((minutes - first) // step) + 1
    return tuple(start + timedelta(minutes=first + i * step) for i in range(max(count, 0)))


def _point(at: datetime, v: p.Vitals, in_recovery: bool = False) -> TrendPoint:
    return TrendPoint(at, v.systolic, v.diastolic, v.heart_rate, v.spo2, in_recovery)


def _mark(at: datetime, payload: p.RescueMedicine | p.SideEffect) -> TrendMark:
    if isinstance(payload, p.RescueMedicine):
        return TrendMark(at, MarkKind.RESCUE, payload.drug, describe(payload))
    short = payload.kind.value.replace("_", " ").capitalize()
    return TrendMark(at, MarkKind.SIDE_EFFECT, short, describe(payload))


def _window(
    state: SessionState,
    now: datetime,
    points: tuple[TrendPoint, ...],
    infusion: tuple[datetime, datetime] | None,
    marks: tuple[TrendMark, ...],
) -> tuple[datetime, datetime]:
    """Everything charted, and at least the planned session (infusion and minimum
    observation) from its start, so an empty or one-point chart has a real time scale."""
    times = [pt.at for pt in points] + [m.at for m in marks]
    if infusion is not None:
        times += list(infusion)
    first = min(times, default=state.opened_at)
    last = max(times, default=first)
    if state.status not in (SessionStatus.DISCHARGED, SessionStatus.SIGNED):
        last = max(last, min(now, last + LIVE_REACH))
    protocol = state.protocol
    planned = timedelta(minutes=protocol.duration_min + protocol.min_observation_min)
    return first - PAD, max(last, first + planned) + PAD
