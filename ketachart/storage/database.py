"""The Database object: engines, pragmas, transactions, the startup check, migrations."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlalchemy.orm import Session, sessionmaker

from ketachart.clock import Clock, SystemClock
from ketachart.errors import DatabaseDamaged, KetachartError, StorageError
from ketachart.storage import dialect
from ketachart.storage.errors import translate
from ketachart.storage.schema import SCHEMA_HEAD, stored_revision

log = logging.getLogger(__name__)
WRITE_OPTION = "ketachart_write"


@dataclass
class Tx:
    """One unit of work: the ORM session, the moment the action happened, and the database's
    memo of immutable rows already read (see services.session_cache)."""

    orm: Session
    now: datetime
    memo: dict[str, Any] = field(default_factory=dict)


class Database:
    """A ketachart database. `transaction()` is one user action; `reading()` only reads."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self._writer = sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self.memo: dict[str, Any] = {}

    @property
    def dialect_name(self) -> str:
        return self.engine.dialect.name

    @property
    def sqlite_path(self) -> Path | None:
        database = self.engine.url.database
        if self.dialect_name != "sqlite" or not database or database == ":memory:":
            return None
        return Path(database)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Write transaction: committed when the block ends, rolled back on any error."""
        with _translated(), self._writer() as orm, orm.begin():
            yield Tx(orm, self.clock.now(), self.memo)

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        with _translated(), self._reader() as orm, orm.begin():
            yield Tx(orm, self.clock.now(), self.memo)
            orm.rollback()

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except exc.DBAPIError as error:
        problem = translate(error)
        log.warning("database error: %s (%s)", type(problem).__name__, type(error.orig).__name__)
        raise problem from error


def create_database_engine(url: str) -> Engine:
    """An engine with the durability settings for its dialect."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise StorageError(
            f"Not a database URL: {url!r}. Example: sqlite:///path/file.sqlite "
            "or postgresql+psycopg://user@host/db"
        ) from error
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StorageError("ketachart runs on SQLite or PostgreSQL only.")
    try:
        engine = create_engine(parsed, **_engine_options(parsed.get_backend_name()))
    except (ImportError, exc.ArgumentError) as error:
        raise StorageError(f"Cannot use this database URL: {error}") from error
    _install_listeners(engine)
    return engine


def _engine_options(backend: str) -> dict[str, Any]:
    if backend == "sqlite":
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "connect_args": {"connect_timeout": 5}}


def _install_listeners(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(
            engine, "connect", lambda conn, _record: dialect.configure_sqlite_connection(conn)
        )

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        write = bool(connection.get_execution_options().get(WRITE_OPTION))
        dialect.begin(connection, write=write)


def open_database(url: str, clock: Clock | None = None, *, migrate: bool = True) -> Database:
    """Open, check and (optionally) migrate a database, raising a KetachartError if it can't."""
    engine = create_database_engine(url)
    database = Database(engine, clock)
    try:
        check_integrity(database)
        if migrate and not _at_schema_head(database):
            from ketachart.storage.migrate import upgrade_to_head

            upgrade_to_head(database)
    except KetachartError:
        engine.dispose()
        raise
    return database


def _at_schema_head(database: Database) -> bool:
    with _translated(), database.engine.connect() as connection:
        revision = stored_revision(connection)
        connection.rollback()
    return revision == SCHEMA_HEAD


def check_integrity(database: Database) -> None:
    """Quick check at startup; a damaged database is never written to."""
    if database.sqlite_path is not None and not database.sqlite_path.exists():
        return
    with _translated(), database.engine.connect() as connection:
        problems = dialect.integrity_problems(connection)
    if problems:
        raise DatabaseDamaged(
            "The database failed its integrity check and will not be written "
            "to. Restore it from a backup (see README: Backup and restore)."
        )
