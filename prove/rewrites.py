"""The consistent rewrites: what someone with write access to the database and ketachart's
source can do, using ketachart's own hash functions, so that every hash chain, chain head and
audit entry checks again afterwards. They have no private key: not the clinic's (sealed under
the administrator's passphrase) and not the users' (sealed under their passwords). A user may
take part with their own key (a nurse made physician for a moment signs with her own key).

prove.rewrite runs each on its own copy of a real database and verifies it; each names where
verify must report it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from ketachart.domain import payloads as p
from ketachart.domain.codec import canonical_json
from ketachart.domain.events import EventKind, encode_payload
from ketachart.domain.row_versions import RowVersionContent, protocol_chain, protocol_content
from ketachart.keys.sealed import seal_new_key
from ketachart.keys.signatures import public_hex
from ketachart.models import (
    AuditEntry,
    Certificate,
    ChainHead,
    Event,
    InfusionSession,
    Patient,
    PatientVersion,
    ProtocolVersion,
    RowVersion,
    User,
    UserKey,
)
from ketachart.services import signing
from ketachart.services.chains import (
    AUDIT_CHAIN,
    audit_hash,
    envelope_of,
    session_chain,
    session_genesis,
)
from ketachart.services.keys import certificate_hash
from ketachart.services.patient_history import content_of
from ketachart.services.row_history import protocol_digest
from ketachart.services.sessions import load_session
from ketachart.services.sign_in import prove_password, sign_in
from ketachart.services.users import hash_password
from ketachart.storage.database import Database
from tests.postgres import privileged

ATTACKER_PASSWORD = "tamper-quartz-velvet-91"
"""The password the tamperer sets on someone else's account, having replaced its hash."""


@dataclass(frozen=True)
class Target:
    """What the rewrites aim at: a signed session, a discharged one nobody signed yet, a
    running one, and the accounts and patients involved."""

    signed: str
    discharged: str
    running: str
    nurse: int
    nurse_password: str
    physician: int
    patient: int
    other_patient: int
    now: datetime
    """After everything charted: when the tamperer's own actions happen."""


Action = Callable[[Database, Target], None]


@dataclass(frozen=True)
class Rewrite:
    name: str
    where: Callable[[Target], str]
    action: Action


def signed_session(t: Target) -> str:
    return f"session {t.signed}"


def discharged_session(t: Target) -> str:
    return f"session {t.discharged}"


def running_session(t: Target) -> str:
    return f"session {t.running}"


# --- the tamperer's tools: rows rewritten, then every hash recomputed ------------------------


@contextmanager
def sql(db: Database) -> Iterator[Connection]:
    """A SQL prompt with the append-only triggers already out of the way (prove.rewrite)."""
    with privileged(db) as connection:
        yield connection


def _event(c: Connection, session_id: str, seq: int) -> Event:
    """A detached Event built from the stored row, to recompute its hash."""
    where = (Event.session_id == session_id) & (Event.seq == seq)
    return Event(**c.execute(select(Event.__table__).where(where)).one()._asdict())


def _set_event(c: Connection, session_id: str, seq: int, **values: Any) -> None:
    where = (Event.session_id == session_id) & (Event.seq == seq)
    c.execute(update(Event).where(where).values(**values))


def _last_seq(c: Connection, session_id: str) -> int:
    last = c.execute(select(func.max(Event.seq)).where(Event.session_id == session_id)).scalar()
    assert last is not None
    return int(last)


def rehash_session(c: Connection, session_id: str, from_seq: int) -> None:
    """Recompute the session's chain from `from_seq` on with ketachart's own envelope hash,
    and move its head: every link and the head check again."""
    prev = _event(c, session_id, from_seq - 1).hash if from_seq > 1 else None
    last = _last_seq(c, session_id)
    for seq in range(from_seq, last + 1):
        if prev is not None:
            _set_event(c, session_id, seq, prev_hash=prev)
        prev = envelope_of(_event(c, session_id, seq)).compute_hash()
        _set_event(c, session_id, seq, hash=prev)
    assert prev is not None
    c.execute(
        update(ChainHead)
        .where(ChainHead.chain == session_chain(session_id))
        .values(seq=last, hash=prev)
    )


