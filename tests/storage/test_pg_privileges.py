"""Least privilege on PostgreSQL (issue 12, storage.pg_roles): connected as the application's
role, every way around append-only is refused by the server, and charting still works in
full; the auditor role reads and verifies but writes nothing; `ketachart init --app-role`
sets the roles up; a migration needs the owner and leaves the grants in place.

BYPASSES is the battery prove.privileges runs and counts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, exc, func, select, text

from ketachart.app import main
from ketachart.clock import ManualClock
from ketachart.domain.vocab import Role
from ketachart.errors import AuthenticationFailed, StorageError
from ketachart.models import APPEND_ONLY_TABLES, AuditEntry, Event
from ketachart.reports.export import export_session_pdf
from ketachart.services import clinic as clinic_settings
from ketachart.services import patients, sign_in, staff
from ketachart.services.verify import verify_all
from ketachart.storage import pg_roles
from ketachart.storage.database import create_database_engine, open_database
from ketachart.storage.migrate import run_alembic
from tests.cli_support import CLINIC_PASSPHRASE_VARIABLE, as_user, clinic_passphrase
from tests.postgres import TEST_ROLES, ClinicUrls
from tests.storage.helpers import counts, sign
from tests.support import PASSWORDS, Clinic, chart_to_discharged, make_clinic

OWNER = TEST_ROLES.owner
APP = TEST_ROLES.app
COLUMN = {"events": "kind", "audit_entries": "action", "sessions": "chair"}
COLUMN["protocol_versions"] = "name"
COLUMN["patient_versions"] = "allergies"
COLUMN["row_versions"] = "content"
MUTABLE_TABLES = ("users", "patients", "settings", "chain_heads", "session_summaries")
REFUSE = "ketachart_refuse_change()"
COLUMN.update(
    clinic_keys="public_key",
    user_keys="public_key",
    certificates="role",
    vouched_entries="session_id",
)


@dataclass(frozen=True)
class Bypass:
    """One way someone holding the application's password could try to rewrite history."""

    name: str
    sql: str


def _per_table(table: str) -> list[Bypass]:
    column = COLUMN[table]
    return [
        Bypass(f"{table}: disable its triggers", f"ALTER TABLE {table} DISABLE TRIGGER ALL"),
        Bypass(
            f"{table}: disable the append-only trigger",
            f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only",
        ),
        Bypass(
            f"{table}: drop the append-only trigger",
            f"DROP TRIGGER {table}_append_only ON {table}",
        ),
        Bypass(
            f"{table}: drop the truncate trigger", f"DROP TRIGGER {table}_no_truncate ON {table}"
        ),
        Bypass(f"{table}: UPDATE", f"UPDATE {table} SET {column} = {column}"),
        Bypass(f"{table}: DELETE", f"DELETE FROM {table}"),
        Bypass(f"{table}: TRUNCATE", f"TRUNCATE {table} CASCADE"),
        Bypass(f"{table}: add a column", f"ALTER TABLE {table} ADD COLUMN forged integer"),
        Bypass(f"{table}: drop a column", f"ALTER TABLE {table} DROP COLUMN {column} CASCADE"),
        Bypass(f"{table}: rename it", f"ALTER TABLE {table} RENAME TO {table}_old"),
        Bypass(f"{table}: take it over", f"ALTER TABLE {table} OWNER TO {APP}"),
        Bypass(f"{table}: DROP TABLE", f"DROP TABLE {table} CASCADE"),
        Bypass(
            f"{table}: a rule that skips deletes",
            f"CREATE RULE skip AS ON DELETE TO {table} DO INSTEAD NOTHING",
        ),
    ]


