"""Migrations, the schema, connection settings, write locks and stored times, on both engines."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import exc, inspect, make_url, select, text

from ketachart.clock import ManualClock
from ketachart.domain.allergies import AllergyStatus, allergy_text
from ketachart.errors import DatabaseDamaged
from ketachart.models import Base, ChainHead, Patient, PatientVersion, RowVersion, User
from ketachart.services import signing
from ketachart.services.patients import find_patients
from ketachart.services.review import review_queue
from ketachart.services.session_summaries import stored_summaries
from ketachart.services.verify import verify_all, verify_session_summaries
from ketachart.storage import dialect, migrate, pg_roles
from ketachart.storage.database import Database, open_database
from ketachart.storage.schema import SCHEMA_HEAD
from ketachart.storage.workstation import Workstation
from tests.postgres import TEST_ROLES, superuser_url
from tests.storage.helpers import sign
from tests.support import chart_to_discharged, make_clinic

TABLES = {
    "alembic_version",
    "audit_entries",
    "certificates",
    "chain_heads",
    "clinic_keys",
    "events",
    "patient_versions",
    "patient_search_keys",
    "patients",
    "protocol_versions",
    "row_versions",
    "session_summaries",
    "sessions",
    "settings",
    "user_keys",
    "users",
    "vouched_entries",
}
EXTRA_REVISION = '''"""A later revision, for tests: one new table.