def edit_payload(c: Connection, session_id: str, seq: int, change: dict[str, Any]) -> None:
    payload = json.loads(_event(c, session_id, seq).payload)
    payload.update(change)
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    _set_event(c, session_id, seq, payload=text)


def resign_hashes(db: Database, session_id: str) -> None:
    """Make every signature and attestation of the session cover the rewritten chain: the
    content hash and head hash recomputed with signing.signed_content_hash, the chain
    rehashed after each. The digital signature cannot be made again: it is left as it was."""
    with db.reading() as tx:
        signatures = [
            e.seq
            for e in load_session(tx, session_id).events
            if isinstance(e.payload, p.Signature | p.Attestation)
        ]
    for seq in signatures:
        with db.reading() as tx:
            loaded = load_session(tx, session_id)
            mine = next(e for e in loaded.events if e.seq == seq)
            assert isinstance(mine.payload, p.Signature | p.Attestation)
            head = next(e for e in loaded.events if e.seq == mine.payload.head_seq)
            patient_hash = mine.payload.patient_version_hash
            content = signing.signed_content_hash(loaded, head, patient_hash)
        with sql(db) as c:
            edit_payload(c, session_id, seq, {"content_hash": content, "head_hash": head.hash})
            rehash_session(c, session_id, seq)
    db.caches.clear()


def first_seq(db: Database, session_id: str, wanted: Callable[[Any], bool]) -> int:
    with db.reading() as tx:
        return next(e.seq for e in load_session(tx, session_id).events if wanted(e))


def append_audit(
    c: Connection, user_id: int, username: str, action: str, target: str, detail: str, at: datetime
) -> None:
    """An audit entry at the end of the audit trail, its hash and the trail's head right."""
    last = c.execute(select(AuditEntry.__table__).order_by(AuditEntry.seq.desc()).limit(1)).one()
    entry = AuditEntry(
        seq=last.seq + 1,
        at=at,
        user_id=user_id,
        username=username,
        action=action,
        target_type="session",
        target_id=target,
        detail=detail,
        prev_hash=last.hash,
    )
    entry.hash = audit_hash(entry)
    c.execute(insert(AuditEntry).values(**{k: getattr(entry, k) for k in _AUDIT_COLUMNS}))
    c.execute(
        update(ChainHead)
        .where(ChainHead.chain == AUDIT_CHAIN)
        .values(seq=entry.seq, hash=entry.hash)
    )


_AUDIT_COLUMNS = (
    "seq",
    "at",
    "user_id",
    "username",
    "action",
    "target_type",
    "target_id",
    "detail",
    "prev_hash",
    "hash",
)


# --- the rewrites ----------------------------------------------------------------------------


def rewrite_signed_session(db: Database, t: Target) -> None:
    """SpO2 98 → 91 in the signed session's vitals, the chain, its head and the signatures'
    content hashes all recomputed."""
    seq = first_seq(db, t.signed, lambda e: isinstance(e.payload, p.Vitals))
    with sql(db) as c:
        edit_payload(c, t.signed, seq, {"spo2": 91})
        rehash_session(c, t.signed, seq)
    resign_hashes(db, t.signed)


def rewrite_pump_volume(db: Database, t: Target) -> None:
    """The pump volume at the infusion's stop lowered to 20 mL, all rehashed."""
    seq = first_seq(db, t.signed, lambda e: e.kind is EventKind.INFUSION_STOP)
    with sql(db) as c:
        edit_payload(c, t.signed, seq, {"pump_volume_ml": "20"})
        rehash_session(c, t.signed, seq)
    resign_hashes(db, t.signed)


