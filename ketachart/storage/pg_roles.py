"""Least privilege on PostgreSQL: who owns the schema, and what the application may do.

Three roles (reliability-and-security.md, promise 10):
- the **owner** owns every table, sequence and the append-only trigger function; it runs the
  migrations. Only an owner (or a superuser) can alter, drop or disable a trigger, so the
  application never connects as it.
- the **application** role may SELECT and INSERT, and UPDATE only the columns that charting
  changes (`UPDATABLE_COLUMNS`): no DELETE, no TRUNCATE, no UPDATE of anything append-only, no
  ownership, no CREATE on the schema. The append-only triggers stay as a second wall.
- an optional **auditor** role may only SELECT: it runs `ketachart verify`.

The grants are not remembered anywhere else: the roles holding them on the events table are
the application (INSERT) and auditor (SELECT only) roles, so after every migration the same
grants are made again on every table, and a table or column added later is covered. pg_dump
keeps them, so a restored database knows its roles too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

import psycopg
from psycopg import sql
from sqlalchemy import Connection, make_url, text

from ketachart.errors import StorageError
from ketachart.models import APPEND_ONLY_TABLES, Base
from ketachart.storage.database import create_database_engine

SCHEMA = "public"
DEFAULT_OWNER = "ketachart_owner"
ANCHOR_TABLE = "events"
"""The table whose grants name the application and auditor roles (see the module's note)."""
REFUSE_FUNCTION = "ketachart_refuse_change()"

UPDATABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    # failed sign-ins and lock-outs, staff management (role, active, password reset, names),
    # and the columns migration 0004 adds (granted once they exist)
    "users": (
        "display_name",
        "credentials",
        "role",
        "password_hash",
        "active",
        "failed_logins",
        "locked_until",
        "must_change_password",
        "last_sign_in_at",
        "password_changed_at",
    ),
    # services.patients.update_patient: every typed field (id and created_at never change)
    "patients": (
        "mrn",
        "family_name",
        "given_name",
        "date_of_birth",
        "sex",
        "allergies",
        "no_known_allergies_at",
        "notes",
        "updated_at",
        "family_fold",
        "given_fold",
    ),
    "patient_search_keys": ("key",),  # services.patients: an edit rewrites a patient's keys
    "settings": ("value",),  # services.clinic: clinic name, address, MRN rule
    "chain_heads": ("seq", "hash"),  # services.chains: each chain's head moves on
    # services.session_summaries: each event brings its session's summary up to date
    "session_summaries": ("status", "discharged_at", "signed_at", "unsigned_addenda", "waiting"),
}
"""What the application role may UPDATE: the services' every UPDATE, and nothing else."""

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass(frozen=True)
class Roles:
    """The roles of one clinic database; `auditor` is optional."""

    owner: str
    app: str
    auditor: str | None = None

    def __post_init__(self) -> None:
        names = [n for n in (self.owner, self.app, self.auditor) if n is not None]
        for name in names:
            check_role_name(name)
        if len(set(names)) != len(names):
            raise StorageError("The owner, application and auditor roles must be three roles.")


@dataclass(frozen=True)
class Passwords:
    """Passwords for the login roles; None keeps an existing role's password."""

    app: str | None = None
    auditor: str | None = None


def check_role_name(name: str) -> str:
    """Role names are plain lower-case identifiers, so they are never quoted wrongly."""
    if not _ROLE_NAME.fullmatch(name):
        raise StorageError(
            f"Not a role name ketachart uses: {name!r}. Use lower-case letters, digits and "
            "'_' (at most 63), starting with a letter or '_'."
        )
    return name


# --- setting the roles up (as a superuser, or as the owner with CREATEROLE) -------------------


def default_owner(connection: Connection) -> str:
    """A superuser sets up `ketachart_owner`; anyone else is the owner themselves."""
    superuser = connection.execute(
        text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    )
    if superuser.scalar():
        return DEFAULT_OWNER
    return str(connection.execute(text("SELECT current_user")).scalar_one())


