"""The schema revision this code expects, readable without importing Alembic (fast startup).
A test checks it against the newest packaged migration."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

SCHEMA_HEAD = "0010"


def stored_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
