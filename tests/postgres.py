"""The PostgreSQL test server: new databases set up with least privilege, as `ketachart init
--app-role` sets up a clinic's (storage.pg_roles), so tests and proofs chart as the
application's role; a test that tampers on purpose asks for the superuser explicitly.

The roles are the server's (a cluster has one set of roles), shared by every test database
and left in place; their grants go with each database when it is dropped. The test server
trusts local connections (.ci/postgres.sh), so the roles have no password."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from sqlalchemy import Connection, make_url

from ketachart.storage import pg_roles
from ketachart.storage.database import Database, create_database_engine, open_database

POSTGRES_ENV = "KETACHART_TEST_POSTGRES_URL"
TEST_ROLES = pg_roles.Roles(
    owner="ketachart_test_owner", app="ketachart_test_app", auditor="ketachart_test_auditor"
)


@dataclass(frozen=True)
class ClinicUrls:
    """One database, reached as each role."""

    superuser: str
    owner: str
    app: str
    auditor: str


def server_url() -> str | None:
    """The test server's superuser URL, if one is configured (see .ci/postgres.sh)."""
    return os.environ.get(POSTGRES_ENV, "").strip() or None


def _admin_dsn(server: str) -> str:
    return make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def new_database(server: str, prefix: str, template: str | None = None) -> Iterator[str]:
    """A new, empty database (or a copy of `template`) on the server, as its superuser's URL;
    dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(_admin_dsn(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_dsn(server), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def urls_of(superuser: str) -> ClinicUrls:
    """The same database as the superuser, the owner, the application and the auditor."""
    auditor = TEST_ROLES.auditor
    assert auditor is not None
    return ClinicUrls(
        superuser,
        pg_roles.with_owner_role(superuser, TEST_ROLES.owner),
        pg_roles.login_url(superuser, TEST_ROLES.app),
        pg_roles.login_url(superuser, auditor),
    )


def set_up_least_privilege(superuser: str) -> ClinicUrls:
    """What `ketachart init --app-role` does, without the first admin: roles, the schema
    migrated as the owner, the grants."""
    roles = TEST_ROLES
    owner_url = pg_roles.set_up(
        superuser, roles.app, roles.auditor, roles.owner, pg_roles.Passwords()
    )
    db = open_database(owner_url)
    try:
        with db.engine.begin() as connection:
            pg_roles.grant(connection, [roles.app], [roles.auditor] if roles.auditor else [])
    finally:
        db.dispose()
    return urls_of(superuser)


@contextmanager
def clinic_database(
    server: str, prefix: str = "kc_test", template: str | None = None
) -> Iterator[ClinicUrls]:
    """A new database set up with least privilege (a copy of `template` keeps its grants)."""
    with new_database(server, prefix, template) as superuser:
        yield urls_of(superuser) if template else set_up_least_privilege(superuser)


def superuser_url(url: str) -> str:
    """The same database as the test server's superuser (an SQLite URL is itself)."""
    parsed = make_url(url)
    server = server_url()
    if parsed.get_backend_name() != "postgresql" or server is None:
        return url
    admin = make_url(server)
    query = {k: v for k, v in parsed.query.items() if k != "options"}
    return parsed.set(
        username=admin.username, password=admin.password, query=query
    ).render_as_string(hide_password=False)


@contextmanager
def privileged(db: Database) -> Iterator[Connection]:
    """A transaction that may do what the application's role may not (drop the append-only
    triggers, rewrite history): someone with direct database access. SQLite has no roles:
    the database's own engine."""
    if db.dialect_name != "postgresql":
        with db.engine.begin() as connection:
            yield connection
        return
    engine = create_database_engine(superuser_url(db.engine.url.render_as_string(False)))
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()
