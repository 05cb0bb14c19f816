"""Anchors outside the database: a history cut short or rewritten consistently (every hash
and head recomputed, which the chains alone cannot see) no longer extends the chain heads this
workstation recorded, nor those in a daily backup; an untampered database extends them."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from ketachart.domain.findings import Problem
from ketachart.models import Event
from ketachart.services import backups, charting
from ketachart.services.anchors import backup_anchors, check_anchors, keep_anchors
from ketachart.services.chains import envelope_of, session_chain
from ketachart.services.verify import verify_all
from ketachart.storage.anchors import Anchor, AnchorBook
from ketachart.storage.backup import backup_prefix
from ketachart.storage.database import Database
from ketachart.storage.workstation import FILE_NAME as WORKSTATION_FILE
from tests.storage.test_verify import tamper
from tests.support import DURING, Clinic, chart_to_discharged, chart_to_infusing

# chart_to_discharged: entries 1 (opened) to 10 (discharge)
NEWEST = 10


@pytest.fixture
def book(db: Database, tmp_path: Path) -> AnchorBook:
    return keep_anchors(db, tmp_path / "workstation" / "anchors.json")


@pytest.fixture
def discharged(clinic: Clinic, book: AnchorBook) -> str:
    """A discharged session charted with the workstation's anchors kept, then written out."""
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    book.flush()
    return session_id


def anchor_problems(db: Database, anchors: list[Anchor]) -> list[Problem]:
    with db.reading() as tx:
        return check_anchors(tx, anchors)


def all_problems(db: Database) -> list[Problem]:
    with db.reading() as tx:
        return verify_all(tx)


def truncate(db: Database, session_id: str, keep: int) -> None:
    """Cut the newest entries off and move the chain head back to match."""
    newest = event_rows(db, session_id)[keep - 1]
    tamper(db, "DELETE FROM events WHERE session_id = :s AND seq > :k", s=session_id, k=keep)
    tamper(
        db,
        "UPDATE chain_heads SET seq = :k, hash = :h WHERE chain = :c",
        k=keep,
        h=newest.hash,
        c=session_chain(session_id),
    )


def rewrite_consistently(db: Database, session_id: str, seq: int) -> None:
    """Change entry `seq`'s payload and recompute every hash after it, and the head: with the
    project's own hash functions, as someone with write access to the database could."""
    rows = event_rows(db, session_id)
    prev = rows[seq - 2].hash
    for row in rows[seq - 1 :]:
        if row.seq == seq:
            row.payload = row.payload.replace("}", ',"rewritten":1}', 1)
        row.prev_hash = prev
        row.hash = prev = envelope_of(row).compute_hash()
        tamper(
            db,
            "UPDATE events SET payload = :p, prev_hash = :ph, hash = :h WHERE id = :i",
            p=row.payload,
            ph=row.prev_hash,
            h=row.hash,
            i=row.id,
        )
    tamper(
        db, "UPDATE chain_heads SET hash = :h WHERE chain = :c", h=prev, c=session_chain(session_id)
    )


def event_rows(db: Database, session_id: str) -> list[Event]:
    with db.reading() as tx:
        rows = tx.orm.scalars(
            select(Event).where(Event.session_id == session_id).order_by(Event.seq)
        ).all()
        tx.orm.expunge_all()
        return list(rows)


def session_anchor(book: AnchorBook, session_id: str) -> Anchor:
    return next(a for a in book.anchors() if a.chain == session_chain(session_id))


def test_the_anchor_file_is_the_owners_and_holds_the_heads_seen(
    book: AnchorBook, discharged: str
) -> None:
    anchor = session_anchor(book, discharged)
    assert (anchor.seq, anchor.source) == (NEWEST, f"this workstation's anchor file {book.path}")
    assert stat.S_IMODE(book.path.stat().st_mode) == 0o600
    identity = book.path.parent / WORKSTATION_FILE  # this workstation's name, kept beside
    assert sorted(book.path.parent.iterdir()) == [book.path, identity]  # no temporary file
    assert stat.S_IMODE(identity.stat().st_mode) == 0o600
    stored = json.loads(book.path.read_text())["databases"][book.key]
    assert stored[session_chain(discharged)]["seq"] == NEWEST


