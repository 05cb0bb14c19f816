"""Time: entries around DST changes are stored exactly, sorted by instant and shown with the
right wall time and zone; a clock that goes backwards is flagged, never followed: each entry
keeps its own workstation's time (two workstations, one a year ahead: test_workstation_clocks)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ketachart.app import main
from ketachart.clock import ManualClock
from ketachart.domain import payloads as p
from ketachart.domain.vocab import Role
from ketachart.errors import AuthenticationFailed
from ketachart.models import AuditEntry, Event
from ketachart.services import charting, keys, users
from ketachart.services.chains import load_events
from ketachart.services.clock_guard import CLOCK_DISAGREES, CLOCK_FLAGS, clock_warnings
from ketachart.services.sessions import view_session
from ketachart.services.sign_in import sign_in
from ketachart.services.users import new_password
from ketachart.services.verify import verify_all
from ketachart.storage.database import Database
from ketachart.ui.timeline_rows import local_time, timeline_rows
from tests.cli_support import as_user
from tests.support import Clinic

NY = ZoneInfo("America/New_York")
SPRING = (  # 2026-03-08: 02:00 EST becomes 03:00 EDT; 02:30 does not exist
    (datetime(2026, 3, 8, 1, 59, 30, 123456, tzinfo=NY), "01:59", -5),
    (datetime(2026, 3, 8, 3, 0, 1, tzinfo=NY), "03:00", -4),
    (datetime(2026, 3, 8, 2, 30, tzinfo=NY), "03:30", -4),  # missing: 07:30 UTC, 03:30 EDT
)
FALL = (  # 2026-11-01: 02:00 EDT becomes 01:00 EST; 01:00-01:59 happens twice
    (datetime(2026, 11, 1, 0, 59, tzinfo=NY), "00:59", -4),
    (datetime(2026, 11, 1, 1, 30, 15, 500000, tzinfo=NY), "01:30 EDT", -4),
    (datetime(2026, 11, 1, 1, 10, tzinfo=NY, fold=1), "01:10 EST", -5),
    (datetime(2026, 11, 1, 1, 50, tzinfo=NY, fold=1), "01:50 EST", -5),
    (datetime(2026, 11, 1, 2, 5, tzinfo=NY), "02:05", -5),
)


@pytest.fixture
def clock() -> ManualClock:
    """The clinic is set up the day before the spring change (overrides conftest's clock)."""
    return ManualClock(datetime(2026, 3, 7, 12, 0, tzinfo=UTC))


@pytest.fixture
def new_york() -> Iterator[None]:
    """The machine's local time zone is New York for the test."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def chart_at(clinic: Clinic, cases: tuple[tuple[datetime, str, int], ...]) -> str:
    """A session with one note per case, charted in reverse time order (late entries)."""
    sid = clinic.open_session()
    for at, shown, _offset in reversed(cases):
        clinic.act(charting.chart, clinic.nurse, sid, p.Note(f"at {shown}"), occurred_at=at)
    return sid


@pytest.mark.parametrize("season", [SPRING, FALL], ids=["spring gap", "fall repeat"])
def test_times_around_dst_are_stored_sorted_and_shown(
    clinic: Clinic, new_york: None, season: tuple[tuple[datetime, str, int], ...]
) -> None:
    after = max(at.astimezone(UTC) for at, _shown, _offset in season) + timedelta(minutes=20)
    clinic.clock.set(after)
    sid = chart_at(clinic, season)
    with clinic.db.reading() as tx:
        notes = [e for e in load_events(tx, sid) if isinstance(e.payload, p.Note)]
        rows = timeline_rows(view_session(tx, clinic.nurse, sid, audited=False))
    stored = {e.payload.text: e.occurred_at for e in notes if isinstance(e.payload, p.Note)}
    for at, shown, _offset in season:
        assert stored[f"at {shown}"] == at.astimezone(UTC)  # exact, to the microsecond
        assert stored[f"at {shown}"].tzinfo is UTC
    note_rows = [r for r in rows if r.event_id in {e.id for e in notes}]
    assert [r.occurred_at for r in note_rows] == sorted(at.astimezone(UTC) for at, *_ in season)
    assert [r.time_text.split(" LATE")[0] for r in note_rows] == [shown for _at, shown, _ in season]


@pytest.mark.parametrize(("at", "shown", "offset"), SPRING + FALL)
def test_local_time_shows_wall_time_and_offset(
    new_york: None, at: datetime, shown: str, offset: int
) -> None:
    instant = at.astimezone(UTC)
    assert local_time(instant) == shown
    assert instant.astimezone().utcoffset() == timedelta(hours=offset)


def test_local_time_without_dst_change(new_york: None) -> None:
    assert local_time(datetime(2026, 7, 1, 16, 5, tzinfo=UTC)) == "12:05"
    assert local_time(datetime(2026, 11, 2, 6, 30, tzinfo=UTC)) == "01:30"  # a day later


# --- a clock that goes backwards ---------------------------------------------------------------


def audit_rows(clinic: Clinic) -> list[AuditEntry]:
    with clinic.db.reading() as tx:
        rows = list(tx.orm.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        tx.orm.expunge_all()  # readable after the reading transaction ends
        return rows


def event_rows(clinic: Clinic, sid: str) -> list[Event]:
    with clinic.db.reading() as tx:
        rows = list(
            tx.orm.scalars(select(Event).where(Event.session_id == sid).order_by(Event.seq))
        )
        tx.orm.expunge_all()
        return rows


def test_a_clock_gone_back_is_flagged_and_the_entry_kept_at_its_own_time(clinic: Clinic) -> None:
    sid = clinic.open_session()
    clinic.later(30)
    clinic.act(charting.chart, clinic.nurse, sid, p.Note("first"))
    latest = clinic.clock.now()
    clinic.clock.set(latest - timedelta(hours=1))
    saved = clinic.act(charting.chart, clinic.nurse, sid, p.Note("after the clock went back"))

    events = event_rows(clinic, sid)
    assert events[-1].id == saved.id  # kept, never refused, last in its chain
    assert saved.recorded_at == latest - timedelta(hours=1)  # this clock's own time
    assert not saved.is_late  # never made late by another time than its own
    flags = [a for a in audit_rows(clinic) if a.action == CLOCK_DISAGREES]
    assert len(flags) == 1
    assert flags[0].detail.startswith("gap=-3600s; a workstation not named read ")
    assert "one of the two clocks is wrong" in flags[0].detail
    assert flags[0].username == clinic.nurse.username
    assert flags[0].at == latest - timedelta(hours=1)
    clinic.clock.set(latest + timedelta(minutes=1))  # verified once the clock is right again
    with clinic.db.reading() as tx:
        problems = [str(problem) for problem in verify_all(tx)]
        assert problems == [
            f"session {sid}, entry {events[-1].seq}: impossible time: recorded 60 min before "
            f"entry {events[-2].seq}, which the same workstation recorded before it (recorded "
            "by a workstation not named)"
        ]
        assert len(clock_warnings(tx)) == 1


def test_every_write_while_behind_is_flagged_until_the_clock_catches_up(clinic: Clinic) -> None:
    sid = clinic.open_session()
    latest = clinic.clock.now()
    clinic.clock.set(latest - timedelta(minutes=10))
    for text in ("one", "two"):
        clinic.later(1)
        clinic.act(charting.chart, clinic.nurse, sid, p.Note(text))
    clinic.clock.set(latest + timedelta(minutes=1))
    clinic.act(charting.chart, clinic.nurse, sid, p.Note("three"))
    flags = [a for a in audit_rows(clinic) if a.action == CLOCK_DISAGREES]
    assert [f.detail.split(";")[0] for f in flags] == ["gap=-540s", "gap=-480s"]
    recorded = [e.recorded_at for e in event_rows(clinic, sid)]
    assert recorded[-3:] == [
        latest - timedelta(minutes=9),
        latest - timedelta(minutes=8),
        latest + timedelta(minutes=1),
    ]


def test_a_small_step_back_is_not_flagged_and_keeps_its_own_time(clinic: Clinic) -> None:
    sid = clinic.open_session()
    latest = clinic.clock.now()
    clinic.clock.set(latest - timedelta(minutes=4))
    saved = clinic.act(charting.chart, clinic.nurse, sid, p.Note("four minutes behind"))
    assert saved.recorded_at == latest - timedelta(minutes=4)
    assert not [a for a in audit_rows(clinic) if a.action in CLOCK_FLAGS]
    with clinic.db.reading() as tx:
        assert verify_all(tx) == []  # within what clocks may drift apart
        assert clock_warnings(tx) == []


def test_a_failed_login_with_the_clock_back_is_flagged(clinic: Clinic) -> None:
    clinic.clock.set(clinic.clock.now() - timedelta(days=2))
    with pytest.raises(AuthenticationFailed):
        sign_in(clinic.db, "nina", "wrong password")
    actions = [a.action for a in audit_rows(clinic)][-2:]
    assert actions == [CLOCK_DISAGREES, "login.failed"]


def test_verify_warns_about_a_clock_gone_back(
    clinic: Clinic,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The command line runs on this machine's real clock: the clinic's follows it here."""
    first_entry_at = datetime.now(UTC)
    clinic.clock.set(first_entry_at)
    sid = clinic.open_session()
    admin = as_user(monkeypatch, "admin")
    assert main(["--db", database_url, "verify", *admin]) == 0
    assert "WARNING" not in capsys.readouterr().out
    # exactly 10 min before the first entry: the real clock moved on while verify ran
    clinic.clock.set(first_entry_at - timedelta(minutes=10))
    clinic.act(charting.chart, clinic.nurse, sid, p.Note("behind"))
    assert main(["--db", database_url, "verify", *admin]) == 1
    out = capsys.readouterr().out
    warnings = [line for line in out.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1  # which of the two clocks is wrong cannot be known: both named
    assert "up to 10 min ahead of later entries by a workstation not named" in warnings[0]
    assert "one of these clocks is wrong" in warnings[0]
    problems = [line for line in out.splitlines() if line.startswith("PROBLEM")]
    assert len(problems) == 1
    assert "impossible time: recorded 10 min before entry" in problems[0]


def test_the_demos_back_dated_history_is_not_a_clock_gone_back(
    db: Database, clock: ManualClock
) -> None:
    from ketachart.demo import fill_demo

    clock.set(datetime(2026, 3, 20, 15, 0, tzinfo=UTC))
    from ketachart.demo.data import CLINIC_PASSPHRASE

    new_key = keys.new_clinic_key(CLINIC_PASSPHRASE)
    password = new_password("cobalt-harbor-2026")
    with db.transaction() as tx:
        # the demo's own admin and clinic key: demo data only goes into a demo database
        clinic_key = keys.store_clinic_key(tx, new_key)
        users.create_user(
            tx, None, "demoadmin", "Ádám Kovács", "", Role.ADMIN, password, clinic_key=clinic_key
        )
    fill_demo(db, patients=2, sessions=3, seed=7)  # charts days before the clinic's first entry
    with db.reading() as tx:
        flags = tx.orm.scalars(select(AuditEntry).where(AuditEntry.action.in_(CLOCK_FLAGS)))
        assert flags.all() == []
        assert clock_warnings(tx) == []
