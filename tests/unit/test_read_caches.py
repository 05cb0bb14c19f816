"""The typed caches a Database keeps between transactions (storage.caches), and the session
cache kept in them (services.session_cache): no database is read or written here."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind, EventRecord, kind_of
from ketachart.services.protocols import ProtocolCache
from ketachart.services.session_cache import (
    KEEP_COMMITTED,
    MAX_SESSIONS,
    SessionCache,
    continues,
    head_of,
)
from ketachart.services.sessions import LoadedSession, SessionRow
from ketachart.storage.caches import Caches
from ketachart.storage.database import Database
from tests.unit.builders import BASELINE, T0, TRD, at


class Counter:
    def __init__(self) -> None:
        self.count = 0


class Other:
    pass


def test_one_object_per_class_made_on_first_use() -> None:
    caches = Caches()
    first = caches.of(Counter)
    first.count += 1
    assert caches.of(Counter) is first
    assert caches.of(Counter).count == 1
    assert isinstance(caches.of(Other), Other)
    assert caches.of(Counter) is first


def test_two_holders_share_nothing() -> None:
    one, two = Caches(), Caches()
    one.of(Counter).count = 5
    assert two.of(Counter) is not one.of(Counter)
    assert two.of(Counter).count == 0


def test_clear_forgets_everything() -> None:
    caches = Caches()
    before = caches.of(Counter)
    caches.clear()
    assert caches.of(Counter) is not before


def record(session_id: str, seq: int) -> EventRecord:
    """An entry with dummy hashes that link on: entry n's hash is h<n>."""
    payload = p.SessionOpened(Decimal(70)) if seq == 1 else BASELINE
    kind = EventKind.SESSION_OPENED if seq == 1 else kind_of(payload)
    recorded = at(seq)
    return EventRecord(
        f"{session_id}-{seq}", session_id, seq, kind, recorded, recorded, 1, payload, (),
        f"h{seq - 1}", f"h{seq}",
    )  # fmt: skip


def loaded(session_id: str, entries: int = 1) -> LoadedSession:
    row = SessionRow(session_id, 1, 1, "Chair 1", T0.date(), T0)
    return LoadedSession(row, TRD, tuple(record(session_id, n) for n in range(1, entries + 1)))


def test_a_remembered_session_is_got_by_its_id_and_replaced_by_a_newer_copy() -> None:
    cache = SessionCache()
    assert cache.get("a") is None
    first, longer = loaded("a"), loaded("a", 3)
    cache.remember(first)
    assert cache.get("a") is first
    cache.remember(longer)
    assert cache.get("a") is longer
    assert head_of(longer) == (3, "h3")


def test_a_session_without_entries_is_not_kept() -> None:
    """Its last entry is what is checked against the chain head: without one, nothing to check."""
    cache = SessionCache()
    cache.remember(loaded("a", 0))
    assert cache.get("a") is None


def test_sessions_are_bounded_and_the_least_recently_remembered_goes_first() -> None:
    assert SessionCache().max_sessions == MAX_SESSIONS
    cache = SessionCache(max_sessions=3)
    for name in "abc":
        cache.remember(loaded(name))
    cache.remember(loaded("a", 2))  # remembered again: now the newest
    cache.remember(loaded("d"))
    assert cache.get("b") is None
    assert [name for name in "abcd" if cache.get(name) is not None] == ["a", "c", "d"]
    cache.remember(loaded("e"))
    assert cache.get("c") is None
    assert cache.get("a") is not None


def test_committed_entries_are_kept_per_session_and_the_oldest_trimmed() -> None:
    assert SessionCache().keep_committed == KEEP_COMMITTED
    cache = SessionCache(keep_committed=3)
    for seq in range(1, 6):
        cache.note_committed(record("a", seq))
    cache.note_committed(record("b", 1))
    assert [r.seq for r in cache.committed_after("a", 0)] == [3, 4, 5]
    assert [r.seq for r in cache.committed_after("b", 0)] == [1]
    assert cache.committed_after("c", 0) == []


def test_committed_after_is_in_chain_order_and_only_after_the_entry() -> None:
    cache = SessionCache()
    for seq in (4, 2, 5, 3):  # noted in the order their transactions committed
        cache.note_committed(record("a", seq))
    assert [r.seq for r in cache.committed_after("a", 2)] == [3, 4, 5]
    assert [r.seq for r in cache.committed_after("a", 5)] == []
    newer = cache.committed_after("a", 1)
    assert continues(loaded("a"), newer)
    assert not continues(loaded("a"), newer[1:])  # a gap: entry 2 missing


def test_each_database_object_has_its_own_caches(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    try:
        one, two = Database(engine), Database(engine)
        one.caches.of(SessionCache).remember(loaded("a"))
        one.caches.of(SessionCache).note_committed(record("a", 2))
        assert two.caches.of(SessionCache).get("a") is None
        assert two.caches.of(SessionCache).committed_after("a", 0) == []
        assert two.caches.of(ProtocolCache) is not one.caches.of(ProtocolCache)
    finally:
        engine.dispose()