def prepare(connection: Connection, roles: Roles, passwords: Passwords) -> None:
    """Create the roles that are missing, give the owner the schema and every object of
    ketachart's already there, and close the schema to everyone else. The migrations then
    run as the owner (`with_owner_role`), and `grant` follows."""
    me = str(connection.execute(text("SELECT current_user")).scalar_one())
    if roles.owner != me:
        _ensure_role(connection, roles.owner, login=False, password=None)
    _ensure_role(connection, roles.app, login=True, password=passwords.app)
    if roles.auditor is not None:
        _ensure_role(connection, roles.auditor, login=True, password=passwords.auditor)
    check_login_roles(connection, roles)
    database = sql.Identifier(_current_database(connection))
    logins = sql.SQL(", ").join(sql.Identifier(r) for r in _logins(roles))
    _run(connection, sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, logins))
    if _owns_schema(connection):
        _run(connection, sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        if roles.owner != me:
            owner = sql.Identifier(roles.owner)
            _run(connection, sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(owner))
    _adopt(connection, roles.owner)
    _check_no_create(connection, roles)


def _owns_schema(connection: Connection) -> bool:
    """A superuser, or a member of the public schema's owner (PostgreSQL 15: the database's
    owner), may change who creates in it."""
    return bool(
        connection.execute(
            text(
                "SELECT rolsuper OR pg_has_role(n.nspowner, 'USAGE') FROM pg_roles r, "
                "pg_namespace n WHERE r.rolname = current_user AND n.nspname = :schema"
            ),
            {"schema": SCHEMA},
        ).scalar()
    )


def _check_no_create(connection: Connection, roles: Roles) -> None:
    """PostgreSQL before 15 lets everyone create in the public schema; only its owner can
    take that back, so a set-up that could not is refused rather than left open."""
    for name in _logins(roles):
        creates = connection.execute(
            text("SELECT has_schema_privilege(:name, :schema, 'CREATE')"),
            {"name": name, "schema": SCHEMA},
        ).scalar()
        if creates:
            raise StorageError(
                f"{name} may create objects in the public schema. Run `ketachart init` "
                "as a superuser or as the database's owner, who can revoke it."
            )


def _ensure_role(connection: Connection, name: str, *, login: bool, password: str | None) -> None:
    """Create `name` if missing (two set-ups at once may race: the loser finds it made)."""
    role = sql.Identifier(name)
    kind = sql.SQL("LOGIN" if login else "NOLOGIN")
    secret: sql.Composable = sql.SQL("")
    if password is not None:
        secret = sql.SQL(" PASSWORD {}").format(_encrypted(connection, name, password))
    create = sql.SQL("CREATE ROLE {} {}{}").format(role, kind, secret)
    exists = connection.execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}
    ).scalar()
    if exists is None:
        guarded = sql.SQL(
            "DO $ketachart$ BEGIN {}; EXCEPTION WHEN duplicate_object OR unique_violation "
            "THEN NULL; END $ketachart$"
        ).format(create)
        _run(connection, guarded)
    elif password is not None:
        _run(connection, sql.SQL("ALTER ROLE {} LOGIN{}").format(role, secret))


def _encrypted(connection: Connection, name: str, password: str) -> sql.Literal:
    """The password as the server stores it (SCRAM), hashed here by libpq: the clear password
    is never sent, so it cannot end up in the server's statement log."""
    raw = _psycopg(connection)
    digest = raw.pgconn.encrypt_password(password.encode(), name.encode())
    return sql.Literal(digest.decode())


