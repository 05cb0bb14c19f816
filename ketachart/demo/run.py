"""Who charts the demo and the session being charted: accounts, one transaction per action,
and the readings a session's patient shows."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Concatenate, ParamSpec, TypeVar

from ketachart.demo.data import ESCORTS
from ketachart.demo.plan import Plan
from ketachart.domain import payloads as p
from ketachart.domain.acknowledgement import with_acknowledgement
from ketachart.domain.codes import ClinicalCode
from ketachart.domain.events import EventRecord
from ketachart.domain.reviewed import ReviewedHead
from ketachart.domain.vocab import AlertResponse, ScoreKind
from ketachart.errors import AcknowledgementRequired
from ketachart.services import charting, sessions
from ketachart.services.actors import Actor
from ketachart.services.sign_in import PasswordProof, prove_password, sign_in
from ketachart.services.signing import head_to_review
from ketachart.storage.database import Database, Tx

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Member:
    """A demo account and its password (signatures and witnesses re-enter it)."""

    actor: Actor
    password: str


@dataclass(frozen=True)
class Staff:
    admin: Member
    nurses: tuple[Member, ...]
    physicians: tuple[Member, ...]


@dataclass
class DemoContext:
    db: Database
    now: datetime
    staff: Staff
    witnesses: dict[int, Actor] = field(default_factory=dict)
    vial_mistyped: bool = False
    """Whether a session had its vial record mistyped and reconciled yet (one always has)."""

    def act(self, fn: Callable[Concatenate[Tx, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
        """One user action, one transaction."""
        with self.db.transaction() as tx:
            return fn(tx, *args, **kwargs)

    def prove(self, member: Member, purpose: str) -> PasswordProof:
        """The member types their password again, to sign or attest."""
        return prove_password(self.db, member.actor, member.password, purpose=purpose)

    def seen(self, session_id: str) -> ReviewedHead:
        """The session's head as the member's screen would show it now, to sign it."""
        with self.db.reading() as tx:
            return head_to_review(tx, session_id)

    def witness(self, member: Member) -> Actor:
        """The witness authenticates with their own password. The demo asks each witness once
        and reuses it, because every argon2 check takes about 0.1 s."""
        if member.actor.id not in self.witnesses:
            signed = sign_in(self.db, member.actor.username, member.password, purpose="witness")
            self.witnesses[member.actor.id] = signed.actor
        return self.witnesses[member.actor.id]


def demo_acknowledgement(needed: AcknowledgementRequired) -> p.AlertAcknowledgement:
    """What a demo nurse answers to a reading's alerts: the physician is told of a blood
    pressure, and every alert is rechecked."""
    return p.AlertAcknowledgement(
        codes=tuple(ClinicalCode(c) for c in needed.codes),
        responses=(AlertResponse.PHYSICIAN_NOTIFIED, AlertResponse.RECHECK),
    )


class Run:
    """One session being charted: its plan, its random draws and what was charted so far."""

    def __init__(self, ctx: DemoContext, plan: Plan) -> None:
        self.ctx, self.plan = ctx, plan
        self.rng = random.Random(plan.seed)
        self.session_id = ""
        self.rate = Decimal(0)
        self.pump_volume = Decimal(0)
        self.escort = self.rng.choice(ESCORTS)
        self.ride_charted = False
        self.marks: dict[str, str] = {}
        self.typo_fix: p.Vitals | None = None
        self.baseline = self._baseline()
        self.bp_rise = self.rng.randint(4, 22)

    @property
    def nurse(self) -> Member:
        return self.ctx.staff.nurses[self.plan.nurse]

    @property
    def physician(self) -> Member:
        return self.ctx.staff.physicians[self.plan.physician]

    @property
    def uses_pain_scores(self) -> bool:
        return self.plan.protocol.spec.discharge_score is ScoreKind.PADSS

    def at(self, minutes: float) -> datetime:
        return self.plan.opened + timedelta(minutes=minutes)

    def capped(self, minutes: float) -> datetime:
        """A time for a later step (signing), never after now."""
        return min(self.at(minutes), self.ctx.now)

    def chart(
        self, payload: p.Payload, occurred_at: datetime | None = None, by: Member | None = None
    ) -> EventRecord:
        actor = (by or self.nurse).actor
        try:
            return self.ctx.act(
                charting.chart, actor, self.session_id, payload, occurred_at=occurred_at
            )
        except AcknowledgementRequired as needed:  # the nurse answers the prompt, saves again
            acknowledged = with_acknowledgement(payload, demo_acknowledgement(needed))
            return self.ctx.act(
                charting.chart, actor, self.session_id, acknowledged, occurred_at=occurred_at
            )

    def _baseline(self) -> p.Vitals:
        r = self.rng
        return p.Vitals(
            systolic=r.randint(108, 142),
            diastolic=r.randint(66, 88),
            heart_rate=r.randint(58, 88),
            resp_rate=r.randint(12, 16),
            spo2=r.randint(96, 99),
            temperature_c=Decimal(r.randint(362, 371)) / 10,
            moaas=5,
            pain=r.randint(5, 8) if self.uses_pain_scores else None,
        )

    def infusion_vitals(self, minute: int) -> p.Vitals:
        """Blood pressure rises to a peak about 40 minutes into the infusion."""
        r, b = self.rng, self.baseline
        peak = max(0.0, 1 - abs(minute - 40) / 40) * self.bp_rise
        return p.Vitals(
            systolic=b.systolic + round(peak) + r.randint(-3, 3),
            diastolic=b.diastolic + round(peak / 2) + r.randint(-2, 2),
            heart_rate=b.heart_rate + r.randint(-3, 9),
            resp_rate=b.resp_rate + r.randint(-1, 1),
            spo2=min(100, b.spo2 + r.randint(-2, 1)),
            moaas=r.choice((5, 5, 4, 4, 3)),
            pain=max(0, (b.pain or 0) - minute // 40) if self.uses_pain_scores else None,
            cadss6=r.randint(2, 14),
        )

    def open(self) -> None:
        plan = self.plan
        loaded = self.ctx.act(
            sessions.open_session,
            self.nurse.actor,
            plan.patient.id,
            plan.protocol.id,
            plan.chair,
            plan.weight_kg,
        )
        self.session_id = loaded.row.id
