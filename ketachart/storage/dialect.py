"""Every piece of SQL that only one engine understands lives here."""

from __future__ import annotations

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


def configure_sqlite_connection(dbapi_connection: Any) -> None:
    """Durability pragmas for every new SQLite connection; transactions are begun by us."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = FULL")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()
        if mode is not None and str(mode[0]).lower() != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def begin(connection: Connection, *, write: bool) -> None:
    """Start a transaction. Writers take the write lock up front, so two workstations wait
    for each other instead of failing halfway (BEGIN IMMEDIATE / an advisory lock)."""
    name = connection.dialect.name
    if name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
    elif name == "postgresql" and write:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})


def integrity_problems(connection: Connection) -> list[str]:
    """SQLite's quick check; PostgreSQL checksums its own pages, so nothing to add there."""
    if connection.dialect.name != "sqlite":
        return []
    rows = connection.exec_driver_sql("PRAGMA quick_check").fetchall()
    messages = [str(row[0]) for row in rows]
    return [] if messages == ["ok"] else messages


def full_integrity_problems(connection: Connection) -> list[str]:
    if connection.dialect.name != "sqlite":
        return []
    rows = connection.exec_driver_sql("PRAGMA integrity_check").fetchall()
    messages = [str(row[0]) for row in rows]
    return [] if messages == ["ok"] else messages