_NO_OP_FUNCTION = "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$"
GLOBAL_BYPASSES = [
    Bypass(
        "replace the trigger function",
        f"CREATE OR REPLACE FUNCTION ketachart_refuse_change() {_NO_OP_FUNCTION}",
    ),
    Bypass(
        "replace it, schema-qualified",
        f"CREATE OR REPLACE FUNCTION public.ketachart_refuse_change() {_NO_OP_FUNCTION}",
    ),
    Bypass("drop the trigger function", f"DROP FUNCTION {REFUSE} CASCADE"),
    Bypass("take the trigger function over", f"ALTER FUNCTION {REFUSE} OWNER TO {APP}"),
    Bypass("rename the trigger function", f"ALTER FUNCTION {REFUSE} RENAME TO forged"),
    Bypass("skip triggers: replica mode", "SET session_replication_role = replica"),
    Bypass("become the owner", f"SET ROLE {OWNER}"),
    Bypass("make itself a superuser", f"ALTER ROLE {APP} SUPERUSER"),
    Bypass("give itself the owner's rights", f"GRANT {OWNER} TO {APP}"),
    Bypass("create a table in the schema", "CREATE TABLE public.forged (x integer)"),
    Bypass("create a schema of its own", "CREATE SCHEMA forged"),
    Bypass("move the schema version", "UPDATE alembic_version SET version_num = '0001'"),
    Bypass("drop the schema version", "DROP TABLE alembic_version"),
    Bypass("rename a user", "UPDATE users SET username = 'forged'"),
    Bypass("renumber a user", "UPDATE users SET id = id + 1000"),
    Bypass("back-date a patient", "UPDATE patients SET created_at = created_at"),
    Bypass("rename a chain", "UPDATE chain_heads SET chain = 'forged'"),
    Bypass("move a summary row", "UPDATE session_summaries SET session_id = session_id"),
    *(Bypass(f"{t}: DELETE", f"DELETE FROM {t}") for t in MUTABLE_TABLES),
    *(Bypass(f"{t}: TRUNCATE", f"TRUNCATE {t} CASCADE") for t in MUTABLE_TABLES),
]
BYPASSES = [b for t in APPEND_ONLY_TABLES for b in _per_table(t)] + GLOBAL_BYPASSES


REFUSED = "refused"
INSUFFICIENT_PRIVILEGE = "42501"


def attempt(engine: Engine, bypass: Bypass) -> str:
    """'refused' (for want of a privilege), 'allowed' (the statement ran; it is rolled back),
    or the other error's SQLSTATE: a statement that fails for another reason proves nothing."""
    with engine.connect() as connection:
        try:
            connection.exec_driver_sql(bypass.sql)
        except exc.DBAPIError as error:
            state = getattr(error.orig, "sqlstate", None)
            return REFUSED if state == INSUFFICIENT_PRIVILEGE else f"error {state}"
        finally:
            connection.rollback()
    return "allowed"


def triggers_enabled(engine: Engine) -> int:
    """How many append-only triggers are there and enabled."""
    with engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT count(*) FROM pg_trigger WHERE tgenabled = 'O' AND "
                "(tgname LIKE '%append_only' OR tgname LIKE '%no_truncate')"
            )
        )
        return int(found.scalar_one())


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def urls(postgres_clinic: ClinicUrls) -> ClinicUrls:
    return postgres_clinic


@pytest.fixture
def app_clinic(urls: ClinicUrls, clock: ManualClock) -> Iterator[Clinic]:
    """A clinic charted as the application's role."""
    db = open_database(urls.app, clock)
    try:
        yield make_clinic(db, clock)
    finally:
        db.dispose()


@pytest.fixture
def signed_session(app_clinic: Clinic) -> str:
    session_id = app_clinic.open_session()
    chart_to_discharged(app_clinic, session_id)
    sign(app_clinic, session_id)
    return session_id


# --- the application role --------------------------------------------------------------------


def test_the_app_connects_as_its_own_role_which_owns_nothing(app_clinic: Clinic) -> None:
    with app_clinic.db.engine.connect() as connection:
        assert connection.execute(text("SELECT current_user")).scalar() == APP
        owners = connection.execute(
            text(
                "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r','S')"
            )
        )
        assert set(owners.scalars()) == {OWNER}


def test_every_way_around_append_only_is_refused(app_clinic: Clinic, signed_session: str) -> None:
    """Every bypass is refused for want of a privilege; then the triggers are in place,
    nothing changed, and verify finds the history clean."""
    before = counts(app_clinic)
    outcomes = {b.name: attempt(app_clinic.db.engine, b) for b in BYPASSES}
    assert {name: got for name, got in outcomes.items() if got != REFUSED} == {}
    assert counts(app_clinic) == before
    assert triggers_enabled(app_clinic.db.engine) == 2 * len(APPEND_ONLY_TABLES)
    with app_clinic.db.reading() as tx:
        assert verify_all(tx) == []
        assert tx.orm.scalar(select(func.count()).select_from(Event)) == before[0]
    assert signed_session


