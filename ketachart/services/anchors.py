"""Checking a database's history against anchors kept outside it: the chain heads this
workstation saw (storage.anchors) and the chain heads in the daily backups of the database.

Someone with write access to the database can rewrite a chain and recompute every hash and
head, or cut its newest entries off, and the chains still check. They cannot change what a
workstation or a backup recorded earlier: the history must still extend each anchor, that
is, hold the anchored entry with the anchored hash. Reports name the chain and the anchor's
source, never patient data."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import Select, func, select

from ketachart.domain.codec import format_instant
from ketachart.domain.findings import Problem
from ketachart.domain.row_versions import chain_label, is_row_chain
from ketachart.models import AuditEntry, ChainHead, Event, RowVersion
from ketachart.services.backups import default_backup_folder
from ketachart.services.chains import AUDIT_CHAIN
from ketachart.services.verify_timeline import CHARTED, Scope
from ketachart.storage import backup, key_records
from ketachart.storage.anchors import (
    FILE_NAME,
    Anchor,
    AnchorBook,
    database_key,
    last_verified,
    note_verified,
)
from ketachart.storage.database import Database, Tx
from ketachart.storage.key_records import KeyRecord
from ketachart.storage.workstation import load_or_create

SESSION_PREFIX = "session:"


def workstation_anchor_file() -> Path:
    """This workstation's anchor file, in the user's data folder (beside the backups)."""
    return Path(user_data_dir("ketachart", appauthor=False)) / FILE_NAME


def keep_anchors(db: Database, path: Path | None = None) -> AnchorBook:
    """Make `db` record the chain heads it writes and reads in this workstation's file, and
    find the clinic key this workstation recorded in the file beside it, and name this
    workstation (kept in the same folder) in every audit entry it writes."""
    path = path or workstation_anchor_file()
    if db.workstation is None:
        db.workstation = load_or_create(path.parent)
    db.anchors = AnchorBook(
        path,
        database_key(db.engine.url),
        still_holds=partial(_still_holds, db),
    )
    db.key_record = KeyRecord(path.with_name(key_records.FILE_NAME), database_key(db.engine.url))
    return db.anchors


def _still_holds(db: Database, chain: str, seq: int, digest: str) -> bool:
    """Whether entry `seq` of `chain` still has the hash `digest`: read on a connection of
    its own, outside any transaction's anchor noting."""
    with db.engine.connect() as connection:
        return connection.scalar(_hash_query(chain, seq)) == digest


def backup_anchors(db: Database, folder: Path | None = None) -> list[Anchor]:
    """The chain heads in each daily backup of an SQLite database (none for PostgreSQL,
    whose backups are pg_dump files). A backup that cannot be read gives no anchor."""
    source = db.sqlite_path
    if source is None:
        return []
    found: list[Anchor] = []
    for path in backup.dated_backups(folder or default_backup_folder(), source):
        found.extend(anchors_in_backup(path))
    return found


def anchors_in_backup(path: Path) -> list[Anchor]:
    """The chain heads stored in the backup file `path`, read without writing to it."""
    try:
        reader = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            rows = reader.execute("SELECT chain, seq, hash FROM chain_heads").fetchall()
        finally:
            reader.close()
    except sqlite3.Error:
        return []
    named = backup.DATED_NAME.match(path.name)
    day = named["day"] if named else "an unknown day"
    return [Anchor(chain, seq, digest, day, f"backup {path}") for chain, seq, digest in rows]


def check_anchors(tx: Tx, anchors: Iterable[Anchor]) -> list[Problem]:
    """Every anchor the history no longer extends: cut short, or rewritten."""
    problems = []
    for anchor in anchors:
        problem = _check_one(tx, anchor)
        if problem is not None:
            problems.append(problem)
    return problems


def _check_one(tx: Tx, anchor: Anchor) -> Problem | None:
    where = _chain_label(anchor.chain)
    stored = _stored_hash(tx, anchor.chain, anchor.seq)
    seen = f"{anchor.source} recorded entry {anchor.seq} on {anchor.seen_at}"
    if stored is None:
        newest = _newest_seq(tx, anchor.chain)
        return Problem(
            where,
            f"the chain now ends at entry {newest}, but {seen}: newest entries were removed",
        )
    if stored != anchor.hash:
        return Problem(
            where,
            f"entry {anchor.seq} no longer has the hash {seen} with: the history was rewritten",
        )
    return None


def _chain_label(chain: str) -> str:
    """A chain's name as verify prints it ('session ID', 'audit trail', 'protocol CODE',
    'setting KEY')."""
    if chain.startswith(SESSION_PREFIX):
        return f"session {chain.removeprefix(SESSION_PREFIX)}"
    if is_row_chain(chain):
        return chain_label(chain)
    return "audit trail" if chain == AUDIT_CHAIN else chain


def _stored_hash(tx: Tx, chain: str, seq: int) -> str | None:
    return tx.orm.scalars(_hash_query(chain, seq)).first()


def _hash_query(chain: str, seq: int) -> Select[str]:
    """The stored hash of entry `seq` of `chain`."""
    if chain == AUDIT_CHAIN:
        return select(AuditEntry.hash).where(AuditEntry.seq == seq).limit(1)
    if is_row_chain(chain):
        return select(RowVersion.hash).where(RowVersion.chain == chain, RowVersion.version == seq)
    session_id = chain.removeprefix(SESSION_PREFIX)
    return select(Event.hash).where(Event.session_id == session_id, Event.seq == seq).limit(1)


def _newest_seq(tx: Tx, chain: str) -> int:
    if chain == AUDIT_CHAIN:
        query = select(func.max(AuditEntry.seq))
    elif is_row_chain(chain):
        query = select(func.max(RowVersion.version)).where(RowVersion.chain == chain)
    else:
        session_id = chain.removeprefix(SESSION_PREFIX)
        query = select(func.max(Event.seq)).where(Event.session_id == session_id)
    return tx.orm.scalar(query) or 0


def note_current_heads(tx: Tx, book: AnchorBook) -> None:
    """Record every chain's current head (after a clean verify), and write the file."""
    heads = {row.chain: (row.seq, row.hash) for row in tx.orm.scalars(select(ChainHead))}
    book.note(heads, format_instant(tx.now))
    book.flush()


def since_last_verified(tx: Tx, book: AnchorBook) -> Scope | None:
    """What `verify --since-last` checks (None: this workstation never verified this
    database clean): the audit trail after the entry that was its head then (the walk checks
    the link to it), and the sessions the audit trail records as charted since. Every entry
    ketachart writes has its audit entry; a change made behind its back to a session the
    audit trail does not name since then is left to the full verify."""
    mark = last_verified(book)
    if mark is None:
        return None
    charted = (
        select(AuditEntry.target_id)
        .where(AuditEntry.seq > mark.seq, AuditEntry.target_type == "session", *CHARTED)
        .distinct()
    )
    return Scope(sessions=frozenset(tx.orm.scalars(charted)), audit_after=(mark.seq, mark.hash))


def note_verified_head(tx: Tx, book: AnchorBook) -> None:
    """After a clean full or `--since-last` verify: the audit trail's head, the mark the next
    `--since-last` starts after."""
    head = tx.orm.get(ChainHead, AUDIT_CHAIN)
    if head is not None:
        note_verified(book, (head.seq, head.hash), format_instant(tx.now))
