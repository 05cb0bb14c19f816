"""Reading never holds the write lock: a screen or report that reads (in `Database.reading`)
leaves every workstation free to save meanwhile (SQLite in WAL mode with BEGIN IMMEDIATE for
writes only; the advisory lock on PostgreSQL is taken by writers alone). Issue 12."""

from __future__ import annotations

from sqlalchemy import func, select

from ketachart.models import Event
from ketachart.services import charting
from ketachart.storage.database import open_database
from tests.support import BASELINE, Clinic, chart_to_infusing
from tests.write_lock import write_lock_is_free


def test_an_open_read_leaves_the_write_lock_free(clinic: Clinic) -> None:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    with clinic.db.reading() as tx:
        before = tx.orm.scalar(select(func.count()).select_from(Event)) or 0
        assert write_lock_is_free(clinic.db)
        saved = clinic.act(charting.chart, clinic.nurse, session_id, BASELINE)  # meanwhile
    with clinic.db.reading() as tx:
        assert tx.orm.scalar(select(func.count()).select_from(Event)) == before + 1
        assert tx.orm.get(Event, saved.id) is not None


def test_an_open_write_holds_it(clinic: Clinic) -> None:
    """The probe itself tells a held lock from a free one."""
    with clinic.db.transaction():
        assert not write_lock_is_free(clinic.db)
    assert write_lock_is_free(clinic.db)


def test_sqlite_files_are_in_wal_mode_with_a_busy_timeout(sqlite_url: str) -> None:
    db = open_database(sqlite_url)
    try:
        with db.reading() as tx:
            connection = tx.orm.connection()
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        db.dispose()
