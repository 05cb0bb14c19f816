"""Two workstations on one database, one a year ahead: the correct one records its own time
(never late, never in the future), the ahead one is flagged and named by `verify`, the correct
one never is. Impossible times are refused on entry and found by `verify` in forged rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text

from ketachart.app import main
from ketachart.clock import ManualClock, SkewedClock, SystemClock, follows_real_time
from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind
from ketachart.errors import ValidationError
from ketachart.models import AuditEntry, Event
from ketachart.services import charting, patients, sessions, signing
from ketachart.services.chains import append_event, envelope_of, load_events
from ketachart.services.clock_guard import (
    CLOCK_AHEAD,
    CLOCK_DISAGREES,
    CLOCK_FLAGS,
    clock_status,
    clock_warnings,
)
from ketachart.services.corrections import correct_entry
from ketachart.services.sign_in import prove_password
from ketachart.services.verify import verify_all
from ketachart.storage.database import Database, open_database
from ketachart.storage.workstation import FILE_NAME, Workstation, load_or_create
from tests.cli_support import as_user
from tests.postgres import privileged
from tests.storage.test_verify import tamper
from tests.support import PASSWORDS, Clinic, chart_to_discharged, make_clinic

YEAR = timedelta(days=365)
BAY_1 = Workstation("b1b1b1b1b1b1", "bay-1")
BAY_3 = Workstation("b3b3b3b3b3b3", "bay-3")


@pytest.fixture
def correct(database_url: str) -> Iterator[Database]:
    database = open_database(database_url, SystemClock(), workstation=BAY_1)
    yield database
    database.dispose()


@pytest.fixture
def ahead(database_url: str, correct: Database) -> Iterator[Database]:
    """The same database, from a workstation whose clock is a year ahead."""
    database = open_database(database_url, SkewedClock(YEAR), workstation=BAY_3)
    yield database
    database.dispose()


@pytest.fixture
def real_clinic(correct: Database) -> Clinic:
    """The clinic set up from the correct workstation (its ManualClock is not used)."""
    return make_clinic(correct, ManualClock(datetime.now(UTC)))


def chart_from_both(clinic: Clinic, ahead: Database) -> tuple[str, list[Event]]:
    """A session opened on bay-1, a note from bay-3 (a year ahead), then one from bay-1."""
    sid = clinic.open_session()
    with ahead.transaction() as tx:
        charting.chart(tx, clinic.nurse2, sid, p.Note("from bay 3"))
    clinic.act(charting.chart, clinic.nurse, sid, p.Note("from bay 1, after"))
    with clinic.db.reading() as tx:
        rows = list(tx.orm.scalars(select(Event).where(Event.session_id == sid)))
        tx.orm.expunge_all()
    return sid, sorted(rows, key=lambda row: row.seq)


def audit_rows(db: Database) -> list[AuditEntry]:
    with db.reading() as tx:
        rows = list(tx.orm.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        tx.orm.expunge_all()
        return rows


def test_real_time_clocks() -> None:
    assert follows_real_time(SystemClock())
    assert follows_real_time(SkewedClock(YEAR))
    assert not follows_real_time(ManualClock(datetime.now(UTC)))
    skewed = SkewedClock(YEAR).now() - datetime.now(UTC)
    assert YEAR - timedelta(seconds=5) < skewed <= YEAR


def test_the_correct_workstation_records_its_own_time(real_clinic: Clinic, ahead: Database) -> None:
    _sid, events = chart_from_both(real_clinic, ahead)
    from_ahead, from_correct = events[-2], events[-1]
    assert from_correct.seq == from_ahead.seq + 1  # ordered by the chain, not by the clock
    assert abs(from_correct.recorded_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert from_correct.occurred_at == from_correct.recorded_at  # not late
    assert from_ahead.recorded_at - from_correct.recorded_at > YEAR - timedelta(minutes=1)


def test_every_audit_entry_names_its_workstation(real_clinic: Clinic, ahead: Database) -> None:
    chart_from_both(real_clinic, ahead)
    rows = audit_rows(real_clinic.db)
    assert {row.workstation for row in rows} == {BAY_1.stored, BAY_3.stored}
    chart = [row.workstation for row in rows if row.action == "chart.note"]
    assert chart == [BAY_3.stored, BAY_1.stored]
    with real_clinic.db.reading() as tx:  # the workstation is under the audit hash
        assert not [pr for pr in verify_all(tx) if pr.where == "audit trail"]


def test_the_ahead_workstation_is_flagged_and_the_correct_one_is_not(
    real_clinic: Clinic, ahead: Database
) -> None:
    chart_from_both(real_clinic, ahead)
    flags = [row for row in audit_rows(real_clinic.db) if row.action in CLOCK_FLAGS]
    if real_clinic.db.dialect_name == "postgresql":  # the server's clock is the reference
        assert {(f.action, f.workstation, f.target_id) for f in flags} == {
            (CLOCK_AHEAD, BAY_3.stored, BAY_3.id)
        }
        assert all(f.detail.startswith("gap=+315") for f in flags)  # 365 days in seconds
    else:  # the newest recorded time: bay-1 finds one of the two clocks wrong, names bay-3
        assert [(f.action, f.workstation, f.target_id) for f in flags] == [
            (CLOCK_DISAGREES, BAY_1.stored, BAY_3.id)
        ]
        assert f"by {BAY_3}" in flags[0].detail


def test_both_screens_are_told(real_clinic: Clinic, ahead: Database) -> None:
    chart_from_both(real_clinic, ahead)
    with ahead.reading() as tx:
        on_ahead = clock_status(tx)
    with real_clinic.db.reading() as tx:
        on_correct = clock_status(tx)
    assert on_ahead is not None
    assert on_ahead.gap > YEAR - timedelta(minutes=1)
    if real_clinic.db.dialect_name == "postgresql":
        assert on_ahead.against_server
        assert on_correct is None  # the server agrees with it
    else:
        assert on_ahead.other == BAY_1
        assert on_correct is not None
        assert on_correct.other == BAY_3


def test_verify_names_the_ahead_workstation_only(real_clinic: Clinic, ahead: Database) -> None:
    sid, events = chart_from_both(real_clinic, ahead)
    with real_clinic.db.reading() as tx:
        problems = verify_all(tx)
        warnings = clock_warnings(tx)
    assert [str(w) for w in warnings if "bay-1" in w] == []
    assert [pr for pr in problems if "bay-1" in str(pr)] == []
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{BAY_3} recorded ")
    assert "365 days ahead of the entries after them" in warnings[0]
    assert "its clock is ahead" in warnings[0]
    note = events[-2]
    assert f"session {sid}, entry {note.seq}" in [pr.where for pr in problems]
    assert all("in the future" in pr.message and str(BAY_3) in pr.message for pr in problems)


def test_the_command_line_verify_names_the_ahead_workstation(
    real_clinic: Clinic,
    ahead: Database,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chart_from_both(real_clinic, ahead)
    assert main(["--db", database_url, "verify", *as_user(monkeypatch, "admin")]) == 1
    out = capsys.readouterr().out
    assert f"WARNING {BAY_3} recorded " in out
    assert "its clock is ahead" in out
    assert "bay-1" not in out
    assert f"impossible time: recorded at {datetime.now(UTC).year + 1}" in out


# --- impossible times ------------------------------------------------------------------------


def test_impossible_times_are_refused_on_entry(clinic: Clinic) -> None:
    sid = clinic.open_session()
    now = clinic.clock.now()
    cases = {
        now + timedelta(minutes=3): "cannot be in the future",
        now - timedelta(hours=25): "more than 24 hours late",
        now - timedelta(hours=13): "long before this session was opened",
    }
    for at, message in cases.items():
        with pytest.raises(ValidationError, match=message):
            clinic.act(charting.chart, clinic.nurse, sid, p.Note("x"), occurred_at=at)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        clinic.act(
            sessions.open_session,
            clinic.nurse,
            clinic.patient.id,
            clinic.protocols[0].id,
            "Chair 2",
            Decimal(70),
            occurred_at=now + timedelta(hours=1),
        )


def test_a_correction_to_an_impossible_time_is_refused(clinic: Clinic) -> None:
    sid = clinic.open_session()
    note = clinic.act(charting.chart, clinic.nurse, sid, p.Note("typo"))
    with pytest.raises(ValidationError, match="cannot be in the future"):
        clinic.act(
            correct_entry,
            clinic.nurse,
            sid,
            note.id,
            "wrong time",
            replacement=p.Note("typo"),
            replacement_occurred_at=clinic.clock.now() + timedelta(hours=2),
            seen_version=None,
        )


def test_every_write_path_passes_the_time_gate(clinic: Clinic) -> None:
    """append_event itself refuses a time in the future (signatures, openings, entries)."""
    sid = clinic.open_session()
    with (
        pytest.raises(ValidationError, match="cannot be in the future"),
        clinic.db.transaction() as tx,
    ):
        append_event(
            tx,
            clinic.nurse,
            sid,
            p.Note("x"),
            EventKind.NOTE,
            tx.now + timedelta(days=1),
        )


def forge_time(
    db: Database, session_id: str, seq: int, occurred_at: datetime, recorded_at: datetime
) -> None:
    """Rewrite an event's times in SQL and recompute its hash and its chain's head
    consistently (the newest entry: nothing links to it), so only the times give it away."""
    with db.reading() as tx:
        row = tx.orm.scalars(
            select(Event).where(Event.session_id == session_id, Event.seq == seq)
        ).one()
        envelope = replace(envelope_of(row), occurred_at=occurred_at, recorded_at=recorded_at)
    digest = envelope.compute_hash()
    tamper(
        db,
        "UPDATE events SET occurred_at = :occurred, recorded_at = :recorded, hash = :hash "
        "WHERE id = :id",
        occurred=envelope.occurred_at,
        recorded=envelope.recorded_at,
        hash=digest,
        id=envelope.id,
    )
    with privileged(db) as connection:
        connection.execute(
            text("UPDATE chain_heads SET hash = :hash WHERE chain = :chain"),
            {"hash": digest, "chain": f"session:{session_id}"},
        )


@pytest.mark.parametrize(
    ("shift_occurred", "shift_recorded", "message"),
    [
        (timedelta(hours=2), timedelta(0), "charted before it happened"),
        (timedelta(hours=-14), timedelta(0), "long before the session was opened"),
        (timedelta(days=2), timedelta(days=2), "in the future of this machine's clock"),
        (timedelta(hours=-2), timedelta(hours=-2), "recorded 90 min before entry 1"),
    ],
    ids=["before it happened", "before opening", "in the future", "clock back"],
)
def test_forged_impossible_times_are_found_by_verify(
    clinic: Clinic, shift_occurred: timedelta, shift_recorded: timedelta, message: str
) -> None:
    sid = clinic.open_session()
    clinic.later(30)
    note = clinic.act(charting.chart, clinic.nurse, sid, p.Note("forged"))
    with clinic.db.reading() as tx:
        assert verify_all(tx) == []
    forge_time(
        clinic.db,
        sid,
        note.seq,
        occurred_at=note.occurred_at + shift_occurred,
        recorded_at=note.recorded_at + shift_recorded,
    )
    with clinic.db.reading() as tx:
        found = verify_all(tx)
    assert [pr.where for pr in found] == [f"session {sid}, entry {note.seq}"]
    assert message in found[0].message
    assert found[0].message.startswith("impossible time: ")
    assert "recorded by a workstation not named" in found[0].message


# --- the identity file -----------------------------------------------------------------------


def test_the_identity_is_made_once_and_kept_owner_only(tmp_path: Path) -> None:
    first = load_or_create(tmp_path / "data", "Bay 3\nnight")
    assert first.name == "Bay 3 night"
    assert load_or_create(tmp_path / "data") == first
    assert (tmp_path / "data" / FILE_NAME).stat().st_mode & 0o777 == 0o600
    (tmp_path / "data" / FILE_NAME).write_text("{damaged", encoding="utf-8")
    again = load_or_create(tmp_path / "data", "bay-9")
    assert again.id != first.id
    assert again.name == "bay-9"


# --- what was current at signing: chain order, not clock order ------------------------------


def test_a_patient_edited_after_a_signature_from_an_ahead_clock_is_a_later_change(
    clinic: Clinic, database_url: str
) -> None:
    """bay-3 (a year ahead) signs; then bay-1 edits the allergies. By the clocks the edit
    came first; by the chain it came after, and the summary keeps the details as signed."""
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)
    ahead = open_database(database_url, ManualClock(clinic.clock.now() + YEAR), workstation=BAY_3)
    try:
        physician = clinic.physician
        password = PASSWORDS[physician.username]
        proof = prove_password(ahead, physician, password, purpose=signing.SIGN_PURPOSE)
        with ahead.transaction() as tx:
            signing.sign_session(tx, physician, sid, proof, seen_head=clinic.seen(sid))
    finally:
        ahead.dispose()
    clinic.later(5)
    edited = replace(clinic.patient.details(), allergies="Latex")
    clinic.act(patients.update_patient, clinic.nurse, clinic.patient.id, edited, "new allergy")
    with clinic.db.reading() as tx:
        shown, changes = patients.patient_for_chart(tx, clinic.patient.id, load_events(tx, sid))
    assert shown.allergies == "Penicillin"  # as signed
    assert [change.columns for change in changes] == [("allergies",)]


def test_a_session_opened_on_the_ahead_workstation_takes_the_correct_ones_entries(
    real_clinic: Clinic, ahead: Database
) -> None:
    """Its opening is recorded a year ahead: the correct workstation's note, made after it
    in the chain, is neither refused as 'long before the opening' nor reported so."""
    clinic = real_clinic
    with ahead.transaction() as tx:
        opened = sessions.open_session(
            tx, clinic.nurse2, clinic.patient.id, clinic.protocols[0].id, "Chair 3", Decimal(70)
        )
    note = clinic.act(charting.chart, clinic.nurse, opened.row.id, p.Note("from bay 1"))
    assert abs(note.recorded_at - datetime.now(UTC)) < timedelta(minutes=1)
    with clinic.db.reading() as tx:
        problems = verify_all(tx)
        warnings = clock_warnings(tx)
    assert [pr for pr in problems if "bay-1" in str(pr)] == []
    assert [w for w in warnings if "bay-1" in w] == []
    assert "its clock is ahead" in warnings[0]


def test_a_clock_behind_on_another_workstation_is_no_impossible_time(
    clinic: Clinic, database_url: str
) -> None:
    """bay-3's clock is 10 minutes behind bay-1's: its entry, after bay-1's in the chain, is
    not 'recorded before the entry before it' (that is for one workstation's own entries);
    which of the two clocks is wrong cannot be told, so verify names both, blames neither."""
    clinic.db.workstation = BAY_1
    sid = clinic.open_session()
    behind = open_database(
        database_url, ManualClock(clinic.clock.now() - timedelta(minutes=10)), workstation=BAY_3
    )
    try:
        with behind.transaction() as tx:
            charting.chart(tx, clinic.nurse2, sid, p.Note("from bay 3"))
    finally:
        behind.dispose()
    with clinic.db.reading() as tx:
        assert verify_all(tx) == []
        warnings = clock_warnings(tx)
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{BAY_1} recorded ")
    assert f"10 min ahead of later entries by {BAY_3}: one of these clocks is wrong" in warnings[0]