def _forge_signature(db: Database, t: Target, key_signature: str | None) -> None:
    """A physician's signature appended to the discharged session nobody signed: its content
    hash right, the chain and head right, and an audit entry for it at the end of the trail."""
    with db.reading() as tx:
        loaded = load_session(tx, t.discharged)
        head = loaded.events[-1]
        physician = tx.orm.get(User, t.physician)
        assert physician is not None
        unsigned = p.Signature(
            meaning=signing.REVIEWED_AND_APPROVED,
            signer_name=physician.display_name,
            credentials=physician.credentials,
            content_hash=signing.signed_content_hash(loaded, head),
            head_seq=head.seq,
            head_hash=head.hash,
            key_signature=key_signature,
        )
        username = physician.username
    event_id = "f0f0f0f0-0000-4000-8000-00000000000a"
    with sql(db) as c:
        row = {
            "id": event_id,
            "session_id": t.discharged,
            "seq": head.seq + 1,
            "kind": EventKind.SIGNATURE.value,
            "occurred_at": t.now,
            "recorded_at": t.now,
            "recorded_by": t.physician,
            "payload": encode_payload(unsigned),
            "overrides": "[]",
            "prev_hash": head.hash,
            "hash": "0" * 64,
        }
        c.execute(insert(Event).values(**row))
        rehash_session(c, t.discharged, head.seq + 1)
        append_audit(c, t.physician, username, "chart.signature", t.discharged, event_id, t.now)
    db.caches.clear()


def forge_signature_unkeyed(db: Database, t: Target) -> None:
    _forge_signature(db, t, None)


def forge_signature_copied(db: Database, t: Target) -> None:
    """The same, with the digital signature copied from the physician's real signature."""
    with db.reading() as tx:
        real = next(
            e.payload
            for e in load_session(tx, t.signed).events
            if isinstance(e.payload, p.Signature)
        )
    _forge_signature(db, t, real.key_signature)


def _sign_discharged_as(db: Database, username: str, password: str, t: Target) -> None:
    """Sign the discharged session through ketachart itself, as `username`."""
    actor = sign_in(db, username, password).actor
    proof = prove_password(db, actor, password, purpose=signing.SIGN_PURPOSE)
    with db.transaction() as tx:
        seen = signing.head_to_review(tx, t.discharged)
        signing.sign_session(tx, actor, t.discharged, proof, seen_head=seen)


def _username(db: Database, user_id: int) -> str:
    with db.reading() as tx:
        user = tx.orm.get(User, user_id)
        assert user is not None
        return user.username


def role_swap(db: Database, t: Target) -> None:
    """A nurse is made physician in SQL, signs with her own key through ketachart, and is
    set back to nurse."""
    with sql(db) as c:
        c.execute(update(User).where(User.id == t.nurse).values(role="physician"))
    _sign_discharged_as(db, _username(db, t.nurse), t.nurse_password, t)
    with sql(db) as c:
        c.execute(update(User).where(User.id == t.nurse).values(role="nurse"))


@contextmanager
def _hash_swapped(db: Database, user_id: int) -> Iterator[None]:
    """The account's password hash replaced by one of the tamperer's password, and put back
    afterwards; the tamperer's own key, sealed under that password, put in as its newest key
    (removed afterwards), since the account's real key does not open with it."""
    sealed, private_key = seal_new_key(ATTACKER_PASSWORD)
    with sql(db) as c:
        real = c.execute(select(User.password_hash).where(User.id == user_id)).scalar_one()
        c.execute(
            update(User)
            .where(User.id == user_id)
            .values(password_hash=hash_password(ATTACKER_PASSWORD))
        )
        c.execute(
            insert(UserKey).values(
                user_id=user_id,
                public_key=public_hex(private_key),
                sealed_private_key=sealed.to_json(),
                created_at=t_now(db),
            )
        )
    try:
        yield
    finally:
        with sql(db) as c:
            c.execute(update(User).where(User.id == user_id).values(password_hash=real))
            newest = select(func.max(UserKey.id)).where(UserKey.user_id == user_id)
            c.execute(delete(UserKey).where(UserKey.id == newest.scalar_subquery()))


def t_now(db: Database) -> datetime:
    return db.clock.now()


