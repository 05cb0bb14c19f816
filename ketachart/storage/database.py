"""The Database object: engines, pragmas, transactions, the startup check, migrations."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from filelock import FileLock
from sqlalchemy import URL, Engine, create_engine, event, exc, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from ketachart.clock import Clock, SystemClock, follows_real_time
from ketachart.domain.codec import format_instant
from ketachart.errors import BadDatabaseUrl, DatabaseDamaged, StorageError
from ketachart.storage import dialect
from ketachart.storage.anchors import SEEN_HEADS, AnchorBook
from ketachart.storage.caches import Caches
from ketachart.storage.errors import translate
from ketachart.storage.files import OWNER_FILE, create_private_file
from ketachart.storage.key_records import KeyRecord
from ketachart.storage.schema import SCHEMA_HEAD, stored_revision
from ketachart.storage.workstation import Workstation

log = logging.getLogger(__name__)
WRITE_OPTION = "ketachart_write"
NO_TRANSACTION_OPTION = "ketachart_no_transaction"  # for the few pragmas refused inside one
READ_ONLY_ENV = "KETACHART_READ_ONLY"
"""Set to 1 to open the database read-only (to look at a copy without any risk of writing)."""
DAMAGED_MESSAGE = (
    "The database failed its integrity check and will not be written "
    "to. Restore it from a backup (see README: Backup and restore)."
)


@dataclass
class Tx:
    """One unit of work: the ORM session, the moment the action happened, and the database's
    typed caches of what was already read (see storage.caches and services.session_cache)."""

    orm: Session
    now: datetime
    caches: Caches = field(default_factory=Caches)
    """The database's caches, shared by all its transactions (a Tx made alone gets its own)."""
    read_only: bool = False
    """The database cannot be written: reads work, audit entries of reads are skipped, and
    any real write fails with the read-only StorageError."""
    synthetic_history: bool = False
    """Back-dated history is written on purpose (the demo's): see Database.synthetic_history."""
    local: dict[str, Any] = field(default_factory=dict)
    """What this transaction alone may cache (e.g. chain heads, under its write lock)."""
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    """Run once the transaction has committed (e.g. to remember what it appended)."""
    after_rollback: list[Callable[[], None]] = field(default_factory=list)
    """Run if it did not commit (e.g. to remove a file that was to be put in place)."""
    workstation: Workstation | None = None
    """The workstation this transaction runs on, recorded with each of its audit entries."""
    real_time: bool = False
    """`now` follows real time (not a test's simulated clock): on PostgreSQL it is compared
    with the server's clock (services.clock_guard)."""


class Database:
    """A ketachart database. `transaction()` is one user action; `reading()` only reads.
    A `read_only` database (a file that cannot be written) begins its transactions as reads,
    so that looking works and every write fails with a clear message."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock | None = None,
        *,
        read_only: bool = False,
        synthetic_history: bool = False,
        workstation: Workstation | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self.read_only = read_only
        self.synthetic_history = synthetic_history
        """True only for the demo generator, whose clock is set back on purpose to write past
        days: its writes are not checked against the other clocks (services.clock_guard),
        where a clock found behind would be flagged."""
        writer = engine if read_only else engine.execution_options(**{WRITE_OPTION: True})
        self._writer = sessionmaker(writer, expire_on_commit=False)
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self.caches = Caches()
        """What this Database object keeps of what was read, for all its transactions."""
        self.anchors: AnchorBook | None = None
        """Where this workstation records the chain heads it sees (storage.anchors), if set."""
        self.workstation = workstation
        """Which workstation writes (storage.workstation), recorded with every audit entry."""
        self.key_record: KeyRecord | None = None
        """Where this workstation recorded the clinic key (storage.key_records), if set."""
        self.damaged = False
        """Set when a full integrity check, run after the open, found this database damaged
        (services.integrity): from then on every write transaction is refused."""

    @property
    def dialect_name(self) -> str:
        return self.engine.dialect.name

    @property
    def sqlite_path(self) -> Path | None:
        return sqlite_file_path(self.engine.url)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Write transaction: committed when the block ends, rolled back on any error."""
        if self.damaged:
            raise DatabaseDamaged(DAMAGED_MESSAGE)
        tx: Tx | None = None
        try:
            with _translated(self.sqlite_path), self._writer() as orm, orm.begin():
                orm.connection()  # the write lock first: `now` is read once it is ours
                tx = self._tx(orm)
                yield tx
        except BaseException:
            for undo in tx.after_rollback if tx is not None else ():
                undo()
            raise
        for callback in tx.after_commit:
            callback()
        self._note_heads(tx)

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        with _translated(self.sqlite_path), self._reader() as orm, orm.begin():
            tx = self._tx(orm)
            yield tx
            orm.rollback()
        self._note_heads(tx)

    def _note_heads(self, tx: Tx) -> None:
        """The chain heads a transaction wrote or read, as this workstation's anchors."""
        if self.anchors is None:
            return
        seen_at = format_instant(tx.now)
        self.anchors.note(tx.local.get("heads", {}), seen_at)
        self.anchors.note(tx.local.get(SEEN_HEADS, {}), seen_at)

    def _tx(self, orm: Session) -> Tx:
        """A transaction's Tx: the time now, and this database's caches and settings."""
        return Tx(
            orm,
            self.clock.now(),
            self.caches,
            read_only=self.read_only,
            synthetic_history=self.synthetic_history,
            workstation=self.workstation,
            real_time=follows_real_time(self.clock),
        )

    def dispose(self) -> None:
        if self.anchors is not None:
            self.anchors.flush_quietly()
        self.engine.dispose()