def test_a_hand_damaged_entry_in_the_anchor_file_is_dropped_and_the_rest_kept(
    book: AnchorBook, discharged: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A broken entry (no seq) is ignored with a warning, never an unexpected error; the
    other chains' anchors still count."""
    stored = json.loads(book.path.read_text())
    chains = stored["databases"][book.key]
    del chains["audit"]["seq"]
    book.path.write_text(json.dumps(stored))
    anchors = book.anchors()
    assert {a.chain for a in anchors} == set(chains) - {"audit"}
    assert session_anchor(book, discharged).seq == NEWEST
    assert "1 damaged entries" in caplog.text


def test_an_untampered_database_extends_its_anchors(
    db: Database, book: AnchorBook, discharged: str
) -> None:
    assert all_problems(db) == []
    assert anchor_problems(db, book.anchors()) == []
    assert {a.chain for a in book.anchors()} >= {"audit", session_chain(discharged)}


def test_a_truncated_chain_is_reported_against_the_workstation_anchor(
    db: Database, book: AnchorBook, discharged: str
) -> None:
    truncate(db, discharged, keep=7)
    anchor = session_anchor(book, discharged)
    assert anchor_problems(db, [anchor]) == [
        Problem(
            f"session {discharged}",
            f"the chain now ends at entry 7, but this workstation's anchor file {book.path} "
            f"recorded entry {NEWEST} on {anchor.seen_at}: newest entries were removed",
        )
    ]


def test_a_consistent_rewrite_passes_the_chains_but_not_the_workstation_anchor(
    db: Database, book: AnchorBook, discharged: str
) -> None:
    rewrite_consistently(db, discharged, 3)
    assert all_problems(db) == []  # every hash and the head were recomputed
    anchor = session_anchor(book, discharged)
    assert anchor_problems(db, [anchor]) == [
        Problem(
            f"session {discharged}",
            f"entry {NEWEST} no longer has the hash this workstation's anchor file {book.path} "
            f"recorded entry {NEWEST} on {anchor.seen_at} with: the history was rewritten",
        )
    ]


def test_writing_past_a_rewrite_does_not_move_the_anchor(
    clinic: Clinic, db: Database, book: AnchorBook
) -> None:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)  # entries 1-5
    book.flush()
    rewrite_consistently(db, session_id, 3)
    clinic.later(10)
    assert clinic.act(charting.chart, clinic.nurse, session_id, DURING).seq == 6
    book.flush()  # entry 5 no longer has the anchored hash: the anchor stays at 5
    assert session_anchor(book, session_id).seq == 5
    assert [p.where for p in anchor_problems(db, book.anchors())] == [f"session {session_id}"]


def test_reading_a_session_records_its_head(clinic: Clinic, db: Database, tmp_path: Path) -> None:
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    reader = keep_anchors(db, tmp_path / "reader.json")
    assert clinic.state(session_id) is not None  # loads the session's chain
    reader.flush()
    assert session_anchor(reader, session_id).seq == NEWEST


@pytest.fixture
def backed_up(clinic: Clinic, db: Database, tmp_path: Path) -> tuple[str, Path]:
    """A discharged session on SQLite, then today's automatic backup of the database."""
    if db.sqlite_path is None:
        pytest.skip("daily backups are of SQLite files (PostgreSQL: pg_dump)")
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    made = backups.maybe_backup(db, tmp_path / "backups", 7, clinic.clock.now())
    assert made is not None
    return session_id, made.path


def test_an_untampered_database_extends_its_backup_anchors(
    db: Database, backed_up: tuple[str, Path], tmp_path: Path
) -> None:
    anchors = backup_anchors(db, tmp_path / "backups")
    assert {a.source for a in anchors} == {f"backup {backed_up[1]}"}
    assert anchor_problems(db, anchors) == []


def test_a_truncated_chain_is_reported_against_a_backup(
    db: Database, backed_up: tuple[str, Path], tmp_path: Path
) -> None:
    session_id, path = backed_up
    truncate(db, session_id, keep=5)
    day = path.stem.removeprefix(backup_prefix(Path(db.sqlite_path or "")))
    assert anchor_problems(db, backup_anchors(db, tmp_path / "backups")) == [
        Problem(
            f"session {session_id}",
            f"the chain now ends at entry 5, but backup {path} recorded entry {NEWEST} "
            f"on {day}: newest entries were removed",
        )
    ]


def test_a_consistent_rewrite_is_reported_against_a_backup(
    db: Database, backed_up: tuple[str, Path], tmp_path: Path
) -> None:
    session_id, path = backed_up
    rewrite_consistently(db, session_id, 4)
    assert all_problems(db) == []
    found = anchor_problems(db, backup_anchors(db, tmp_path / "backups"))
    assert [(p.where, p.message.split(" no longer")[0]) for p in found] == [
        (f"session {session_id}", f"entry {NEWEST}")
    ]
    assert f"backup {path}" in found[0].message
    assert "the history was rewritten" in found[0].message