def check_login_roles(connection: Connection, roles: Roles) -> None:
    """Refuse an application or auditor role that could get around the protections anyway:
    a superuser, one that may create roles or skip row security, the database's owner (who
    may drop the public schema), or a member of the owner role."""
    problems = []
    for name in _logins(roles):
        row = connection.execute(
            text(
                "SELECT r.rolsuper, r.rolcreaterole, r.rolbypassrls, "
                "d.datdba = r.oid AS owns_database, "
                "pg_has_role(r.oid, :owner, 'MEMBER') AS in_owner "
                "FROM pg_roles r, pg_database d "
                "WHERE r.rolname = :name AND d.datname = current_database()"
            ),
            {"name": name, "owner": roles.owner},
        ).one()
        flags = ("a superuser", "able to create roles", "able to bypass row security")
        found = [flag for flag, on in zip(flags, row[:3], strict=True) if on]
        found += ["the owner of the database"] if row.owns_database else []
        found += [f"a member of {roles.owner}"] if row.in_owner else []
        problems += [f"{name} is {what}" for what in found]
    if problems:
        raise StorageError(
            "These roles could get around the append-only protection: "
            + "; ".join(problems)
            + ". Use plain login roles for the application and the auditor."
        )


def _adopt(connection: Connection, owner: str) -> None:
    """Give the owner ketachart's tables (their sequences go with them) and trigger function
    made earlier by another role (e.g. by the application's role, before least privilege)."""
    found = connection.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relkind = 'r' "
            "AND pg_get_userbyid(c.relowner) <> :owner"
        ),
        {"schema": SCHEMA, "owner": owner},
    ).scalars()
    new_owner = sql.Identifier(owner)
    for name in found:  # a table's id sequence goes with it
        statement = sql.SQL("ALTER TABLE {} OWNER TO {}")
        _run(connection, statement.format(sql.Identifier(SCHEMA, name), new_owner))
    function = connection.execute(
        text("SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE oid = to_regprocedure(:f)"),
        {"f": REFUSE_FUNCTION},
    ).scalar()
    if function is not None and function != owner:
        statement = sql.SQL("ALTER FUNCTION {} OWNER TO {}")
        _run(connection, statement.format(sql.SQL(REFUSE_FUNCTION), new_owner))


# --- the grants, made again after every migration ---------------------------------------------


def granted_roles(connection: Connection) -> tuple[list[str], list[str]]:
    """(application roles, auditor roles): the roles granted INSERT, or only SELECT, on the
    events table; none before the first set-up."""
    rows = connection.execute(
        text(
            "SELECT r.rolname, a.privilege_type FROM pg_class c "
            "CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee "
            "WHERE c.oid = to_regclass(:table) AND a.grantee <> c.relowner"
        ),
        {"table": f"{SCHEMA}.{ANCHOR_TABLE}"},
    ).all()
    inserting = sorted({name for name, kind in rows if kind == "INSERT"})
    reading = sorted({name for name, kind in rows if kind == "SELECT"} - set(inserting))
    return inserting, reading


def grant(connection: Connection, apps: Iterable[str], auditors: Iterable[str]) -> None:
    """Grant the application and auditor roles exactly what they may do on the tables that
    exist now (everything else they held is revoked first)."""
    apps, auditors = list(apps), list(auditors)
    if not apps and not auditors:
        return
    tables = _tables(connection)
    everyone = sql.SQL(", ").join(sql.Identifier(r) for r in apps + auditors)
    _run(connection, sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(everyone))
    statement = sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}")
    _run(connection, statement.format(everyone))
    for table in tables:
        name = sql.Identifier(SCHEMA, table)
        _run(connection, sql.SQL("REVOKE ALL ON {} FROM {}").format(name, everyone))
        _run(connection, sql.SQL("GRANT SELECT ON {} TO {}").format(name, everyone))
    if apps:
        _grant_writes(connection, tables, sql.SQL(", ").join(sql.Identifier(r) for r in apps))