def password_hash_swap(db: Database, t: Target) -> None:
    """The physician's password hash and key swapped for the tamperer's, a signature made
    through ketachart with them, and both swapped back."""
    with _hash_swapped(db, t.physician):
        _sign_discharged_as(db, _username(db, t.physician), ATTACKER_PASSWORD, t)


def public_key_swap(db: Database, t: Target) -> None:
    """As above, and the physician's certificate rewritten to vouch for the tamperer's public
    key (its hash recomputed; its clinic signature cannot be)."""
    with _hash_swapped(db, t.physician):
        with sql(db) as c:
            newest = c.execute(
                select(UserKey.public_key)
                .where(UserKey.user_id == t.physician)
                .order_by(UserKey.id.desc())
                .limit(1)
            ).scalar_one()
            _rewrite_certificates(c, t.physician, public_key=newest)
        _sign_discharged_as(db, _username(db, t.physician), ATTACKER_PASSWORD, t)


def _rewrite_certificates(c: Connection, user_id: int, **values: Any) -> None:
    """Every certificate of the user changed, and the chain of hashes recomputed."""
    certs = c.execute(
        select(Certificate.__table__)
        .where(Certificate.user_id == user_id)
        .order_by(Certificate.version)
    ).all()
    prev = None
    for row in certs:
        cert = Certificate(**{**row._asdict(), **values})
        if prev is not None:
            cert.prev_hash = prev
        cert.hash = certificate_hash(cert)
        c.execute(
            update(Certificate)
            .where(Certificate.id == cert.id)
            .values(**values, prev_hash=cert.prev_hash, hash=cert.hash)
        )
        prev = cert.hash


def certificate_role_swap(db: Database, t: Target) -> None:
    """The nurse's certificates rewritten to say physician (hashes recomputed), her row too,
    and she signs with her own key through ketachart."""
    with sql(db) as c:
        c.execute(update(User).where(User.id == t.nurse).values(role="physician"))
        _rewrite_certificates(c, t.nurse, role="physician")
    _sign_discharged_as(db, _username(db, t.nurse), t.nurse_password, t)


def occurred_before_opening(db: Database, t: Target) -> None:
    """An entry of the running session moved to a day before the session opened, chain
    and head recomputed (no signature covers it)."""
    seq = first_seq(db, t.running, lambda e: e.kind is EventKind.NOTE)
    with sql(db) as c:
        at = _event(c, t.running, seq).occurred_at
        _set_event(c, t.running, seq, occurred_at=at - timedelta(days=1))
        rehash_session(c, t.running, seq)
    db.caches.clear()


def recorded_in_future(db: Database, t: Target) -> None:
    """An entry of the running session given times a year ahead, chain and head right."""
    seq = first_seq(db, t.running, lambda e: e.kind is EventKind.NOTE)
    ahead = timedelta(days=365)
    with sql(db) as c:
        row = _event(c, t.running, seq)
        _set_event(
            c,
            t.running,
            seq,
            occurred_at=row.occurred_at + ahead,
            recorded_at=row.recorded_at + ahead,
        )
        rehash_session(c, t.running, seq)
    db.caches.clear()


def signed_times_moved(db: Database, t: Target) -> None:
    """The signed session's discharge moved an hour later, everything rehashed."""
    seq = first_seq(db, t.signed, lambda e: e.kind is EventKind.DISCHARGE)
    with sql(db) as c:
        at = _event(c, t.signed, seq).occurred_at
        _set_event(c, t.signed, seq, occurred_at=at + timedelta(hours=1))
        rehash_session(c, t.signed, seq)
    resign_hashes(db, t.signed)


