"""Every piece of SQL that only one engine understands lives here."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Connection, text

WRITE_LOCK_KEY = 7_406_311  # pg advisory lock: serialises ketachart writers on one server


def append_only_ddl(dialect: str, table: str) -> list[str]:
    """Triggers that make the database itself refuse UPDATE and DELETE on `table`."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END",
        ]
    if dialect == "postgresql":
        return [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ketachart_refuse_change()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ketachart_refuse_change()",
        ]
    raise ValueError(f"unsupported database engine: {dialect}")


def refuse_change_function_ddl(dialect: str) -> list[str]:
    if dialect != "postgresql":
        return []
    return [
        "CREATE OR REPLACE FUNCTION ketachart_refuse_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
        "'% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$"
    ]


def drop_append_only_ddl(dialect: str, table: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update",
            f"DROP TRIGGER IF EXISTS {table}_no_delete",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
    ]


def drop_refuse_change_function_ddl(dialect: str) -> list[str]:
    return ["DROP FUNCTION IF EXISTS ketachart_refuse_change()"] if dialect == "postgresql" else []


def configure_sqlite_connection(dbapi_connection: Any, *, read_only: bool = False) -> None:
    """Pragmas for every new SQLite connection; transactions are begun by us. Nothing here
    writes to the file: it may be damaged (WAL is set by `use_wal`, later). Writable: full
    durability. Read-only (a file that cannot be written): SQLite itself refuses any change."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA query_only = ON" if read_only else "PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA journal_mode")  # only reads, but makes SQLite load the schema
    except UnicodeDecodeError as error:
        # sqlite3 cannot even decode the error message: the schema itself holds garbage
        raise sqlite3.DatabaseError("database schema is malformed (unreadable text)") from error
    finally:
        cursor.close()


def _sqlite_journal_mode(connection: Connection) -> str:
    return str(connection.exec_driver_sql("PRAGMA journal_mode").scalar()).lower()


def use_wal(connection: Connection) -> None:
    """Put an SQLite file in WAL mode (kept in the file); only once it passed its check."""
    if _sqlite_journal_mode(connection) not in ("wal", "memory"):
        connection.exec_driver_sql("PRAGMA journal_mode = WAL")


def begin(connection: Connection, *, write: bool) -> None:
    """Start a transaction. Writers take the write lock up front, so two workstations wait
    for each other instead of failing halfway (BEGIN IMMEDIATE / an advisory lock)."""
    name = connection.dialect.name
    if name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
    elif name == "postgresql" and write:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})


def integrity_problems(
    connection: Connection, tables: tuple[str, ...], *, full: bool, file_bytes: int | None
) -> list[str]:
    """The check at open, in time independent of the file's size (PostgreSQL checksums its
    own pages: nothing to add there). `full`: SQLite's full check instead (a file about to
    be switched to WAL mode, which writes to it). Otherwise: the schema, then SQLite's quick
    check of `tables` alone (the small ones every sign-in reads: a few pages, whatever the
    number of events), then the file's length against the page count its header records
    (`file_bytes`, None when a write-ahead log holds pages the file does not have yet). The
    rest of the file is checked by the full check: verify, each backup copy, and the daily
    check in the background (services.integrity)."""
    if connection.dialect.name != "sqlite":
        return []
    if full:
        return full_integrity_problems(connection)
    problems = _sqlite_check(connection, "quick_check(sqlite_master)")
    present = set(connection.exec_driver_sql("SELECT name FROM sqlite_master").scalars())
    for table in tables:
        if table in present:
            problems.extend(_sqlite_check(connection, f"quick_check({table})"))
    if file_bytes is not None:
        problems.extend(_missing_pages(connection, file_bytes))
    return problems


def in_wal_mode(connection: Connection) -> bool:
    return _sqlite_journal_mode(connection) in ("wal", "memory")


def _missing_pages(connection: Connection, file_bytes: int) -> list[str]:
    """A file cut short (by a copy or a disk that lost its end): its header counts more
    pages than it holds. SQLite itself would only notice when it reads a missing page."""
    pages = int(connection.exec_driver_sql("PRAGMA page_count").scalar() or 0)
    page_size = int(connection.exec_driver_sql("PRAGMA page_size").scalar() or 0)
    if pages * page_size <= file_bytes:
        return []
    return [f"the file holds {file_bytes} bytes, its header counts {pages} pages of {page_size}"]


def full_integrity_problems(connection: Connection) -> list[str]:
    return _sqlite_check(connection, "integrity_check")


def _sqlite_check(connection: Connection, pragma: str) -> list[str]:
    """The problems one of SQLite's check pragmas reports (none: it said 'ok')."""
    if connection.dialect.name != "sqlite":
        return []
    rows = connection.exec_driver_sql(f"PRAGMA {pragma}").fetchall()
    messages = [str(row[0]) for row in rows]
    return [] if messages == ["ok"] else messages


def role_may_write(connection: Connection) -> bool:
    """Whether the connected PostgreSQL role may add to the audit trail: the read-only
    auditor role may not (it has SELECT alone), and then the database opens read-only, as a
    file that cannot be written does. A database not yet made counts as writable."""
    query = text(
        "SELECT to_regclass('audit_entries') IS NULL "
        "OR has_table_privilege(current_user, 'audit_entries', 'INSERT')"
    )
    return bool(connection.execute(query).scalar())
