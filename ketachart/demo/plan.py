"""Planning the demo: which sessions, for whom, on which chair and when, and how each goes.

A plan is drawn before anything is charted, so that a session that is still running today can
be opened at the moment that puts it, at the real current time, in the state it should show.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from ketachart.demo.data import SIDE_EFFECTS, SideEffectSpec
from ketachart.services.protocols import ProtocolRow


class Finish(StrEnum):
    """How far a session gets: the first five are still running today."""

    SCHEDULED = "scheduled"
    PRE_CHECKS = "pre_checks"
    INFUSING = "infusing"
    PAUSED = "paused"
    RECOVERY = "recovery"
    DISCHARGED = "discharged"
    ATTESTED = "attested"
    SIGNED = "signed"
    ADDENDUM = "addendum"


TODAY = (Finish.SCHEDULED, Finish.PRE_CHECKS, Finish.INFUSING, Finish.PAUSED, Finish.RECOVERY)
# One of each first, so that even a small demo shows every state.
MANDATORY = (
    Finish.SIGNED,
    Finish.INFUSING,
    Finish.RECOVERY,
    Finish.ATTESTED,
    Finish.PRE_CHECKS,
    Finish.PAUSED,
    Finish.SCHEDULED,
    Finish.DISCHARGED,
    Finish.ADDENDUM,
)
# Every attestation and signature re-checks a password (argon2, about 0.1 s each), so most
# older charts are left discharged or attested, awaiting signature, to keep the demo fast.
PAST_WEIGHTS = {
    Finish.SIGNED: 20,
    Finish.ADDENDUM: 2,
    Finish.ATTESTED: 18,
    Finish.DISCHARGED: 60,
}
TODAY_WEIGHTS = {
    Finish.INFUSING: 4,
    Finish.RECOVERY: 3,
    Finish.PRE_CHECKS: 2,
    Finish.PAUSED: 1,
    Finish.SCHEDULED: 2,
}
PAST_CHAIRS = tuple(f"Chair {n}" for n in range(1, 7))
TODAY_CHAIRS = (*PAST_CHAIRS, "Chair 7", "Chair 8", "Room A", "Room B")
PER_DAY = 8
PROTOCOL_CYCLE = (0, 1, 0, 2, 0, 1)


@dataclass(frozen=True)
class DemoPatient:
    id: int
    sex: str
    date_of_birth: date
    weight_kg: Decimal
    protocol: ProtocolRow


@dataclass(frozen=True)
class Milestones:
    """Minutes after the session was opened."""

    infusion_start: int
    pause: tuple[int, int] | None
    rate_change: int | None
    side_effect: int | None
    stop: int
    recovery: tuple[int, ...]
    discharge: int


@dataclass(frozen=True)
class Plan:
    finish: Finish
    patient: DemoPatient
    weight_kg: Decimal
    times: Milestones
    nurse: int
    witness: int
    physician: int
    seed: int
    side_effect: SideEffectSpec | None
    rate_factor: Decimal | None
    early_stop: bool
    late_vitals: bool
    typo: bool
    voided_note: bool
    fasting_override: bool
    # Where and when: set by place_day or place_today once every plan of the day is drawn.
    opened: datetime = datetime.min
    chair: str = ""

    @property
    def protocol(self) -> ProtocolRow:
        return self.patient.protocol


def choose_finishes(rng: random.Random, count: int) -> list[Finish]:
    """One of every state first, then about one in fifteen still running today."""
    chosen = list(MANDATORY[:count])
    today_extra = max(0, min(len(TODAY_CHAIRS), count // 15) - sum(f in TODAY for f in chosen))
    today_extra = min(today_extra, count - len(chosen))
    chosen += rng.choices(list(TODAY_WEIGHTS), list(TODAY_WEIGHTS.values()), k=today_extra)
    rest = count - len(chosen)
    chosen += rng.choices(list(PAST_WEIGHTS), list(PAST_WEIGHTS.values()), k=rest)
    return chosen


def protocol_for(index: int, rows: Sequence[ProtocolRow]) -> ProtocolRow:
    """Mostly depression, then PTSD, then pain; a patient keeps one protocol for the course."""
    return rows[PROTOCOL_CYCLE[index % len(PROTOCOL_CYCLE)] % len(rows)]


def draw_plan(
    rng: random.Random, patient: DemoPatient, finish: Finish, staff: tuple[int, int]
) -> Plan:
    """How one session goes; `staff` is the number of nurses and of physicians."""
    nurses, physicians = staff
    nurse = rng.randrange(nurses)
    early = finish not in (Finish.INFUSING, Finish.PAUSED) and rng.random() < 0.04
    return Plan(
        finish=finish,
        patient=patient,
        weight_kg=_session_weight(rng, patient.weight_kg),
        times=draw_times(rng, patient.protocol, pause=_pause_wanted(rng, finish), early=early),
        nurse=nurse,
        witness=(nurse + 1 + rng.randrange(max(nurses - 1, 1))) % nurses,
        physician=rng.randrange(physicians),
        seed=rng.randrange(2**32),
        side_effect=rng.choice(SIDE_EFFECTS) if rng.random() < 0.3 else None,
        rate_factor=_rate_factor(rng),
        early_stop=early,
        late_vitals=rng.random() < 0.15,
        typo=rng.random() < 0.08,
        voided_note=rng.random() < 0.03,
        fasting_override=rng.random() < 0.05,
    )


def _session_weight(rng: random.Random, base: Decimal) -> Decimal:
    factor = Decimal(str(round(rng.uniform(0.98, 1.02), 3)))
    return (base * factor).quantize(Decimal("0.1"))


def _pause_wanted(rng: random.Random, finish: Finish) -> bool:
    if finish is Finish.PAUSED:
        return True
    return finish is not Finish.INFUSING and rng.random() < 0.12


def _rate_factor(rng: random.Random) -> Decimal | None:
    roll = rng.random()
    if roll < 0.15:
        return Decimal("1.1")
    if roll < 0.25:
        return Decimal("0.75")
    return None


def draw_times(
    rng: random.Random, protocol: ProtocolRow, *, pause: bool, early: bool
) -> Milestones:
    spec = protocol.spec
    start = 13 + rng.randint(0, 4)
    run = round(spec.duration_min * 0.6) if early else spec.duration_min
    pause_at = start + run // 2
    pause_len = rng.randint(4, 9) if pause else 0
    stop = start + run + pause_len
    checks = math.ceil(spec.min_observation_min / spec.recovery_interval_min)
    recovery = tuple(stop + spec.recovery_interval_min * k for k in range(1, checks + 1))
    return Milestones(
        infusion_start=start,
        pause=(pause_at, pause_at + pause_len) if pause else None,
        rate_change=start + run // 4 if not early else None,
        side_effect=start + run * 3 // 5,
        stop=stop,
        recovery=recovery,
        discharge=recovery[-1] + rng.randint(4, 9),
    )


def minutes_in(plan: Plan, rng: random.Random) -> float:
    """How long ago a session running today was opened, so that it is in its state now."""
    m = plan.times
    if plan.finish is Finish.SCHEDULED:
        return rng.uniform(0.3, 2.5)
    if plan.finish is Finish.PRE_CHECKS:
        return rng.uniform(3.3, m.infusion_start - 0.5)
    if plan.finish is Finish.PAUSED and m.pause is not None:
        return rng.uniform(m.pause[0] + 0.3, m.pause[1] - 0.3)
    if plan.finish is Finish.RECOVERY:
        return rng.uniform(m.stop + 1, m.discharge - 0.5)
    end = m.pause[0] if m.pause is not None else m.stop
    return rng.uniform(m.infusion_start + 1, end - 1)


def past_days(today: date, count: int) -> list[date]:
    """`count` clinic days before today, oldest first (the clinic is closed on Sundays)."""
    days: list[date] = []
    day = today
    while len(days) < count:
        day -= timedelta(days=1)
        if day.isoweekday() != 7:
            days.append(day)
    return days[::-1]


def place_day(
    rng: random.Random, plans: Sequence[Plan], day: date, now: datetime
) -> Iterator[Plan]:
    """Each session on the chair that frees up first, from 08:00 local time."""
    opening = datetime.combine(day, time(8, 0), tzinfo=now.astimezone().tzinfo)
    free = {chair: opening + _jitter(rng, 0, 20) for chair in PAST_CHAIRS}
    for plan in plans:
        chair = min(free, key=lambda c: free[c])
        opened = free[chair] + _jitter(rng, 0, 10)
        free[chair] = opened + timedelta(minutes=plan.times.discharge + 15)
        yield replace(plan, opened=opened, chair=chair)


def place_today(
    rng: random.Random, plans: Sequence[Plan], now: datetime, busy: Collection[str]
) -> Iterator[Plan]:
    """Each running session on its own chair, avoiding chairs already in use today."""
    free = (c for c in itertools.chain(TODAY_CHAIRS, _more_chairs()) if c not in busy)
    for plan, chair in zip(plans, free, strict=False):
        opened = now - timedelta(minutes=minutes_in(plan, rng))
        yield replace(plan, opened=opened, chair=chair)


def _more_chairs() -> Iterator[str]:
    return (f"Chair {n}" for n in itertools.count(9))


def _jitter(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(minutes=rng.randint(low, high), seconds=rng.randint(0, 59))


def day_count(sessions: int, per_day: int) -> int:
    return -(-sessions // per_day) if sessions else 0