def test_charting_in_full_works_as_the_app_role(
    app_clinic: Clinic, signed_session: str, tmp_path: Path
) -> None:
    """A session charted, signed and exported; a patient edited; a lock-out and its reset;
    a role change and a deactivation; the clinic's settings changed: every UPDATE the
    services make, within the columns granted."""
    c = app_clinic
    exported = export_session_pdf(c.db, c.nurse, signed_session, tmp_path / "summary.pdf")
    assert exported.signed
    assert exported.path.read_bytes().startswith(b"%PDF")
    edited = replace(c.patient.details(), notes="Prefers the window chair", allergies="")
    edited = replace(edited, no_known_allergies=True)
    assert c.act(patients.update_patient, c.nurse, c.patient.id, edited).notes
    for _attempt in range(sign_in.MAX_FAILED_LOGINS):
        with pytest.raises(AuthenticationFailed):
            sign_in.sign_in(c.db, "wes", "wrong-password-1")
    c.later(sign_in.LOCKOUT.total_seconds() / 60 + 1)
    sign_in.sign_in(c.db, "wes", PASSWORDS["wes"])
    c.act(staff.change_role, c.admin, c.nurse2.id, Role.PHYSICIAN, clinic_key=c.clinic_key)
    c.act(staff.disable, c.admin, c.nurse2.id, clinic_key=c.clinic_key)
    info = clinic_settings.ClinicInfo("Ketamine Clinic", "1 Main St")
    c.act(clinic_settings.set_clinic, c.admin, info)
    c.act(clinic_settings.set_clinic, c.admin, replace(info, address="2 Main St"))
    with c.db.reading() as tx:
        assert verify_all(tx) == []


def test_a_refused_write_is_one_clear_message(app_clinic: Clinic) -> None:
    with pytest.raises(StorageError, match="may not make it"), app_clinic.db.transaction() as tx:
        tx.orm.execute(text("DELETE FROM patients"))


# --- the auditor role ------------------------------------------------------------------------


def audit_count(url: str) -> int:
    db = open_database(url)
    try:
        with db.reading() as tx:
            return tx.orm.scalar(select(func.count()).select_from(AuditEntry)) or 0
    finally:
        db.dispose()