def _grant_writes(connection: Connection, tables: list[str], apps: sql.Composable) -> None:
    writable = [t for t in tables if t in Base.metadata.tables]
    for table in writable:
        name = sql.Identifier(SCHEMA, table)
        _run(connection, sql.SQL("GRANT INSERT ON {} TO {}").format(name, apps))
        columns = [c for c in UPDATABLE_COLUMNS.get(table, ()) if c in _columns(connection, table)]
        if columns and table not in APPEND_ONLY_TABLES:
            listed = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
            _run(connection, sql.SQL("GRANT UPDATE ({}) ON {} TO {}").format(listed, name, apps))
    statement = sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}")
    _run(connection, statement.format(apps))


def regrant(connection: Connection) -> None:
    """The grants again, for the roles that hold them (after a migration)."""
    grant(connection, *granted_roles(connection))


def can_migrate(connection: Connection) -> bool:
    """Whether this connection may change the schema: a superuser, or the owner of its
    tables (a new, empty database: anyone allowed to create in the schema)."""
    row = connection.execute(
        text(
            "SELECT r.rolsuper, pg_get_userbyid(c.relowner) AS owner, "
            "has_schema_privilege(:schema, 'CREATE') AS creates "
            "FROM pg_roles r LEFT JOIN pg_class c ON c.oid = to_regclass(:table) "
            "WHERE r.rolname = current_user"
        ),
        {"schema": SCHEMA, "table": f"{SCHEMA}.alembic_version"},
    ).one()
    if row.rolsuper:
        return True
    if row.owner is None:
        return bool(row.creates)
    return bool(
        connection.execute(text("SELECT pg_has_role(:o, 'USAGE')"), {"o": row.owner}).scalar()
    )


# --- helpers ----------------------------------------------------------------------------------


def _logins(roles: Roles) -> list[str]:
    return [roles.app] + ([roles.auditor] if roles.auditor is not None else [])


def _tables(connection: Connection) -> list[str]:
    rows = connection.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"),
        {"s": SCHEMA},
    )
    return list(rows.scalars())


def _columns(connection: Connection, table: str) -> set[str]:
    rows = connection.execute(
        text(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = :s AND table_name = :t"
        ),
        {"s": SCHEMA, "t": table},
    )
    return set(rows.scalars())


def _current_database(connection: Connection) -> str:
    return str(connection.execute(text("SELECT current_database()")).scalar_one())


def _psycopg(connection: Connection) -> psycopg.Connection[object]:
    """The driver's own connection under SQLAlchemy's (a PostgreSQL URL uses psycopg)."""
    return cast("psycopg.Connection[object]", connection.connection.dbapi_connection)


def _run(connection: Connection, statement: sql.SQL | sql.Composed) -> None:
    """A statement built with psycopg's quoting (identifiers and literals), run in the
    connection's transaction."""
    _psycopg(connection).execute(statement)


# --- the whole set-up, for `ketachart init` -------------------------------------------------


def set_up(url: str, app: str, auditor: str | None, owner: str | None, passwords: Passwords) -> str:
    """Create and check the roles as the connecting superuser (or owner), and return the URL
    that connects as the owner, to migrate with; `grant` follows the migration."""
    engine = create_database_engine(url)
    try:
        with engine.begin() as connection:
            roles = Roles(owner or default_owner(connection), app, auditor)
            prepare(connection, roles, passwords)
            me = str(connection.execute(text("SELECT current_user")).scalar_one())
    finally:
        engine.dispose()
    return url if roles.owner == me else with_owner_role(url, roles.owner)


def with_owner_role(url: str, owner: str) -> str:
    """`url`, acting as `owner` from its first statement (libpq's `-c role=`): the tables a
    migration creates are the owner's, whoever connected."""
    parsed = make_url(url).update_query_dict({"options": f"-c role={check_role_name(owner)}"})
    return parsed.render_as_string(hide_password=False)


def login_url(url: str, role: str) -> str:
    """The URL that connects to the same database as `role` (without its password)."""
    parsed = make_url(url)
    query = {k: v for k, v in parsed.query.items() if k != "options"}
    return parsed.set(username=role, password=None, query=query).render_as_string()