def rehash_audit_from(c: Connection, from_seq: int) -> None:
    """Recompute the audit trail's chain from `from_seq` on, and move its head."""
    rows = c.execute(
        select(AuditEntry.__table__).where(AuditEntry.seq >= from_seq - 1).order_by(AuditEntry.seq)
    ).all()
    prev = rows[0].hash if rows[0].seq < from_seq else None
    for row in rows:
        if row.seq < from_seq:
            continue
        entry = AuditEntry(**row._asdict())
        if prev is not None:
            entry.prev_hash = prev
        prev = audit_hash(entry)
        c.execute(
            update(AuditEntry)
            .where(AuditEntry.seq == row.seq)
            .values(prev_hash=entry.prev_hash, hash=prev)
        )
    assert prev is not None
    last = rows[-1].seq
    c.execute(update(ChainHead).where(ChainHead.chain == AUDIT_CHAIN).values(seq=last, hash=prev))


SWAPPED_DETAILS = ("mrn", "family_name", "given_name", "date_of_birth", "sex", "allergies")


def swap_patients(db: Database, t: Target) -> None:
    """The signed session's patient and the other patient exchange MRNs, names, dates of
    birth and allergies, in their rows and in every version of their details; each version's
    hash recomputed with ketachart's own function, the audit entries that name the versions
    rewritten to name the new hashes, and the audit trail rehashed from the first of them."""
    with sql(db) as c:
        first_audit = _swap_versions(c, t.patient, t.other_patient)
        a, b = (_patient_row(c, i) for i in (t.patient, t.other_patient))
        c.execute(update(Patient).where(Patient.id == t.patient).values(mrn="swap-in-progress"))
        c.execute(update(Patient).where(Patient.id == t.other_patient).values(**a))
        c.execute(update(Patient).where(Patient.id == t.patient).values(**b))
        rehash_audit_from(c, first_audit)
    db.caches.clear()


def _patient_row(c: Connection, patient_id: int) -> dict[str, Any]:
    row = c.execute(select(Patient.__table__).where(Patient.id == patient_id)).one()._asdict()
    return {k: row[k] for k in SWAPPED_DETAILS}


def _swap_versions(c: Connection, one: int, other: int) -> int:
    """Each patient's versions take the other's first version's details; returns the first
    audit entry rewritten."""
    firsts = {
        pid: c.execute(
            select(PatientVersion.__table__).where(
                PatientVersion.patient_id == pid, PatientVersion.version == 1
            )
        )
        .one()
        ._asdict()
        for pid in (one, other)
    }
    first_audit = None
    for pid, source in ((one, other), (other, one)):
        swapped = {k: firsts[source][k] for k in SWAPPED_DETAILS}
        for row in c.execute(
            select(PatientVersion.__table__)
            .where(PatientVersion.patient_id == pid)
            .order_by(PatientVersion.version)
        ).all():
            version = PatientVersion(**{**row._asdict(), **swapped})
            new_hash = content_of(version).compute_hash(version.prev_hash)
            c.execute(
                update(PatientVersion)
                .where(PatientVersion.id == row.id)
                .values(**swapped, hash=new_hash)
            )
            first_audit = _rename_in_audit(c, row.hash, new_hash, first_audit)
    assert first_audit is not None
    return first_audit


def _rename_in_audit(c: Connection, old: str, new: str, first: int | None) -> int | None:
    """The audit entries naming a version's old hash name its new one."""
    rows = c.execute(
        select(AuditEntry.seq, AuditEntry.detail).where(AuditEntry.detail.contains(old))
    ).all()
    for seq, detail in rows:
        c.execute(
            update(AuditEntry).where(AuditEntry.seq == seq).values(detail=detail.replace(old, new))
        )
        first = seq if first is None else min(first, seq)
    return first


