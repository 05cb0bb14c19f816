"""A cached session is reused only while it reaches its chain's head; anything else is read
from the database again, never trusted and never an unhandled error."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from ketachart.domain.events import EventRecord
from ketachart.models import ChainHead
from ketachart.services import charting, sessions
from ketachart.services.chains import load_events, session_chain
from ketachart.services.session_cache import SessionCache
from ketachart.services.sessions import load_session
from ketachart.storage.database import Database, Tx
from tests.support import ALL_PRE_CHECKS, BASELINE, Clinic


def test_a_head_moved_past_the_events_is_read_again_not_raised(clinic: Clinic) -> None:
    session_id = clinic.open_session()
    clinic.act(charting.chart, clinic.nurse, session_id, ALL_PRE_CHECKS)
    with clinic.db.reading() as tx:
        cached = load_session(tx, session_id)
    with clinic.db.engine.begin() as connection:  # behind ketachart's back
        connection.execute(
            update(ChainHead)
            .where(ChainHead.chain == session_chain(session_id))
            .values(seq=ChainHead.seq + 3, hash="f" * 64)
        )
    with clinic.db.reading() as tx:
        loaded = load_session(tx, session_id)
    assert loaded is not cached
    assert [e.id for e in loaded.events] == [e.id for e in cached.events]


def test_a_session_is_reused_while_its_head_is_unchanged(clinic: Clinic) -> None:
    session_id = clinic.open_session()
    with clinic.db.reading() as tx:
        first = load_session(tx, session_id)
    with clinic.db.reading() as tx:
        assert load_session(tx, session_id) is first
    assert clinic.db.caches.of(SessionCache).get(session_id) is first


def test_entries_committed_here_extend_the_cached_session_without_reading_it_again(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = clinic.open_session()
    with clinic.db.reading() as tx:
        before = load_session(tx, session_id)
    clinic.act(charting.chart, clinic.nurse, session_id, ALL_PRE_CHECKS)
    clinic.act(charting.chart, clinic.nurse, session_id, BASELINE)
    reads = count_event_reads(monkeypatch)
    with clinic.db.reading() as tx:
        loaded = load_session(tx, session_id)
    assert reads == []
    assert loaded.events[: len(before.events)] == before.events
    assert [e.seq for e in loaded.events] == [1, 2, 3]
    assert loaded.events == fresh_events(clinic, session_id)


def test_entries_written_through_another_database_object_are_read_not_missed(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another Database object (another workstation, in effect) has its own caches: what it
    appends moves the head in SQL, and this one reads only the entries after its own."""
    session_id = clinic.open_session()
    with clinic.db.reading() as tx:
        before = load_session(tx, session_id)
    elsewhere = Database(clinic.db.engine, clinic.clock)
    with elsewhere.transaction() as tx:
        charting.chart(tx, clinic.nurse, session_id, ALL_PRE_CHECKS)
    assert clinic.db.caches.of(SessionCache).committed_after(session_id, 0) == [before.events[0]]
    reads = count_event_reads(monkeypatch)
    with clinic.db.reading() as tx:
        loaded = load_session(tx, session_id)
    assert reads == [1]  # only what follows the cached entry
    assert loaded.events == fresh_events(clinic, session_id)
    assert [e.seq for e in loaded.events] == [1, 2]


def count_event_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The `after_seq` of each read of a session's events from now on."""
    reads: list[int] = []

    def counted(tx: Tx, session_id: str, after_seq: int = 0) -> list[EventRecord]:
        reads.append(after_seq)
        return load_events(tx, session_id, after_seq)

    monkeypatch.setattr(sessions, "load_events", counted)
    return reads


def fresh_events(clinic: Clinic, session_id: str) -> tuple[EventRecord, ...]:
    """The session's entries as read by a Database object with nothing cached."""
    with Database(clinic.db.engine, clinic.clock).reading() as tx:
        return load_session(tx, session_id).events