@contextmanager
def _translated(where: Path | None = None) -> Iterator[None]:
    """Driver errors as KetachartErrors; `where` is the SQLite file, named in some."""
    try:
        yield
    except exc.DBAPIError as error:
        problem = translate(error, where)
        log.warning("database error: %s (%s)", type(problem).__name__, type(error.orig).__name__)
        raise problem from error


def create_database_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine with the durability settings for its dialect (read-only: no writes at all)."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise BadDatabaseUrl(
            f"Not a database URL: {url!r}. Example: sqlite:///path/file.sqlite "
            "or postgresql+psycopg://user@host/db"
        ) from error
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise BadDatabaseUrl("ketachart runs on SQLite or PostgreSQL only.")
    options = _engine_options(parsed.get_backend_name())
    if read_only:
        options.update(_read_only_options(parsed))
    try:
        # hide_parameters: an error's text (and so a logged traceback) never holds the
        # values of a statement, which can be patient data
        engine = create_engine(parsed, hide_parameters=True, **options)
    except (ImportError, exc.ArgumentError) as error:
        raise BadDatabaseUrl(f"Cannot use this database URL: {error}") from error
    _install_listeners(engine, read_only)
    return engine


def _engine_options(backend: str) -> dict[str, Any]:
    if backend == "sqlite":
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "connect_args": {"connect_timeout": 5}}


def sqlite_file_path(url: URL) -> Path | None:
    """The file an SQLite URL names; None for another database or an in-memory one."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


def _read_only_options(url: URL) -> dict[str, Any]:
    if url.get_backend_name() != "sqlite":
        options = "-c default_transaction_read_only=on"
        return {"connect_args": {"connect_timeout": 5, "options": options}}
    path = sqlite_file_path(url)
    if path is None:
        raise StorageError("Only a database file can be opened read-only.")
    return {"creator": lambda: _connect_read_only(path)}


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection. In a folder that cannot be written, SQLite cannot create the
    WAL index (-shm) a WAL database needs; if no WAL content waits to be checkpointed, the
    file is then opened as immutable (read without any locking or index)."""
    uri = path.absolute().as_uri()
    connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30)
    try:
        connection.execute("PRAGMA schema_version").fetchone()
    except sqlite3.OperationalError:
        connection.close()
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise
        connection = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=30)
    return connection


def _install_listeners(engine: Engine, read_only: bool = False) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(
            engine,
            "connect",
            lambda conn, _record: dialect.configure_sqlite_connection(conn, read_only=read_only),
        )

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if not options.get(NO_TRANSACTION_OPTION):
            dialect.begin(connection, write=bool(options.get(WRITE_OPTION)))


def open_database(
    url: str,
    clock: Clock | None = None,
    *,
    migrate: bool = True,
    read_only: bool | None = None,
    workstation: Workstation | None = None,
) -> Database:
    """Open, check and (optionally) migrate a database, raising a KetachartError if it can't.
    `read_only` None: read-only if KETACHART_READ_ONLY=1 or the SQLite file (or its folder)
    cannot be written; such a database opens for looking, never migrates and refuses writes.
    `workstation`: the one writing (else services.anchors.keep_anchors names it)."""
    if read_only is None:
        read_only = wants_read_only(url)
    engine = create_database_engine(url, read_only=read_only)
    if not read_only and _role_cannot_write(engine):
        engine.dispose()
        read_only = True
        engine = create_database_engine(url, read_only=True)
    database = Database(engine, clock, read_only=read_only, workstation=workstation)
    try:
        check_integrity(database)
        if not read_only:
            _create_private_file(engine.url)  # a new file: before SQLite makes it
            _use_wal(database)
        if migrate and not _at_schema_head(database):
            _upgrade(database)
    except Exception:
        engine.dispose()
        raise
    return database


INIT_LOCK_KEY = 0x6B657461636861  # "ketacha": PostgreSQL's advisory lock of `init`


