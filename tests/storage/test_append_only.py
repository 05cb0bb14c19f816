"""The database itself refuses to change or delete charted rows, on both engines. The raw
statements are tried by someone with direct database access (on PostgreSQL the superuser,
whom only the triggers stop); the application's role is refused before that by its
privileges (test_pg_privileges)."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, func, select, text

from ketachart.errors import StorageError
from ketachart.models import APPEND_ONLY_TABLES, Event, VouchedEntry
from ketachart.storage.database import Database
from tests.postgres import privileged
from tests.support import Clinic

# A column each append-only table has, to try an UPDATE on.
COLUMN = {
    "events": "kind",
    "audit_entries": "action",
    "sessions": "chair",
    "protocol_versions": "name",
    "patient_versions": "allergies",
    "row_versions": "content",
}
COLUMN.update(
    clinic_keys="public_key",
    user_keys="public_key",
    certificates="role",
    vouched_entries="session_id",
)


def _count(db: Database, table: str) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
def charted(clinic: Clinic) -> str:
    """A clinic with one opened session, and a vouched entry's row (what 'keys init' writes
    for an upgraded clinic): a row in every append-only table."""
    session_id = clinic.open_session()
    vouched = VouchedEntry(
        event_hash="0" * 64, session_id=session_id, clinic_key="-", signature="-"
    )
    with clinic.db.transaction() as tx:
        tx.orm.add(vouched)
    return session_id


@pytest.mark.usefixtures("charted")
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_raw_update_is_refused(db: Database, table: str) -> None:
    with privileged(db) as connection, pytest.raises(exc.DBAPIError, match="append-only"):
        connection.execute(text(f"UPDATE {table} SET {COLUMN[table]} = 'x'"))


@pytest.mark.usefixtures("charted")
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_raw_delete_is_refused(db: Database, table: str) -> None:
    before = _count(db, table)
    with privileged(db) as connection, pytest.raises(exc.DBAPIError, match="append-only"):
        connection.execute(text(f"DELETE FROM {table}"))
    assert _count(db, table) == before > 0


@pytest.mark.usefixtures("charted")
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_truncate_is_refused_on_postgresql(db: Database, table: str) -> None:
    if db.dialect_name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    before = _count(db, table)
    with privileged(db) as connection, pytest.raises(exc.DBAPIError, match="append-only"):
        connection.execute(text(f"TRUNCATE {table} CASCADE"))
    assert _count(db, table) == before


@pytest.mark.usefixtures("charted")
def test_delete_through_a_transaction_is_a_storage_error(db: Database) -> None:
    with pytest.raises(StorageError, match="append-only"), db.transaction() as tx:
        tx.orm.execute(text("DELETE FROM events"))
    assert _count(db, "events") == 1


@pytest.mark.usefixtures("charted")
def test_orm_edit_of_an_event_is_a_storage_error(db: Database) -> None:

    def edit_weight() -> None:
        with db.transaction() as tx:
            tx.orm.scalars(select(Event)).one().payload = '{"weight_kg":"80"}'

    with pytest.raises(StorageError, match="append-only"):
        edit_weight()
    with db.reading() as tx:
        assert tx.orm.scalars(select(Event.payload)).one() == '{"weight_kg":"70"}'


def test_inserts_still_work_after_a_refusal(clinic: Clinic, charted: str) -> None:
    with pytest.raises(StorageError), clinic.db.transaction() as tx:
        tx.orm.execute(text("UPDATE sessions SET chair = 'x'"))
    clinic.open_session()
    with clinic.db.reading() as tx:
        assert tx.orm.scalar(select(func.count()).select_from(Event)) == 2
