"""Pure-domain test helpers: a chart built from EventRecords and folded by derive_state.

No database and no Qt: events are constructed directly (hashes are dummies), so the tests
exercise the real fold, corrections and rules.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ketachart.domain import payloads as p
from ketachart.domain.codec import to_plain
from ketachart.domain.events import EventKind, EventRecord, Override, kind_of
from ketachart.domain.protocol import EXAMPLE_PROTOCOLS, ProtocolSpec
from ketachart.domain.timeline import SessionState, derive_state
from ketachart.domain.vocab import (
    Instruction,
    MentalStatus,
    Nausea,
    PreCheckCode,
    PreCheckStatus,
    ScoreKind,
    StopReason,
)

TRD, PTSD, PAIN = EXAMPLE_PROTOCOLS
T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)

ALL_PRE_CHECKS = p.PreChecks(
    tuple(p.PreCheckItem(code, PreCheckStatus.DONE) for code in PreCheckCode)
)
BASELINE = p.Vitals(systolic=120, diastolic=80, heart_rate=72, resp_rate=14, spo2=98)
ALDRETE_FULL = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}
PADSS_FULL = {
    "vital_signs": 2,
    "activity_mental_status": 2,
    "pain_nausea_vomiting": 2,
    "bleeding": 2,
    "intake_output": 2,
}
RIDE = p.RideConfirmed("Jürgen Weiß", "spouse", "+1 555 010 0199", "Nina Øster")
ALL_INSTRUCTIONS = p.Discharge(tuple(Instruction))
IV = p.IvStart("Left forearm", 22, 1)
IV_OUT = p.IvRemoved(catheter_intact=True, site_ok=True)
COMPLETED = p.InfusionStop(Decimal("35.0"), StopReason.COMPLETED)


def at(minutes: float = 0, *, seconds: float = 0, microseconds: int = 0) -> datetime:
    """T0 plus an offset (minutes may be fractional; microseconds exact)."""
    return T0 + timedelta(minutes=minutes, seconds=seconds, microseconds=microseconds)


def vitals(
    systolic: int = 120,
    diastolic: int = 80,
    *,
    heart_rate: int = 72,
    resp_rate: int = 14,
    spo2: int = 98,
    moaas: int | None = None,
) -> p.Vitals:
    return p.Vitals(systolic, diastolic, heart_rate, resp_rate, spo2, moaas=moaas)


def recovery_check(
    score: dict[str, int] | None = None, kind: ScoreKind = ScoreKind.ALDRETE
) -> p.RecoveryCheck:
    default = ALDRETE_FULL if kind is ScoreKind.ALDRETE else PADSS_FULL
    return p.RecoveryCheck(
        p.Vitals(122, 80, 70, 14, 98, moaas=5),
        Nausea.NONE,
        MentalStatus.BASELINE,
        kind,
        default if score is None else score,
    )


def infusion_start(rate: str = "52.5", concentration: str = "1") -> p.InfusionStart:
    return p.InfusionStart("Ketamine", Decimal(concentration), Decimal(50), Decimal(rate))


def rate_change(rate: str, reason: str = "per protocol") -> p.RateChange:
    return p.RateChange(Decimal(rate), reason)


class Chart:
    """A session's events, appended in entry order (seq), each with its event time."""

    def __init__(
        self, protocol: ProtocolSpec = TRD, weight: str = "70", opened_at: datetime = T0
    ) -> None:
        self.protocol = protocol
        self.events: list[EventRecord] = []
        self.opened = self.add(p.SessionOpened(Decimal(weight)), opened_at)

    def add(
        self,
        payload: p.Payload,
        occurred_at: datetime,
        *,
        recorded_at: datetime | None = None,
        overrides: tuple[Override, ...] = (),
    ) -> EventRecord:
        seq = len(self.events) + 1
        record = EventRecord(
            id=f"ev-{seq}",
            session_id="session-1",
            seq=seq,
            kind=kind_of(payload),
            occurred_at=occurred_at,
            recorded_at=recorded_at or occurred_at,
            recorded_by=1,
            payload=payload,
            overrides=overrides,
            prev_hash=f"prev-{seq}",
            hash=f"hash-{seq}",
        )
        self.events.append(record)
        return record

    def correct(
        self,
        target: EventRecord,
        replacement: p.Payload | None,
        *,
        occurred_at: datetime | None = None,
        when: datetime | None = None,
        reason: str = "entered in error",
    ) -> EventRecord:
        """A correction of `target`: new values (None voids it) and optionally a new time."""
        correction = p.Correction(
            corrects=target.id,
            reason=reason,
            replacement=None if replacement is None else to_plain(replacement),
            replacement_occurred_at=occurred_at,
        )
        return self.add(correction, when or self.events[-1].occurred_at)

    def state(self, until: datetime | None = None) -> SessionState:
        return derive_state(self.protocol, self.events, until)

    def kinds(self) -> list[EventKind]:
        return [e.kind for e in self.events]

    # The usual path, one step at a time (times are minutes after T0).

    def ready(self, minute: float = 0) -> Chart:
        """Pre-checks, baseline vitals and IV: everything an infusion start needs."""
        self.add(ALL_PRE_CHECKS, at(minute))
        self.add(BASELINE, at(minute))
        self.add(IV, at(minute))
        return self

    def infusing(self, rate: str = "52.5", minute: float = 0) -> Chart:
        self.ready(minute)
        self.add(infusion_start(rate, str(self.protocol.concentration_mg_ml)), at(minute))
        return self

    def stopped(self, minute: float = 40, rate: str = "52.5") -> Chart:
        self.infusing(rate)
        self.add(COMPLETED, at(minute))
        return self

    def discharge_ready(self, stop_minute: float = 40) -> Chart:
        """Stopped, a full recovery score, IV out and a ride: nothing blocks discharge after
        the minimum observation time."""
        self.stopped(stop_minute)
        self.add(recovery_check(kind=self.protocol.discharge_score), at(stop_minute + 15))
        self.add(IV_OUT, at(stop_minute + 16))
        self.add(RIDE, at(stop_minute + 16))
        return self