@contextmanager
def setting_up(url: str) -> Iterator[None]:
    """Hold the set-up lock of a database while `ketachart init` runs, so that two inits take
    turns. Without it, the second could open the SQLite file the first has just created
    (still empty) and call it damaged, or run the same migrations at the same time. For an
    SQLite file: a lock file beside it (`NAME.lock`: empty, owner-only, left in place; the
    filelock library locks it with flock, released when the process ends, however it ends).
    For PostgreSQL: an advisory lock of the database. Nothing to lock for an in-memory
    database, or a folder that does not exist (opening the database says so)."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        yield  # opening it says the URL is wrong
        return
    path = sqlite_file_path(parsed)
    if parsed.get_backend_name() == "postgresql":
        with _advisory_lock(url):
            yield
    elif path is not None and path.absolute().parent.is_dir():
        with FileLock(path.with_name(path.name + ".lock"), mode=OWNER_FILE):
            yield
    else:
        yield


@contextmanager
def _advisory_lock(url: str) -> Iterator[None]:
    engine = create_database_engine(url)
    try:
        with _translated(), engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": INIT_LOCK_KEY})
            connection.commit()
            yield
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": INIT_LOCK_KEY})
            connection.commit()
    finally:
        engine.dispose()


def _role_cannot_write(engine: Engine) -> bool:
    """A PostgreSQL role that may only read (the auditor role of `ketachart init`): the
    database then opens read-only, so a sign-in or a verify records nothing it may not."""
    if engine.dialect.name != "postgresql":
        return False
    try:
        with _translated(), engine.connect() as connection:
            return not dialect.role_may_write(connection)
    except Exception:
        engine.dispose()
        raise


def _create_private_file(url: URL) -> None:
    """Create a new SQLite database file for its owner alone, before SQLite would create it
    with the umask's permissions: SQLite then gives the -wal, -shm and -journal files the same
    0600 (storage.files). A missing folder or one that cannot be written is left to SQLite to
    report, as before."""
    path = sqlite_file_path(url)
    if path is None or path.exists() or url.query.get("mode") == "memory":
        return
    with contextlib.suppress(OSError):
        create_private_file(path)


def _upgrade(database: Database) -> None:
    if database.read_only:
        raise StorageError(
            "This database needs an upgrade for this version of ketachart, but it is "
            "read-only. Ask IT to check the file's permissions."
        )
    from ketachart.storage.migrate import upgrade_to_head

    with _translated(database.sqlite_path):
        upgrade_to_head(database)


def wants_read_only(url: str) -> bool:
    """True if KETACHART_READ_ONLY=1, or if the SQLite file exists but it or its folder
    cannot be written (SQLite needs the folder for its -wal and -shm files)."""
    if os.environ.get(READ_ONLY_ENV, "").strip() == "1":
        return True
    try:
        path = sqlite_file_path(make_url(url))
    except exc.ArgumentError:
        return False
    if path is None or not path.exists():
        return False
    return not (os.access(path, os.W_OK) and os.access(path.absolute().parent, os.W_OK))


def _use_wal(database: Database) -> None:
    """WAL mode is kept in the file, so it is set once, and only after the integrity check:
    switching the journal mode writes to the file."""
    if database.dialect_name == "sqlite":
        with _translated(database.sqlite_path), database.engine.connect() as connection:
            dialect.use_wal(connection.execution_options(**{NO_TRANSACTION_OPTION: True}))
            connection.commit()


def _at_schema_head(database: Database) -> bool:
    with _translated(), database.engine.connect() as connection:
        revision = stored_revision(connection)
        connection.rollback()
    return revision == SCHEMA_HEAD


OPEN_CHECKED_TABLES = ("alembic_version", "users", "settings", "protocol_versions")
"""The tables SQLite's quick check reads at every open: small (they grow with the staff and
the protocols, never with the events), and read by every sign-in and every command."""


def check_integrity(database: Database) -> None:
    """The check at every open, in time independent of the file's size (see
    dialect.integrity_problems: the schema, the small tables, a file cut short), or SQLite's
    full check before a file is first switched to WAL mode (the switch writes to it). A
    database found damaged is never written to. The full check of a file already in WAL mode
    runs in `verify`, on each backup copy, and daily in the background (services.integrity)."""
    path = database.sqlite_path
    if path is not None and not path.exists():
        return
    if path is not None and path.stat().st_size == 0:
        raise DatabaseDamaged(
            f"The database file {path} is empty (0 bytes): it holds no records and will "
            "not be used. If ketachart was never set up here, delete the empty file and "
            "start again; otherwise restore the latest backup (see README: Backup and "
            "restore)."
        )
    with _translated(path), database.engine.connect() as connection:
        full = database.dialect_name == "sqlite" and not database.read_only
        full = full and not dialect.in_wal_mode(connection)
        problems = dialect.integrity_problems(
            connection, OPEN_CHECKED_TABLES, full=full, file_bytes=_bytes_without_wal(path)
        )
    if problems:
        raise DatabaseDamaged(DAMAGED_MESSAGE)


def _bytes_without_wal(path: Path | None) -> int | None:
    """The SQLite file's length, if its write-ahead log holds no pages it lacks (a log with
    content, after a crash or beside another workstation's writes, is read with it)."""
    if path is None:
        return None
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return None
    return path.stat().st_size
