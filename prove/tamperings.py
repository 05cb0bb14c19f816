"""The tamperings: changes made directly in SQL, behind the application's back, as someone
with a SQL prompt would make them (prove.tamper runs each on a copy and verifies it).

Each names where verify must report it: the signed session it alters, or the audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from ketachart.models import (
    AuditEntry,
    ChainHead,
    Event,
    InfusionSession,
    ProtocolVersion,
    SessionSummaryRecord,
)
from ketachart.services.chains import AUDIT_CHAIN, envelope_of, session_chain

AUDIT = "audit trail"


@dataclass(frozen=True)
class Target:
    """What the tamperings aim at: a signed session, and the ids needed to alter it."""

    session: str
    unsigned: str
    head: int
    signature: int
    audit_last: int
    other_user: int
    other_patient: int


Action = Callable[[Connection, Target], None]


@dataclass(frozen=True)
class Tampering:
    name: str
    where: Callable[[Target], str]
    action: Action


def _session(t: Target) -> str:
    return f"session {t.session}"


def _unsigned(t: Target) -> str:
    return f"session {t.unsigned}"


def _audit(_t: Target) -> str:
    return AUDIT


# --- helpers: rows as someone with a SQL prompt would change them ---------------------------


def _events(t: Target, *seqs: int) -> Any:
    return (Event.session_id == t.session) & Event.seq.in_(seqs)


def _set_event(c: Connection, t: Target, at_seq: int, **values: Any) -> None:
    c.execute(update(Event).where(_events(t, at_seq)).values(**values))


def _row(c: Connection, t: Target, seq: int) -> Event:
    """A detached Event built from the stored row, to recompute its hash."""
    row = c.execute(select(Event.__table__).where(_events(t, seq))).one()
    return Event(**row._asdict())


def _rehash_from(c: Connection, t: Target, seq: int) -> None:
    """Recompute the session's chain from `seq` on, and move its head: a careful tamperer."""
    prev = c.execute(select(Event.hash).where(_events(t, seq - 1))).scalar_one()
    last = c.execute(select(func.max(Event.seq)).where(Event.session_id == t.session)).scalar()
    assert last is not None
    for number in range(seq, last + 1):
        _set_event(c, t, number, prev_hash=prev)
        prev = envelope_of(_row(c, t, number)).compute_hash()
        _set_event(c, t, number, hash=prev)
    _set_head(c, session_chain(t.session), last, prev)


def _set_head(c: Connection, chain: str, seq: int, digest: str) -> None:
    c.execute(update(ChainHead).where(ChainHead.chain == chain).values(seq=seq, hash=digest))


def _edit_payload(
    c: Connection, t: Target, seq: int, change: dict[str, Any], session_id: str | None = None
) -> None:
    where = (Event.session_id == (session_id or t.session)) & (Event.seq == seq)
    payload = json.loads(c.execute(select(Event.payload).where(where)).scalar_one())
    payload.update(change)
    edited = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    c.execute(update(Event).where(where).values(payload=edited))


def _delete_newest(c: Connection, t: Target, count: int) -> None:
    c.execute(delete(Event).where(_events(t, *range(t.head - count + 1, t.head + 1))))


def _audit_set(c: Connection, at_seq: int, **values: Any) -> None:
    c.execute(update(AuditEntry).where(AuditEntry.seq == at_seq).values(**values))


# --- the tamperings --------------------------------------------------------------------------


def edit_payload(c: Connection, t: Target) -> None:
    _edit_payload(c, t, 3, {"spo2": 91})


def edit_occurred_at(c: Connection, t: Target) -> None:
    at = c.execute(select(Event.occurred_at).where(_events(t, 6))).scalar_one()
    _set_event(c, t, 6, occurred_at=at - timedelta(minutes=10))


def edit_recorded_by(c: Connection, t: Target) -> None:
    _set_event(c, t, 4, recorded_by=t.other_user)


