"""Tampering made directly in SQL, behind the application's back, is found by verify_all."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, text

from ketachart.domain.findings import Problem
from ketachart.models import APPEND_ONLY_TABLES, Event
from ketachart.services import charting, patients, signing
from ketachart.services.chains import envelope_of
from ketachart.services.verify import SESSION_RECORD_CHANGED, verify_all
from ketachart.storage import dialect
from ketachart.storage.database import Database
from tests.postgres import privileged
from tests.support import ALL_PRE_CHECKS, PASSWORDS, Clinic, chart_to_discharged

# chart_to_discharged + signature: 1 opened, 2 pre-checks, 3 baseline vitals, 4 IV start,
# 5 infusion start, 6 stop, 7 recovery check, 8 IV removed, 9 ride, 10 discharge, 11 signature
SIGNATURE_SEQ = 11


@pytest.fixture
def signed(clinic: Clinic) -> str:
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    physician = clinic.physician
    clinic.act(
        signing.sign_session,
        physician,
        session_id,
        clinic.proof(physician, PASSWORDS[physician.username], signing.SIGN_PURPOSE),
        seen_head=clinic.seen(session_id),
    )
    return session_id


def problems(db: Database) -> list[Problem]:
    with db.reading() as tx:
        return verify_all(tx)


def tamper(db: Database, sql: str, **params: Any) -> None:
    """Run `sql` as someone with direct database access: append-only triggers dropped first."""
    with privileged(db) as connection:
        for table in APPEND_ONLY_TABLES:
            for statement in dialect.drop_append_only_ddl(db.dialect_name, table):
                connection.exec_driver_sql(statement)
        connection.execute(text(sql), params)


def event_row(db: Database, session_id: str, seq: int) -> Event:
    with db.reading() as tx:
        row = tx.orm.scalars(
            select(Event).where(Event.session_id == session_id, Event.seq == seq)
        ).one()
        tx.orm.expunge(row)
        return row


def session_problems(session_id: str, *messages: str) -> list[Problem]:
    return [Problem(f"session {session_id}", m) for m in messages]


def unaudited_entry(session_id: str) -> Problem:
    return Problem(
        f"session {session_id}",
        "1 entry has no audit entry: added outside ketachart, or the audit trail was cut",
    )


def broken_signature(session_id: str) -> Problem:
    return Problem(
        f"session {session_id}",
        f"signature at entry {SIGNATURE_SEQ} no longer matches the content it signed",
    )


def test_a_full_signed_session_verifies_clean(db: Database, signed: str) -> None:
    assert problems(db) == []
    assert event_row(db, signed, SIGNATURE_SEQ).kind == "signature"


def test_edited_payload_is_found(db: Database, signed: str) -> None:
    vitals = json.loads(event_row(db, signed, 3).payload)
    vitals["heart_rate"] = 52
    tamper(
        db,
        "UPDATE events SET payload = :p WHERE session_id = :s AND seq = 3",
        p=json.dumps(vitals, sort_keys=True, separators=(",", ":")),
        s=signed,
    )
    assert problems(db) == [
        *session_problems(signed, "entry 3 was changed after it was written"),
        broken_signature(signed),
    ]


def test_event_deleted_from_the_middle_is_found(db: Database, signed: str) -> None:
    tamper(db, "DELETE FROM events WHERE session_id = :s AND seq = 5", s=signed)
    assert problems(db) == [
        *session_problems(
            signed,
            "entry 5 is missing or out of order (found 6)",
            "entry 6 does not link to the entry before it",
        ),
        Problem(f"session {signed}", "1 audited entry is missing from the timeline"),
        broken_signature(signed),
    ]


def test_swapped_events_are_found(db: Database, signed: str) -> None:
    for old, new in ((3, 1000), (4, 3), (1000, 4)):
        tamper(
            db,
            "UPDATE events SET seq = :new WHERE session_id = :s AND seq = :old",
            new=new,
            old=old,
            s=signed,
        )
    assert problems(db) == [
        *session_problems(
            signed,
            "entry 3 does not link to the entry before it",
            "entry 3 was changed after it was written",
            "entry 4 does not link to the entry before it",
            "entry 4 was changed after it was written",
            "entry 5 does not link to the entry before it",
        ),
        broken_signature(signed),
    ]


TRUNCATED_SUMMARY = (
    "its summary row (status, discharged_at, signed_at) differs from what its timeline says: "
    "one of the two was changed outside ketachart"
)
"""The discharge and signature cut from the timeline: its summary row still lists them."""


def test_truncated_newest_events_are_found_by_the_chain_head(db: Database, signed: str) -> None:
    tamper(db, "DELETE FROM events WHERE session_id = :s AND seq >= 10", s=signed)
    assert problems(db) == session_problems(
        signed,
        "the chain ends at entry 9 but its head record says 11: "
        "newest entries were removed or the head was altered",
        "2 audited entries are missing from the timeline",
        TRUNCATED_SUMMARY,
    )


def test_truncation_hidden_by_rewriting_the_head_is_found_by_the_audit_trail(
    db: Database, signed: str
) -> None:
    with db.reading() as tx:
        row = tx.orm.execute(
            text("SELECT hash FROM events WHERE session_id = :s AND seq = 9"), {"s": signed}
        ).one()
    tamper(db, "DELETE FROM events WHERE session_id = :s AND seq >= 10", s=signed)
    tamper(
        db,
        "UPDATE chain_heads SET seq = 9, hash = :h WHERE chain = :c",
        h=row[0],
        c=f"session:{signed}",
    )
    assert problems(db) == session_problems(
        signed, "2 audited entries are missing from the timeline", TRUNCATED_SUMMARY
    )


def test_edited_audit_entry_is_found(db: Database, signed: str) -> None:
    tamper(db, "UPDATE audit_entries SET username = 'someone' WHERE seq = 7")
    assert problems(db) == [Problem("audit trail", "entry 7 was changed after it was written")]


def test_deleted_audit_entry_is_found(db: Database, signed: str) -> None:
    tamper(db, "DELETE FROM audit_entries WHERE seq = 7")
    assert problems(db) == [
        Problem("audit trail", "entry 7 is missing or out of order (found 8)"),
        Problem("audit trail", "entry 8 does not link to the entry before it"),
        unaudited_entry(signed),
    ]


def test_truncated_audit_trail_is_found(db: Database, signed: str) -> None:
    with db.engine.connect() as connection:
        last = connection.execute(text("SELECT max(seq) FROM audit_entries")).scalar_one()
    tamper(db, "DELETE FROM audit_entries WHERE seq = :last", last=last)
    assert problems(db) == [
        Problem(
            "audit trail",
            f"the chain ends at entry {last - 1} but its head record says {last}: "
            "newest entries were removed or the head was altered",
        ),
        unaudited_entry(signed),
    ]


def test_audit_truncation_hidden_by_rewriting_its_head_is_found(db: Database, signed: str) -> None:
    """The newest audit entry (the signature's) cut, and the audit head moved back to hide it:
    the signature is still in the timeline, and no audit entry names it."""
    with db.engine.connect() as connection:
        last, digest = connection.execute(
            text("SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1 OFFSET 1")
        ).one()
    tamper(db, "DELETE FROM audit_entries WHERE seq > :last", last=last)
    tamper(db, "UPDATE chain_heads SET seq = :s, hash = :h WHERE chain = 'audit'", s=last, h=digest)
    assert problems(db) == [unaudited_entry(signed)]


def test_altered_chain_head_is_found(db: Database, signed: str) -> None:
    tamper(
        db, "UPDATE chain_heads SET hash = :h WHERE chain = :c", h="f" * 64, c=f"session:{signed}"
    )
    assert problems(db) == session_problems(
        signed,
        "the chain ends at entry 11 but its head record says 11: "
        "newest entries were removed or the head was altered",
    )


def test_deleted_chain_head_is_found(db: Database, signed: str) -> None:
    tamper(db, "DELETE FROM chain_heads WHERE chain = :c", c=f"session:{signed}")
    assert problems(db) == session_problems(signed, "the chain head record is missing")


def test_rehashed_edit_of_signed_content_breaks_chain_and_signature(
    db: Database, signed: str
) -> None:
    """A careful tamperer edits the discharge entry and recomputes its own hash: the link to
    the signature breaks, and the signature no longer matches what it signed."""
    row = event_row(db, signed, 10)
    row.payload = row.payload.replace('"note":""', '"note":"edited"')
    assert '"note":"edited"' in row.payload
    tamper(
        db,
        "UPDATE events SET payload = :p, hash = :h WHERE id = :id",
        p=row.payload,
        h=envelope_of(row).compute_hash(),
        id=row.id,
    )
    assert problems(db) == [
        *session_problems(signed, "entry 11 does not link to the entry before it"),
        broken_signature(signed),
    ]


def test_problems_name_only_the_tampered_session(clinic: Clinic, signed: str) -> None:
    other = clinic.open_session()
    clinic.act(charting.chart, clinic.nurse, other, ALL_PRE_CHECKS)
    tamper(clinic.db, "DELETE FROM events WHERE session_id = :s AND seq = 1", s=other)
    assert problems(clinic.db) == session_problems(
        other,
        "entry 1 is missing or out of order (found 2)",
        "entry 2 does not link to the entry before it",
        "the first event is not the session opening",
        "1 audited entry is missing from the timeline",
    )


def unreadable(session_id: str) -> list[Problem]:
    return session_problems(
        session_id,
        "an entry cannot be read: its stored values were altered",
        "its signatures cannot be checked: an entry cannot be read",
    )


def test_payload_that_is_not_json_is_reported_not_raised(db: Database, signed: str) -> None:
    tamper(db, "UPDATE events SET payload = 'garbage' WHERE session_id = :s AND seq = 3", s=signed)
    assert problems(db) == session_problems(
        signed,
        "entry 3 was changed after it was written",
        "its signatures cannot be checked: an entry cannot be read",
    )


def test_unknown_kind_is_reported_not_raised(db: Database, signed: str) -> None:
    tamper(db, "UPDATE events SET kind = 'bogus' WHERE session_id = :s AND seq = 3", s=signed)
    assert problems(db) == unreadable(signed)


def test_text_in_a_time_column_is_reported_not_raised(db: Database, signed: str) -> None:
    if db.dialect_name != "sqlite":
        pytest.skip("PostgreSQL refuses text in a timestamp column itself")
    tamper(db, "UPDATE events SET occurred_at = 'noon' WHERE session_id = :s AND seq = 3", s=signed)
    tamper(db, "UPDATE audit_entries SET at = 'noon' WHERE seq = 3")
    assert problems(db) == [
        *unreadable(signed)[:1],
        Problem("audit trail", "an entry cannot be read: its stored values were altered"),
        *unreadable(signed)[1:],
        Problem("entry times", "an entry cannot be read: its stored values were altered"),
    ]


def test_attestation_is_checked_like_a_signature(clinic: Clinic) -> None:
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)
    clinic.act(
        signing.attest,
        clinic.nurse,
        sid,
        clinic.proof(clinic.nurse, PASSWORDS[clinic.nurse.username], signing.ATTEST_PURPOSE),
        seen_head=clinic.seen(sid),
    )
    clinic.act(
        signing.sign_session,
        clinic.physician,
        sid,
        clinic.proof(clinic.physician, PASSWORDS[clinic.physician.username], signing.SIGN_PURPOSE),
        seen_head=clinic.seen(sid),
    )
    assert problems(clinic.db) == []
    tamper(
        clinic.db,
        "UPDATE events SET recorded_by = :u WHERE session_id = :s AND seq = 3",
        u=clinic.nurse2.id,
        s=sid,
    )
    assert problems(clinic.db) == session_problems(
        sid,
        "entry 3 was changed after it was written",
        "signature at entry 11 no longer matches the content it signed",
        "signature at entry 12 no longer matches the content it signed",
    )


@pytest.mark.parametrize(
    ("column", "value"), [("chair", "Chair 9"), ("patient_id", 2), ("session_date", "2026-03-09")]
)
def test_unsigned_session_record_edit_is_found(clinic: Clinic, column: str, value: object) -> None:
    """The session record (who, where, when) is the start of its chain: signed or not."""
    details = patients.PatientDetails("MRN-Z2", "Ångström", "Åsa", date(1990, 5, 6), "female", "")
    clinic.act(patients.register_patient, clinic.nurse, details)
    session_id = clinic.open_session()
    clinic.act(charting.chart, clinic.nurse, session_id, ALL_PRE_CHECKS)
    tamper(clinic.db, f"UPDATE sessions SET {column} = :v WHERE id = :s", v=value, s=session_id)
    assert problems(clinic.db) == session_problems(session_id, SESSION_RECORD_CHANGED)