def edit_protocol(db: Database, t: Target) -> None:
    """The signed session's protocol version made more permissive (its dose ceiling doubled)
    in its row and its chain of versions; the audit entry naming the version, every session
    opened on it (its protocol digest, and so its genesis and whole chain) and the signed
    session's signatures' content hashes, all recomputed."""
    with sql(db) as c:
        protocol = c.execute(
            select(ProtocolVersion.__table__)
            .join(InfusionSession, InfusionSession.protocol_id == ProtocolVersion.id)
            .where(InfusionSession.id == t.signed)
        ).one()
        spec = _doubled_ceiling(json.loads(protocol.spec_json))
        edited = dict(protocol._asdict(), spec_json=json.dumps(spec, sort_keys=True))
        c.execute(
            update(ProtocolVersion)
            .where(ProtocolVersion.id == protocol.id)
            .values(spec_json=edited["spec_json"])
        )
        first_audit = _rewrite_protocol_version(c, edited)
        if first_audit is not None:
            rehash_audit_from(c, first_audit)
        digest = protocol_digest(ProtocolVersion(**edited))
        sessions = (
            c.execute(select(InfusionSession.id).where(InfusionSession.protocol_id == protocol.id))
            .scalars()
            .all()
        )
        c.execute(
            update(InfusionSession)
            .where(InfusionSession.protocol_id == protocol.id)
            .values(protocol_digest=digest)
        )
    for session_id in sessions:
        with sql(db) as c:
            _relink_first(db, c, session_id)
    resign_hashes(db, t.signed)


def _doubled_ceiling(spec: Any) -> Any:
    """The spec with every total-dose ceiling doubled."""
    if isinstance(spec, dict):
        return {
            k: str(2 * float(v)) if k == "max_total_mg_per_kg" else _doubled_ceiling(v)
            for k, v in spec.items()
        }
    if isinstance(spec, list):
        return [_doubled_ceiling(v) for v in spec]
    return spec


def _rewrite_protocol_version(c: Connection, edited: dict[str, Any]) -> int | None:
    """The protocol version's entry in its chain of versions rewritten to the edited row,
    the chain rehashed, the audit entries renamed; returns the first audit entry changed
    (None if no audit entry names it: the example protocols a new clinic starts with)."""
    chain = protocol_chain(edited["code"])
    rows = c.execute(
        select(RowVersion.__table__).where(RowVersion.chain == chain).order_by(RowVersion.version)
    ).all()
    prev: str | None = None
    first_audit: int | None = None
    for row in rows:
        content = row.content
        if json.loads(row.content).get("version") == edited["version"]:
            content = canonical_json(protocol_content(ProtocolVersion(**edited)))
        prev_hash = prev if prev is not None else row.prev_hash
        new_hash = RowVersionContent(
            row.chain, row.version, content, row.recorded_at, row.recorded_by
        ).compute_hash(prev_hash)
        c.execute(
            update(RowVersion)
            .where(RowVersion.id == row.id)
            .values(content=content, prev_hash=prev_hash, hash=new_hash)
        )
        first_audit = _rename_in_audit(c, row.hash, new_hash, first_audit)
        prev = new_hash
    assert prev is not None
    c.execute(
        update(ChainHead).where(ChainHead.chain == chain).values(seq=rows[-1].version, hash=prev)
    )
    return first_audit


def _relink_first(db: Database, c: Connection, session_id: str) -> None:
    """The session's first entry linked to its recomputed genesis, the chain rehashed."""
    with db.reading() as tx:
        genesis = session_genesis(tx, session_id)
    _set_event(c, session_id, 1, prev_hash=genesis)
    rehash_session(c, session_id, 1)


REWRITES: tuple[Rewrite, ...] = (
    Rewrite("signed session rewritten (SpO2)", signed_session, rewrite_signed_session),
    Rewrite("signed session rewritten (pump)", signed_session, rewrite_pump_volume),
    Rewrite("signature forged, unkeyed", discharged_session, forge_signature_unkeyed),
    Rewrite("signature forged, key copied", discharged_session, forge_signature_copied),
    Rewrite("role swapped to sign", discharged_session, role_swap),
    Rewrite("certified role rewritten", discharged_session, certificate_role_swap),
    Rewrite("password hash and key swapped", discharged_session, password_hash_swap),
    Rewrite("public key swapped", discharged_session, public_key_swap),
    Rewrite("time before opening", running_session, occurred_before_opening),
    Rewrite("times a year ahead", running_session, recorded_in_future),
    Rewrite("signed times moved", signed_session, signed_times_moved),
    Rewrite("patients swapped", signed_session, swap_patients),
    Rewrite("protocol edited", signed_session, edit_protocol),
)