def edit_kind(c: Connection, t: Target) -> None:
    _set_event(c, t, 2, kind="note")


def delete_middle_event(c: Connection, t: Target) -> None:
    c.execute(delete(Event).where(_events(t, 5)))


def reorder_events(c: Connection, t: Target) -> None:
    for old, new in ((3, 100_000), (4, 3), (100_000, 4)):
        _set_event(c, t, old, seq=new)


def delete_newest(c: Connection, t: Target) -> None:
    _delete_newest(c, t, 2)


def delete_newest_rewrite_head(c: Connection, t: Target) -> None:
    _delete_newest(c, t, 2)
    kept = _row(c, t, t.head - 2)
    _set_head(c, session_chain(t.session), kept.seq, kept.hash)


def delete_every_event(c: Connection, t: Target) -> None:
    _delete_newest(c, t, t.head)


def delete_whole_session(c: Connection, t: Target) -> None:
    c.execute(delete(Event).where(Event.session_id == t.session))
    c.execute(delete(ChainHead).where(ChainHead.chain == session_chain(t.session)))
    c.execute(delete(SessionSummaryRecord).where(SessionSummaryRecord.session_id == t.session))
    c.execute(delete(InfusionSession).where(InfusionSession.id == t.session))


def edit_chain_head(c: Connection, t: Target) -> None:
    _set_head(c, session_chain(t.session), t.head, "0" * 64)


def delete_chain_head(c: Connection, t: Target) -> None:
    c.execute(delete(ChainHead).where(ChainHead.chain == session_chain(t.session)))


def edit_signed_rehash_it(c: Connection, t: Target) -> None:
    _edit_payload(c, t, 3, {"spo2": 91})
    _set_event(c, t, 3, hash=envelope_of(_row(c, t, 3)).compute_hash())


def edit_signed_rechain(c: Connection, t: Target) -> None:
    _edit_payload(c, t, 3, {"spo2": 91})
    _rehash_from(c, t, 3)


def edit_signature_hash(c: Connection, t: Target) -> None:
    _edit_payload(c, t, t.signature, {"content_hash": "0" * 64})


def edit_signature_hash_rechain(c: Connection, t: Target) -> None:
    edit_signature_hash(c, t)
    _rehash_from(c, t, t.signature)


def forge_event(c: Connection, t: Target) -> None:
    """A note appended after the signature, with a made-up hash."""
    newest = c.execute(select(Event.__table__).where(_events(t, t.head))).one()._asdict()
    newest.update(id="f0f0f0f0-0000-4000-8000-000000000000", seq=t.head + 1, kind="note")
    newest.update(payload='{"text":"added later"}', prev_hash=newest["hash"], hash="b" * 64)
    c.execute(insert(Event).values(**newest))


def forge_event_rehashed(c: Connection, t: Target) -> None:
    """The same note with its right hash, and the chain head moved to it."""
    forge_event(c, t)
    _rehash_from(c, t, t.head + 1)


def move_to_other_patient(c: Connection, t: Target) -> None:
    _session_set(c, t, patient_id=t.other_patient)


def flip_review_queue_flag(c: Connection, t: Target) -> None:
    """The summary row says the opposite of whether the session waits for a signature: the
    queue would hide a waiting session (or look for one that waits for nothing)."""
    row = SessionSummaryRecord.session_id == t.session
    c.execute(update(SessionSummaryRecord).where(row).values(waiting=~SessionSummaryRecord.waiting))


def edit_chair(c: Connection, t: Target) -> None:
    _session_set(c, t, chair="Chair 9")


def edit_session_date(c: Connection, t: Target) -> None:
    _session_set(c, t, session_date=date(2026, 3, 9))


def edit_protocol(c: Connection, t: Target) -> None:
    protocol_id = c.execute(
        select(InfusionSession.protocol_id).where(InfusionSession.id == t.session)
    ).scalar_one()
    version = ProtocolVersion.id == protocol_id
    spec = json.loads(c.execute(select(ProtocolVersion.spec_json).where(version)).scalar_one())
    spec["name"] = f"{spec.get('name', '')} (edited)"
    edited = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    c.execute(update(ProtocolVersion).where(version).values(spec_json=edited))


