"""Applying the packaged Alembic migrations, with a copy of an SQLite file made first."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from ketachart.errors import StorageError
from ketachart.storage import pg_roles
from ketachart.storage.backup import copy_online
from ketachart.storage.database import Database

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(database: Database) -> None:
    """Bring the schema to the newest revision; copy an existing SQLite file first."""
    with database.engine.connect() as connection:
        current = current_revision(connection)
        connection.rollback()
    head = head_revision()
    if current == head:
        return
    if current is not None and not _known_revision(current):
        raise StorageError(
            "This database was made by a newer version of ketachart, or it is damaged: its "
            "schema version is not one this version knows. Nothing was changed. Use the newer "
            "version, or restore a backup (see README: Backup and restore)."
        )
    path = database.sqlite_path
    if current is not None and path is not None:
        backup_before_migration(path, current, head)
    if database.dialect_name == "postgresql":
        _upgrade_postgres(database, head)
    else:
        run_alembic(database, "upgrade", head)


def _upgrade_postgres(database: Database, head: str) -> None:
    """Only the schema's owner migrates; the application and auditor roles then get their
    grants again, on every table and column the migration added (storage.pg_roles)."""
    with database.engine.connect() as connection:
        allowed = pg_roles.can_migrate(connection)
        granted = pg_roles.granted_roles(connection)
        connection.rollback()
    if not allowed:
        raise StorageError(
            "This database needs an upgrade for this version of ketachart, and the role it "
            "connects as may not change the schema. Nothing was changed. Run `ketachart init` "
            "once with the owner's URL (see README: PostgreSQL), then start again."
        )
    run_alembic(database, "upgrade", head)
    with database.engine.begin() as connection:
        pg_roles.grant(connection, *granted)


def _known_revision(revision: object) -> bool:
    script = ScriptDirectory.from_config(alembic_config())
    return any(r.revision == revision for r in script.walk_revisions())


def run_alembic(database: Database, verb: str, revision: str) -> None:
    config = alembic_config()
    with database.engine.connect() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)
        connection.commit()
    log.info("database migrated: %s to %s", verb, revision)


def backup_before_migration(path: Path, current: str, head: str) -> Path:
    """An online copy (SQLite backup API) of the file as it was before migrating."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.before-{head}-from-{current}-{stamp}{path.suffix}")
    copy_online(path, target)
    log.info("copied the database before migrating")
    return target
