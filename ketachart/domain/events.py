"""The timeline's events: their kinds, their envelope and the hash that chains them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.checks import Checks
from ketachart.domain.codec import (
    OMIT_IF_NONE,
    canonical_json,
    format_instant,
    from_plain,
    to_plain,
)

GENESIS_HASH = "0" * 64


class EventKind(StrEnum):
    SESSION_OPENED = "session_opened"
    PRE_CHECKS = "pre_checks"
    IV_START = "iv_start"
    INFUSION_START = "infusion_start"
    RATE_CHANGE = "rate_change"
    PAUSE = "pause"
    RESUME = "resume"
    VITALS = "vitals"
    SIDE_EFFECT = "side_effect"
    RESCUE_MEDICINE = "rescue_medicine"
    NOTE = "note"
    INFUSION_STOP = "infusion_stop"
    RECOVERY_CHECK = "recovery_check"
    IV_REMOVED = "iv_removed"
    RIDE_CONFIRMED = "ride_confirmed"
    DISCHARGE = "discharge"
    CORRECTION = "correction"
    CONTROLLED_SUBSTANCE = "controlled_substance"
    ATTESTATION = "attestation"
    SIGNATURE = "signature"
    ADDENDUM = "addendum"
    DOSE_RECONCILIATION = "dose_reconciliation"


PAYLOAD_TYPES: dict[EventKind, type[p.Payload]] = {
    EventKind.SESSION_OPENED: p.SessionOpened,
    EventKind.PRE_CHECKS: p.PreChecks,
    EventKind.IV_START: p.IvStart,
    EventKind.INFUSION_START: p.InfusionStart,
    EventKind.RATE_CHANGE: p.RateChange,
    EventKind.PAUSE: p.Pause,
    EventKind.RESUME: p.Resume,
    EventKind.VITALS: p.Vitals,
    EventKind.SIDE_EFFECT: p.SideEffect,
    EventKind.RESCUE_MEDICINE: p.RescueMedicine,
    EventKind.NOTE: p.Note,
    EventKind.INFUSION_STOP: p.InfusionStop,
    EventKind.RECOVERY_CHECK: p.RecoveryCheck,
    EventKind.IV_REMOVED: p.IvRemoved,
    EventKind.RIDE_CONFIRMED: p.RideConfirmed,
    EventKind.DISCHARGE: p.Discharge,
    EventKind.CORRECTION: p.Correction,
    EventKind.CONTROLLED_SUBSTANCE: p.ControlledSubstance,
    EventKind.ATTESTATION: p.Attestation,
    EventKind.SIGNATURE: p.Signature,
    EventKind.ADDENDUM: p.Addendum,
    EventKind.DOSE_RECONCILIATION: p.DoseReconciliation,
}

KIND_LABELS: dict[EventKind, str] = {
    EventKind.SESSION_OPENED: "Session opened",
    EventKind.PRE_CHECKS: "Pre-session checks",
    EventKind.IV_START: "IV start",
    EventKind.INFUSION_START: "Infusion start",
    EventKind.RATE_CHANGE: "Rate change",
    EventKind.PAUSE: "Pause",
    EventKind.RESUME: "Resume",
    EventKind.VITALS: "Vitals",
    EventKind.SIDE_EFFECT: "Side effect",
    EventKind.RESCUE_MEDICINE: "Rescue medicine",
    EventKind.NOTE: "Note",
    EventKind.INFUSION_STOP: "Infusion stop",
    EventKind.RECOVERY_CHECK: "Recovery check",
    EventKind.IV_REMOVED: "IV removed",
    EventKind.RIDE_CONFIRMED: "Ride confirmed",
    EventKind.DISCHARGE: "Discharge",
    EventKind.CORRECTION: "Correction",
    EventKind.CONTROLLED_SUBSTANCE: "Controlled substance",
    EventKind.ATTESTATION: "Nurse attestation",
    EventKind.SIGNATURE: "Signature",
    EventKind.ADDENDUM: "Addendum",
    EventKind.DOSE_RECONCILIATION: "Dose reconciliation",
}

# Kinds a correction may target: clinical entries, not signatures or other corrections' roots.
CORRECTABLE = frozenset(PAYLOAD_TYPES) - {
    EventKind.CORRECTION,
    EventKind.ATTESTATION,
    EventKind.SIGNATURE,
    EventKind.ADDENDUM,
}


@dataclass(frozen=True)
class Override:
    """A rule the user chose to pass, with who may and why (recorded in the event)."""

    code: str
    reason: str
    approved_by: int | None = None
    approval_signature: str | None = field(default=None, metadata={OMIT_IF_NONE: True})
    """The approving physician's digital signature of the entry and its overrides
    (services.entry_keys); left out when None, so overrides stored before keys keep their
    exact canonical JSON and hashes."""


def validate_payload(payload: p.Payload) -> None:
    """Raise ValidationError listing every implausible value of `payload`."""
    checks = Checks()
    payload.check(checks)
    checks.done()


def validate_overrides(overrides: tuple[Override, ...]) -> None:
    """Raise ValidationError if a reason typed for an override is not plain text."""
    checks = Checks()
    for override in overrides:
        checks.text(
            f"overrides.{override.code}",
            "Reason for the override",
            override.reason,
            max_len=limits.NOTE,
        )
    checks.done()


def kind_of(payload: p.Payload) -> EventKind:
    for kind, cls in PAYLOAD_TYPES.items():
        if type(payload) is cls:
            return kind
    raise TypeError(f"not a payload type: {type(payload).__name__}")


def encode_payload(payload: p.Payload) -> str:
    return canonical_json(payload)


def decode_payload(kind: EventKind, data: dict[str, Any]) -> p.Payload:
    return from_plain(PAYLOAD_TYPES[kind], data)


@dataclass(frozen=True)
class EventEnvelope:
    """Everything the hash covers, exactly as stored."""

    id: str
    session_id: str
    seq: int
    kind: EventKind
    occurred_at: datetime
    recorded_at: datetime
    recorded_by: int
    payload_json: str
    overrides_json: str
    prev_hash: str

    def compute_hash(self) -> str:
        return chain_hash(
            {
                "id": self.id,
                "session_id": self.session_id,
                "seq": self.seq,
                "kind": self.kind.value,
                "occurred_at": format_instant(self.occurred_at),
                "recorded_at": format_instant(self.recorded_at),
                "recorded_by": self.recorded_by,
                "payload": self.payload_json,
                "overrides": self.overrides_json,
            },
            self.prev_hash,
        )


def chain_hash(content: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 over the previous hash and the canonical JSON of `content`."""
    text = prev_hash + "\n" + canonical_json(content)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SessionHeader:
    """Where and for whom a session happens: the first event of its chain links to the hash
    of this, so changing the session's patient, protocol, chair or date breaks the chain.
    `protocol_digest`, the digest of the protocol version's content at opening, is covered
    only when recorded: sessions opened before it was kept keep their hashes."""

    session_id: str
    patient_id: int
    protocol_id: int
    chair: str
    session_date: date
    created_at: datetime
    created_by: int
    protocol_digest: str | None = None

    def genesis_hash(self) -> str:
        header: dict[str, Any] = {
            "session_id": self.session_id,
            "patient_id": self.patient_id,
            "protocol_id": self.protocol_id,
            "chair": self.chair,
            "session_date": self.session_date.isoformat(),
            "created_at": format_instant(self.created_at),
            "created_by": self.created_by,
        }
        if self.protocol_digest is not None:
            header["protocol_digest"] = self.protocol_digest
        return chain_hash(header, GENESIS_HASH)


def encode_overrides(overrides: tuple[Override, ...]) -> str:
    return canonical_json(list(overrides))


def decode_overrides(text: str) -> tuple[Override, ...]:
    return tuple(from_plain(Override, item) for item in json.loads(text))


@dataclass(frozen=True)
class EventRecord:
    """A stored event as views and derivations see it: plain, frozen, decoded."""

    id: str
    session_id: str
    seq: int
    kind: EventKind
    occurred_at: datetime
    recorded_at: datetime
    recorded_by: int
    payload: p.Payload
    overrides: tuple[Override, ...]
    prev_hash: str
    hash: str

    @property
    def is_late(self) -> bool:
        """Entered more than 10 minutes after it happened."""
        return (self.recorded_at - self.occurred_at).total_seconds() > LATE_ENTRY_SECONDS

    def plain_payload(self) -> Any:
        return to_plain(self.payload)


LATE_ENTRY_SECONDS = 600