def edit_unsigned(c: Connection, t: Target) -> None:
    _edit_payload(c, t, 3, {"heart_rate": 61}, session_id=t.unsigned)


def move_unsigned_to_other_patient(c: Connection, t: Target) -> None:
    """An unsigned session's record: covered by its chain, not only by a signature."""
    _session_set(c, t, patient_id=t.other_patient, session_id=t.unsigned)


def edit_unsigned_chair(c: Connection, t: Target) -> None:
    _session_set(c, t, chair="Chair 9", session_id=t.unsigned)


def edit_audit_user(c: Connection, _t: Target) -> None:
    _audit_set(c, 5, username="someone")


def edit_audit_action(c: Connection, _t: Target) -> None:
    _audit_set(c, 6, action="user.login")


def edit_audit_time(c: Connection, _t: Target) -> None:
    at = c.execute(select(AuditEntry.at).where(AuditEntry.seq == 5)).scalar_one()
    _audit_set(c, 5, at=at - timedelta(hours=1))


def delete_audit_entry(c: Connection, t: Target) -> None:
    c.execute(delete(AuditEntry).where(AuditEntry.seq == t.audit_last // 2))


def reorder_audit(c: Connection, t: Target) -> None:
    a, b = t.audit_last // 2, t.audit_last // 2 + 1
    for old, new in ((a, -1), (b, a), (-1, b)):
        _audit_set(c, old, seq=new)


def truncate_audit(c: Connection, t: Target) -> None:
    c.execute(delete(AuditEntry).where(AuditEntry.seq > t.audit_last - 3))


def truncate_audit_rewrite_head(c: Connection, t: Target) -> None:
    truncate_audit(c, t)
    kept = c.execute(select(AuditEntry.hash).where(AuditEntry.seq == t.audit_last - 3))
    _set_head(c, AUDIT_CHAIN, t.audit_last - 3, kept.scalar_one())


def edit_audit_head(c: Connection, t: Target) -> None:
    _set_head(c, AUDIT_CHAIN, t.audit_last, "0" * 64)


def _session_set(c: Connection, t: Target, session_id: str | None = None, **values: Any) -> None:
    which = InfusionSession.id == (session_id or t.session)
    c.execute(update(InfusionSession).where(which).values(**values))


_ON_SESSION: tuple[Action, ...] = (
    edit_payload,
    edit_occurred_at,
    edit_recorded_by,
    edit_kind,
    delete_middle_event,
    reorder_events,
    delete_newest,
    delete_newest_rewrite_head,
    delete_every_event,
    delete_whole_session,
    edit_chain_head,
    delete_chain_head,
    edit_signed_rehash_it,
    edit_signed_rechain,
    edit_signature_hash,
    edit_signature_hash_rechain,
    forge_event,
    forge_event_rehashed,
    move_to_other_patient,
    flip_review_queue_flag,
    edit_chair,
    edit_session_date,
    edit_protocol,
)
_ON_AUDIT: tuple[Action, ...] = (
    edit_audit_user,
    edit_audit_action,
    edit_audit_time,
    delete_audit_entry,
    reorder_audit,
    truncate_audit,
    edit_audit_head,
)
BATTERY: tuple[Tampering, ...] = (
    *(Tampering(a.__name__, _session, a) for a in _ON_SESSION),
    *(
        Tampering(a.__name__, _unsigned, a)
        for a in (edit_unsigned, move_unsigned_to_other_patient, edit_unsigned_chair)
    ),
    # the newest audit entries are the unsigned session's last charting: it is where they lack
    Tampering(truncate_audit_rewrite_head.__name__, _unsigned, truncate_audit_rewrite_head),
    *(Tampering(a.__name__, _audit, a) for a in _ON_AUDIT),
)