@pytest.mark.usefixtures("signed_session")
def test_the_auditor_verifies_but_cannot_write(
    urls: ClinicUrls, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connected as the auditor role, the database opens read-only: the admin's sign-in
    for `verify` is checked but records nothing (it may not), and verify runs."""
    auditor = open_database(urls.auditor)
    assert auditor.read_only
    auditor.dispose()
    before = audit_count(urls.app)
    assert main(["--db", urls.auditor, "verify", *as_user(monkeypatch, "admin")]) == 0
    assert "database intact" in capsys.readouterr().out
    assert audit_count(urls.app) == before
    engine = create_database_engine(urls.auditor)
    try:
        for sql in (
            "INSERT INTO settings (key, value) VALUES ('forged', 'x')",
            "UPDATE users SET failed_logins = 0",
            "UPDATE settings SET value = value",
            "DELETE FROM settings",
        ):
            assert attempt(engine, Bypass(sql, sql)) == REFUSED, sql
        assert triggers_enabled(engine) == 2 * len(APPEND_ONLY_TABLES)
    finally:
        engine.dispose()


# --- migrations need the owner, and keep the grants ------------------------------------------


def test_the_app_role_cannot_migrate_and_says_who_can(urls: ClinicUrls) -> None:
    owner = open_database(urls.owner)
    try:
        run_alembic(owner, "downgrade", "0002")
    finally:
        owner.dispose()
    with pytest.raises(StorageError, match="owner's URL"):
        open_database(urls.app)


def test_a_migration_grants_the_columns_it_adds(urls: ClinicUrls, clock: ManualClock) -> None:
    """0003's column, dropped and added again by the owner, may be updated by the app."""
    owner = open_database(urls.owner)
    try:
        run_alembic(owner, "downgrade", "0002")
    finally:
        owner.dispose()
    open_database(urls.owner).dispose()  # upgrades, as init does
    clinic = make_clinic(open_database(urls.app, clock), clock)
    try:
        details = replace(clinic.patient.details(), allergies="", no_known_allergies=True)
        row = clinic.act(patients.update_patient, clinic.nurse, clinic.patient.id, details)
        assert row.no_known_allergies_at is not None
    finally:
        clinic.db.dispose()


def test_migration_0005_grants_select_and_insert_on_patient_versions_only(
    urls: ClinicUrls, clock: ManualClock
) -> None:
    """The versions table, dropped and made again by the owner: the app may read and append
    to it (an edit works), never change or remove a version."""
    owner = open_database(urls.owner)
    try:
        run_alembic(owner, "downgrade", "0004")
    finally:
        owner.dispose()
    open_database(urls.owner).dispose()  # upgrades, as init does
    clinic = make_clinic(open_database(urls.app, clock), clock)
    try:
        details = replace(clinic.patient.details(), notes="moved house")
        clinic.act(patients.update_patient, clinic.nurse, clinic.patient.id, details)
        with clinic.db.engine.connect() as connection:
            granted = {
                privilege: connection.execute(
                    text("SELECT has_table_privilege(:role, 'patient_versions', :p)"),
                    {"role": APP, "p": privilege},
                ).scalar_one()
                for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
            }
    finally:
        clinic.db.dispose()
    assert granted == {
        "SELECT": True,
        "INSERT": True,
        "UPDATE": False,
        "DELETE": False,
        "TRUNCATE": False,
    }


# --- ketachart init --app-role ---------------------------------------------------------------


@pytest.fixture
def own_roles(postgres_database: str) -> Iterator[pg_roles.Roles]:
    """Roles of this test alone (it sets passwords), dropped after its database."""
    tag = uuid.uuid4().hex[:8]
    roles = pg_roles.Roles(f"kc_owner_{tag}", f"kc_app_{tag}", f"kc_auditor_{tag}")
    yield roles
    # postgres_database is dropped after this fixture ends: the roles still have grants in
    # it, so they are dropped from their objects here first
    with psycopg.connect(_plain(postgres_database), autocommit=True) as connection:
        for role in (roles.app, roles.auditor, roles.owner):
            made = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
            if made.fetchone():
                connection.execute(f'DROP OWNED BY "{role}" CASCADE')
    server = _plain(postgres_database.rsplit("/", 1)[0] + "/postgres")
    with psycopg.connect(server, autocommit=True) as connection:
        for role in (roles.app, roles.auditor, roles.owner):
            connection.execute(f'DROP ROLE IF EXISTS "{role}"')


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _init(url: str, roles: pg_roles.Roles, *extra: str) -> list[str]:
    assert roles.auditor is not None
    return [
        "--db",
        url,
        "init",
        "--admin-username",
        "boss",
        "--admin-name",
        "Bo Boss",
        "--admin-password-env",
        "KC_TEST_ADMIN_PASSWORD",
        "--clinic-passphrase-env",
        CLINIC_PASSPHRASE_VARIABLE,
        "--app-role",
        roles.app,
        "--auditor-role",
        roles.auditor,
        "--owner-role",
        roles.owner,
        *extra,
    ]


def test_init_sets_up_the_roles_and_adopts_an_older_schema(
    postgres_database: str,
    own_roles: pg_roles.Roles,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A database made before least privilege (the superuser owns it all) is given to the
    owner role; the app and auditor get their passwords (SCRAM) and their grants."""
    open_database(postgres_database).dispose()
    monkeypatch.setenv("KC_TEST_ADMIN_PASSWORD", "a-long-admin-pass")
    monkeypatch.setenv("KC_TEST_APP_PASSWORD", "app-role-password")
    clinic_passphrase(monkeypatch)
    password_flag = ["--app-password-env", "KC_TEST_APP_PASSWORD"]
    assert main(_init(postgres_database, own_roles, *password_flag)) == 0
    out = capsys.readouterr().out
    assert f"Application role {own_roles.app}: connect with postgresql+psycopg://" in out
    again = _init(postgres_database, own_roles, *as_user(monkeypatch, "boss", "a-long-admin-pass"))
    assert main(again) == 0  # again, by the admin it made: nothing new, same roles
    with psycopg.connect(_plain(postgres_database)) as connection:
        owners = connection.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r','S')"
        ).fetchall()
        secret = connection.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (own_roles.app,)
        ).fetchone()
    assert owners == [(own_roles.owner,)]
    assert secret is not None
    assert str(secret[0]).startswith("SCRAM-SHA-256$")
    app_url = pg_roles.login_url(postgres_database, own_roles.app)
    db = open_database(app_url)
    try:
        with db.engine.connect() as connection:
            assert pg_roles.granted_roles(connection) == ([own_roles.app], [own_roles.auditor])
        assert sign_in.sign_in(db, "boss", "a-long-admin-pass").actor.role is Role.ADMIN
    finally:
        db.dispose()


def test_init_refuses_a_superuser_as_the_app_role(
    postgres_database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KC_TEST_ADMIN_PASSWORD", "a-long-admin-pass")
    clinic_passphrase(monkeypatch)
    roles = replace(TEST_ROLES, app="postgres")
    assert main(_init(postgres_database, roles)) == 1
    assert "postgres is a superuser" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["Bad-Name", "x; DROP TABLE events", ""])
def test_a_role_name_is_a_plain_identifier(name: str) -> None:
    with pytest.raises(StorageError, match="Not a role name"):
        pg_roles.check_role_name(name)


def test_app_role_is_for_postgresql_only(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", sqlite_url, "init", "--app-role", "ketachart_app"]) == 1
    assert "PostgreSQL database only" in capsys.readouterr().err