Revision ID: 9999
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("test_extra", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("test_extra")
'''


@pytest.fixture
def db(database_url: str, clock: ManualClock) -> Iterator[Database]:
    """Migrations are the schema owner's work (the application's role may not change the
    schema, tests/storage/test_pg_privileges.py): on PostgreSQL these tests connect as the
    owner role, as `ketachart init` does; SQLite has no roles."""
    database = open_database(owner_url(database_url), clock)
    yield database
    database.dispose()


def owner_url(url: str) -> str:
    if make_url(url).get_backend_name() != "postgresql":
        return url
    return pg_roles.with_owner_role(superuser_url(url), TEST_ROLES.owner)


def table_names(db: Database) -> set[str]:
    with db.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return migrate.current_revision(connection)


def row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return {n: connection.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}


def sqlite_only(db: Database) -> Path:
    if db.sqlite_path is None:
        pytest.skip("SQLite only")
    return db.sqlite_path


# --- migrations -----------------------------------------------------------------------------


def test_upgrade_downgrade_upgrade(db: Database, clock: ManualClock) -> None:
    assert table_names(db) == TABLES
    migrate.run_alembic(db, "downgrade", "base")
    assert table_names(db) == {"alembic_version"}
    assert revision(db) is None
    migrate.run_alembic(db, "upgrade", "head")
    assert table_names(db) == TABLES
    assert revision(db) == migrate.head_revision()
    make_clinic(db, clock)
    with db.engine.connect() as connection, pytest.raises(exc.DBAPIError, match="append-only"):
        connection.execute(text("DELETE FROM audit_entries"))


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_at_head_changes_nothing(db: Database, clock: ManualClock) -> None:
    make_clinic(db, clock)
    folder = db.sqlite_path.parent if db.sqlite_path else None
    files = sorted(folder.iterdir()) if folder else []
    migrate.upgrade_to_head(db)
    assert revision(db) == migrate.head_revision()
    assert (sorted(folder.iterdir()) if folder else []) == files


def test_backup_before_migration_is_a_full_copy(db: Database, clock: ManualClock) -> None:
    path = sqlite_only(db)
    make_clinic(db, clock)
    copy = migrate.backup_before_migration(path, "0001", "0002")
    assert copy.parent == path.parent
    assert copy.name.startswith("ketachart-test.before-0002-from-0001-")
    assert copy.suffix == ".sqlite"
    with sqlite3.connect(path) as live, sqlite3.connect(copy) as backup:
        assert backup.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert row_counts(backup) == row_counts(live)
        assert row_counts(backup)["users"] == 4
    live.close()
    backup.close()


def install_later_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The packaged migrations plus a revision 0002, as if this were a newer release."""
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    text = EXTRA_REVISION.replace("{head}", migrate.head_revision())
    (folder / "versions" / "9999_extra.py").write_text(text, encoding="utf-8")
    monkeypatch.setattr(migrate, "MIGRATIONS", folder)


def test_upgrade_from_an_older_revision_copies_an_sqlite_file_first(
    db: Database, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_clinic(db, clock)
    head = migrate.head_revision()
    install_later_migrations(tmp_path, monkeypatch)
    folder = db.sqlite_path.parent if db.sqlite_path else None
    migrate.upgrade_to_head(db)
    assert revision(db) == "9999"
    assert table_names(db) == {*TABLES, "test_extra"}
    if folder is None:
        return
    (copy,) = folder.glob(f"ketachart-test.before-9999-from-{head}-*.sqlite")
    with sqlite3.connect(copy) as backup:
        assert backup.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]
        assert "test_extra" not in row_counts(backup)
        assert row_counts(backup)["audit_entries"] > 0
    backup.close()


# --- connections and locks ------------------------------------------------------------------


def test_sqlite_pragmas_on_every_connection(db: Database) -> None:
    sqlite_only(db)
    db.dispose()
    with db.engine.connect() as first, db.engine.connect() as second:
        for connection in (first, second):
            settings = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
            assert settings == {
                "journal_mode": "wal",
                "synchronous": 2,
                "foreign_keys": 1,
                "busy_timeout": 30000,
            }


def other_writer_blocked(db: Database) -> bool:
    """Whether another client, not waiting at all, is kept from writing right now."""
    if db.sqlite_path is not None:
        other = sqlite3.connect(db.sqlite_path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if str(error) != "database is locked":
                raise
            return True
        finally:
            other.close()
        return False
    with db.engine.connect() as client:
        key = {"key": dialect.WRITE_LOCK_KEY}
        got = client.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), key).scalar()
        client.rollback()
        return not got


def test_write_transaction_takes_the_write_lock_up_front(db: Database) -> None:
    with db.transaction() as tx:
        tx.orm.connection()  # the transaction has begun; nothing written yet
        assert other_writer_blocked(db)
    assert not other_writer_blocked(db)


def test_reading_does_not_block_writers(db: Database) -> None:
    with db.reading() as tx:
        tx.orm.execute(select(User)).all()
        assert not other_writer_blocked(db)


# --- times ----------------------------------------------------------------------------------

MOMENTS = [
    datetime(2026, 3, 10, 14, 0, 0, 123456, tzinfo=UTC),
    datetime(2026, 3, 29, 2, 30, 0, 1, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=["utc", "plus-0530", "minus-05"])
def test_aware_times_round_trip_exactly(db: Database, moment: datetime) -> None:
    with db.transaction() as tx:
        tx.orm.add(
            User(
                username="t",
                display_name="T",
                credentials="",
                role="nurse",
                password_hash="x",
                active=True,
                failed_logins=0,
                locked_until=moment,
                created_at=moment,
            )
        )
    with db.reading() as tx:
        stored = tx.orm.execute(select(User.created_at, User.locked_until)).one()
    assert tuple(stored) == (moment, moment)
    assert stored[0].tzinfo is UTC
    assert stored[0].microsecond == moment.microsecond


def test_naive_times_are_refused(db: Database) -> None:
    naive = datetime(2026, 3, 10, 14, 0)
    user = User(
        username="t",
        display_name="T",
        credentials="",
        role="nurse",
        password_hash="x",
        active=True,
        failed_logins=0,
        created_at=naive,
    )

    def save() -> None:
        with db.transaction() as tx:
            tx.orm.add(user)

    with pytest.raises(exc.StatementError, match="naive datetimes are not stored"):
        save()
    assert table_names(db) == TABLES


def test_open_database_refuses_a_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "damaged.sqlite"
    path.write_bytes(b"this is not a database" * 200)
    with pytest.raises(DatabaseDamaged, match="Restore it from a backup"):
        open_database(f"sqlite:///{path}")


# --- 0002: protocol settings for "Before the first mL" -------------------------------------

NEW_ALERT_KEYS = ("pre_infusion_systolic_max", "pre_infusion_diastolic_max")


def _strip_new_settings(spec_json: str) -> str:
    spec = json.loads(spec_json)
    spec.pop("rate_above_plan_fraction")
    for key in (*NEW_ALERT_KEYS, "pounds_question_above_kg"):
        spec["alerts"].pop(key)
    return json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_existing_protocols_get_the_new_settings_by_migration(
    db: Database, clock: ManualClock
) -> None:
    make_clinic(db, clock)
    migrate.run_alembic(db, "downgrade", "0001")
    with db.engine.begin() as connection:  # a protocol saved by the first version
        old = str(
            connection.execute(text("SELECT spec_json FROM protocol_versions LIMIT 1")).scalar()
        )
        connection.execute(
            text(
                "INSERT INTO protocol_versions (code, version, name, active, spec_json, "
                "created_at) VALUES ('OLD-1', 1, 'Old protocol', :active, :spec, :at)"
            ),
            {"active": True, "spec": _strip_new_settings(old), "at": datetime(2026, 1, 5)},
        )
    migrate.run_alembic(db, "upgrade", "head")
    with db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT version, spec_json FROM protocol_versions WHERE code = 'OLD-1'")
        ).all()
    assert [r.version for r in rows] == [1, 2]
    upgraded = json.loads(rows[1].spec_json)
    assert upgraded["rate_above_plan_fraction"] == "0.25"
    assert upgraded["alerts"]["pre_infusion_systolic_max"] == 160
    assert upgraded["alerts"]["pre_infusion_diastolic_max"] == 100
    assert upgraded["alerts"]["pounds_question_above_kg"] == "150"
    assert upgraded["version"] == 2


# --- 0003: allergies as three states ---------------------------------------------------------


def test_existing_patients_without_allergies_become_not_recorded(
    db: Database, clock: ManualClock
) -> None:
    clinic = make_clinic(db, clock)
    migrate.run_alembic(db, "downgrade", "0002")
    with db.engine.begin() as connection:  # a patient saved before the three states
        columns = {c["name"] for c in inspect(connection).get_columns("patients")}
        assert "no_known_allergies_at" not in columns
        connection.execute(
            text(
                "INSERT INTO patients (mrn, family_name, given_name, date_of_birth, sex, "
                "allergies, notes, created_at, updated_at) VALUES ('OLD-1', 'Old', 'Pat', "
                ":born, 'male', '', '', :at, :at)"
            ),
            {"born": datetime(1970, 1, 1).date(), "at": clock.now()},
        )
    migrate.run_alembic(db, "upgrade", "head")
    with db.reading() as tx:
        old = tx.orm.scalars(select(Patient).where(Patient.mrn == "OLD-1")).one()
        listed = tx.orm.get(Patient, clinic.patient.id)
        assert listed is not None
        said = {
            row.mrn: allergy_text(row.allergies, row.no_known_allergies_at).status
            for row in (old, listed)
        }
    assert said == {"OLD-1": AllergyStatus.NOT_RECORDED, "MRN-0001": AllergyStatus.LISTED}


# --- 0005: patient details as appended versions ----------------------------------------------


def test_existing_patients_get_a_first_version_from_their_row(
    db: Database, clock: ManualClock
) -> None:
    clinic = make_clinic(db, clock)
    migrate.run_alembic(db, "downgrade", "0004")
    assert "patient_versions" not in table_names(db)
    with db.engine.begin() as connection:  # a patient saved before versions were kept
        connection.execute(
            text(
                "INSERT INTO patients (mrn, family_name, given_name, date_of_birth, sex, "
                "allergies, notes, no_known_allergies_at, created_at, updated_at) VALUES "
                "('OLD-1', 'Old', 'Pat', :born, 'male', 'Latex', '', NULL, :at, :at)"
            ),
            {"born": datetime(1970, 1, 1).date(), "at": clock.now()},
        )
    migrate.run_alembic(db, "upgrade", "head")
    with db.reading() as tx:
        old = tx.orm.scalars(select(Patient.id).where(Patient.mrn == "OLD-1")).one()
        versions = tx.orm.scalars(select(PatientVersion).order_by(PatientVersion.patient_id)).all()
        kept = [(v.patient_id, v.version, v.allergies, v.recorded_by) for v in versions]
        problems = {pr.where for pr in verify_all(tx)}
    assert kept == [(clinic.patient.id, 1, "Penicillin", None), (old, 1, "Latex", None)]
    assert f"patient {old}" not in problems  # its row agrees with its first version
    with db.engine.connect() as connection, pytest.raises(exc.DBAPIError, match="append-only"):
        connection.execute(text("DELETE FROM patient_versions"))


# --- 0008: protocols and settings as appended versions ---------------------------------------


def test_existing_protocols_and_settings_get_a_first_version(
    db: Database, clock: ManualClock
) -> None:
    clinic = make_clinic(db, clock)
    clinic.open_session()  # its genesis covers its protocol's digest, which downgrades keep
    migrate.run_alembic(db, "downgrade", "0007")
    assert "row_versions" not in table_names(db)
    with db.engine.begin() as connection:  # a clinic named before versions were kept
        connection.execute(
            text("INSERT INTO settings (key, value) VALUES ('clinic.name', 'Calm Harbor')")
        )
    migrate.run_alembic(db, "upgrade", "head")
    with db.reading() as tx:
        versions = tx.orm.scalars(select(RowVersion).order_by(RowVersion.chain)).all()
        kept = {v.chain: (v.version, json.loads(v.content), v.recorded_by) for v in versions}
        newest = {v.chain: (v.version, v.hash) for v in versions}
        heads = {h.chain: (h.seq, h.hash) for h in tx.orm.scalars(select(ChainHead))}
        problems = verify_all(tx)
    assert kept["setting:clinic.name"] == (1, {"key": "clinic.name", "value": "Calm Harbor"}, None)
    for row in clinic.protocols:
        version, content, by = kept[f"protocol:{row.spec.code}"]
        assert (version, content["version"], content["name"], by) == (1, 1, row.spec.name, None)
    assert newest == {c: h for c, h in heads.items() if c.startswith(("protocol:", "setting:"))}
    assert problems == []
    with db.engine.connect() as connection, pytest.raises(exc.DBAPIError, match="append-only"):
        connection.execute(text("DELETE FROM row_versions"))


# --- 0007: each audit entry names its workstation -------------------------------------------


def test_existing_audit_entries_keep_their_hashes_and_triggers(
    db: Database, clock: ManualClock
) -> None:
    make_clinic(db, clock)  # written with no workstation: the column stays empty
    with db.reading() as tx:
        before = list(tx.orm.execute(text("SELECT seq, hash FROM audit_entries ORDER BY seq")))
    migrate.run_alembic(db, "downgrade", "0006")  # not below: the clinic key would go
    with db.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("audit_entries")}
    assert "workstation" not in columns
    migrate.run_alembic(db, "upgrade", "head")
    with db.reading() as tx:
        after = list(tx.orm.execute(text("SELECT seq, hash FROM audit_entries ORDER BY seq")))
        assert verify_all(tx) == []
    assert after == before
    with db.engine.connect() as connection, pytest.raises(exc.DBAPIError, match="append-only"):
        connection.execute(text("UPDATE audit_entries SET workstation = 'x'"))


def test_going_back_past_0007_is_refused_once_entries_name_a_workstation(
    db: Database, clock: ManualClock
) -> None:
    db.workstation = Workstation("a1a1a1a1a1a1", "bay-1")
    make_clinic(db, clock)
    with pytest.raises(RuntimeError, match="name the workstation that wrote them"):
        migrate.run_alembic(db, "downgrade", "0006")
    # PostgreSQL undoes the whole downgrade; SQLite keeps the steps down to 0007
    assert revision(db) in {"0007", SCHEMA_HEAD}


# --- 0009: patient search through indexes ----------------------------------------------------


def test_existing_patients_are_folded_and_keyed_for_search(
    db: Database, clock: ManualClock
) -> None:
    clinic = make_clinic(db, clock)
    migrate.run_alembic(db, "downgrade", "0005")
    assert "patient_search_keys" not in table_names(db)
    with db.engine.begin() as connection:  # a patient saved before search was indexed
        connection.execute(
            text(
                "INSERT INTO patients (mrn, family_name, given_name, date_of_birth, sex, "
                "allergies, notes, no_known_allergies_at, created_at, updated_at) VALUES "
                "('OLD-1', 'Núñez García', 'Øystein', :born, 'male', '', '', NULL, :at, :at)"
            ),
            {"born": datetime(1970, 1, 1).date(), "at": clock.now()},
        )
    migrate.run_alembic(db, "upgrade", "head")
    with db.reading() as tx:
        old = tx.orm.scalars(select(Patient).where(Patient.mrn == "OLD-1")).one()
        assert (old.family_fold, old.given_fold) == ("nunez garcia", "oystein")
        for query in ("garc", "NUNEZ oyst", "old-"):
            assert [r.mrn for r in find_patients(tx, clinic.nurse, query)] == ["OLD-1"], query
        assert [r.mrn for r in find_patients(tx, clinic.nurse, "luk")] == ["MRN-0001"]


# --- 0010: session summary rows for the review queue ------------------------------------------


def test_existing_sessions_are_summarised_from_their_timelines(
    db: Database, clock: ManualClock
) -> None:
    clinic = make_clinic(db, clock)
    waiting, signed, still_open = (clinic.open_session() for _ in range(3))
    for session_id in (waiting, signed):
        chart_to_discharged(clinic, session_id)
    sign(clinic, signed)
    clinic.act(signing.add_addendum, clinic.nurse, signed, "Phoned the next day: well.")
    with db.reading() as tx:
        before = stored_summaries(tx, [waiting, signed, still_open])
    migrate.run_alembic(db, "downgrade", "0009")
    assert "session_summaries" not in table_names(db)
    migrate.run_alembic(db, "upgrade", "head")
    with db.reading() as tx:
        assert stored_summaries(tx, [waiting, signed, still_open]) == before
        assert verify_session_summaries(tx) == []
        queued = review_queue(tx, clinic.physician)
    assert [(r.session_id, r.flags.unsigned_addenda) for r in queued] == [(waiting, 0), (signed, 1)]
    assert before[still_open]["status"] == "scheduled"
