from __future__ import annotations

from ketachart.storage.database import Database
from ketachart.storage.migrate import head_revision
from ketachart.storage.schema import SCHEMA_HEAD, stored_revision


def test_schema_head_constant_is_the_newest_migration() -> None:
    assert head_revision() == SCHEMA_HEAD


def test_opened_database_is_at_schema_head(db: Database) -> None:
    with db.engine.connect() as connection:
        assert stored_revision(connection) == SCHEMA_HEAD
