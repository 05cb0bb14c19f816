"""Is the write lock free right now? Asked from outside the application's connections, without
waiting: how a test shows that slow work (rendering a PDF, a print spooler) holds no lock that
a bedside save on another workstation would have to wait for (storage.dialect.begin)."""

from __future__ import annotations

import sqlite3

import psycopg

from ketachart.storage.database import Database
from ketachart.storage.dialect import WRITE_LOCK_KEY


def write_lock_is_free(db: Database) -> bool:
    """True if another workstation could begin a write transaction at once."""
    path = db.sqlite_path
    if path is not None:
        return _sqlite_lock_is_free(str(path))
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    return _postgres_lock_is_free(url)


def _sqlite_lock_is_free(path: str) -> bool:
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


def _postgres_lock_is_free(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute("SELECT pg_try_advisory_lock(%s)", (WRITE_LOCK_KEY,)).fetchone()
        free = bool(row and row[0])
        if free:
            connection.execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK_KEY,))
        return free
