"""Checking a database: SQLite integrity, every hash chain, every chain head, every signature,
every patient's versions against its row, every protocol version's and setting's versions
against its row, every session's protocol against the one it was opened with, every entry's
times (services.time_checks)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import partial

from sqlalchemy import ColumnElement, select

from ketachart.domain.findings import Problem
from ketachart.domain.patient_versions import DETAIL_COLUMNS
from ketachart.domain.row_versions import RowVersionContent, chain_label, is_row_chain, row_of
from ketachart.domain.status_summary import status_summary
from ketachart.models import (
    AuditEntry,
    ChainHead,
    InfusionSession,
    Patient,
    PatientVersion,
    ProtocolVersion,
    RowVersion,
)
from ketachart.services.chain_walk import ChainWalk, Head, check_head, walk_chain
from ketachart.services.chains import AUDIT_CHAIN, UNREADABLE_ROW, audit_hash, session_chain
from ketachart.services.clock_guard import verifying_now
from ketachart.services.key_checks import Certificates, verify_accounts
from ketachart.services.patient_history import audited_versions, content_of, versions_by_patient
from ketachart.services.patient_search import search_aid_problems
from ketachart.services.row_history import (
    all_row_versions,
    audited_row_versions,
    current_rows,
    protocol_digest,
)
from ketachart.services.session_summaries import stored_summaries, summary_values
from ketachart.services.sessions import load_session, load_sessions
from ketachart.services.verify_timeline import (
    BATCH,
    SESSION_RECORD_CHANGED,
    Progress,
    Scope,
    timeline_findings,
)
from ketachart.storage import dialect
from ketachart.storage.database import Tx

__all__ = ["SESSION_RECORD_CHANGED", "Scope", "verify_all"]

PATIENT_ROW_CHANGED = (
    "the patient's details differ from their latest recorded version: changed outside ketachart"
)
ROW_CHANGED = "the row differs from its latest recorded version: changed outside ketachart"
ROW_UNRECORDED = "the row has no recorded versions: added outside ketachart"
ROW_MISSING = "the row is missing but its versions are recorded: deleted outside ketachart"
SESSION_PROTOCOL_MISSING = "the protocol version it was opened with is missing"


def verify_all(
    tx: Tx,
    *,
    integrity: bool = True,
    scope: Scope | None = None,
    progress: Progress | None = None,
) -> list[Problem]:
    """Every problem found; an empty list means the database is intact. `integrity` False:
    SQLite's full integrity check has just run on this database (`ketachart verify` runs it
    before the sign-in writes anything), so it is not read a second time. `scope`: only part
    of the timeline and audit trail (verify_timeline.Scope); `progress`: told of each
    session's events as they are checked. Memory stays flat at any size: the events and the
    audit trail are streamed, each read once."""
    connection = tx.orm.connection()
    damage = dialect.full_integrity_problems(connection) if integrity else []
    problems = [Problem("database", m) for m in damage]
    certs = Certificates.read(tx)
    now = verifying_now(tx)
    scope = scope or Scope()
    timeline = timeline_findings(tx, certs, now, scope, progress or _quiet)
    problems.extend(timeline.chains)
    problems.extend(_readable("audit trail", partial(_verify_audit, tx, scope)))
    problems.extend([*timeline.orphans, *timeline.missing, *timeline.unaudited])
    problems.extend(verify_accounts(tx, certs))
    problems.extend([*timeline.signatures, *timeline.entry_signatures])
    problems.extend(_verify_patients(tx))
    problems.extend(search_aid_problems(tx))
    problems.extend(_verify_row_versions(tx, _row_chain_heads(tx)))
    problems.extend(_sessions_protocols(tx))
    problems.extend(timeline.times)
    problems.extend(verify_session_summaries(tx))
    return problems


def _quiet(_: int) -> None:
    """No progress shown."""


def _row_chain_heads(tx: Tx) -> dict[str, Head]:
    """The head records of the protocol and setting chains (not the sessions': O(sessions))."""
    query = select(ChainHead.chain, ChainHead.seq, ChainHead.hash).where(
        ~ChainHead.chain.like(f"{session_chain('')}%"), ChainHead.chain != AUDIT_CHAIN
    )
    return {chain: (seq, digest) for chain, seq, digest in tx.orm.execute(query)}


def _verify_audit(tx: Tx, scope: Scope) -> list[Problem]:
    """The audit trail's chain, streamed in order keeping only the entry before. A partial
    check starts after the anchored entry (`scope.audit_after`: its link to that entry is
    checked) or at the first entry of the period (whose link back cannot be checked); only a
    walk that reaches the newest entry is checked against the head record."""
    query = select(*AuditEntry.__table__.columns).order_by(AuditEntry.seq)
    walk = ChainWalk("audit trail")
    if scope.audit_after is not None:
        seq, digest = scope.audit_after
        query = query.where(AuditEntry.seq > seq)
        walk = ChainWalk("audit trail", (digest, "entry 1 does not start the chain"), seq + 1)
        walk.last = scope.audit_after
    elif scope.dated:
        query = query.where(*_audit_period(scope))
    rows = tx.orm.execute(query.execution_options(yield_per=BATCH))
    problems: list[Problem] = []
    for row in rows:
        if walk.last is None and scope.dated:  # the period's first entry: its link is unseen
            walk = ChainWalk("audit trail", (row.prev_hash, ""), row.seq)
        problems.extend(walk.step(row.seq, row.prev_hash, row.hash, audit_hash(row)))
    if not scope.dated:
        head = tx.orm.execute(
            select(ChainHead.seq, ChainHead.hash).where(ChainHead.chain == AUDIT_CHAIN)
        ).first()
        newest: tuple[int, str | None] = walk.last if walk.last else (0, None)
        recorded = None if head is None else (head.seq, head.hash)
        problems.extend(check_head("audit trail", recorded, *newest))
    return problems


def _audit_period(scope: Scope) -> list[ColumnElement[bool]]:
    """The audit entries written on the scope's days (the clinic's local days)."""
    conditions = []
    if scope.first_day is not None:
        conditions.append(AuditEntry.at >= _local_midnight(scope.first_day))
    if scope.last_day is not None:
        conditions.append(AuditEntry.at < _local_midnight(scope.last_day + timedelta(days=1)))
    return conditions


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


def _verify_row_versions(tx: Tx, heads: dict[str, Head]) -> list[Problem]:
    """Each protocol code's and setting key's chain of versions is intact and ends at its
    head, and the rows rebuilt from the chains are the rows stored."""
    chains = all_row_versions(tx)
    audited = audited_row_versions(tx)
    rebuilt: dict[str, str] = {}
    problems: list[Problem] = []
    named = set(chains) | {c for c in (*heads, *audited) if is_row_chain(c)}
    for chain in sorted(named):
        versions = chains.get(chain, [])
        check = partial(_verify_row_chain, chain, versions, heads.get(chain), rebuilt)
        problems.extend(_readable(chain_label(chain), check))
        problems.extend(_unaudited_versions(chain_label(chain), versions, audited.get(chain, {})))
    problems.extend(_rows_against_versions(current_rows(tx), rebuilt))
    return problems


def _verify_row_chain(
    chain: str, versions: Sequence[RowVersion], head: Head | None, rebuilt: dict[str, str]
) -> list[Problem]:
    """Check one chain, and note in `rebuilt` each row's content as its newest version has it."""
    where = chain_label(chain)
    links = [(v.version, v.prev_hash, v.hash, _row_version_hash(v)) for v in versions]
    problems = walk_chain(where, links)
    for version in versions:
        own_chain, label = row_of(json.loads(version.content))
        if own_chain != chain:
            problems.append(Problem(where, f"entry {version.version} is of another row: {label}"))
        else:
            rebuilt[label] = version.content
    newest = versions[-1] if versions else None
    problems.extend(
        check_head(where, head, newest.version if newest else 0, newest.hash if newest else None)
    )
    return problems


def _row_version_hash(row: RowVersion) -> str:
    content = RowVersionContent(
        row.chain, row.version, row.content, row.recorded_at, row.recorded_by
    )
    return content.compute_hash(row.prev_hash)


def _rows_against_versions(rows: dict[str, str], rebuilt: dict[str, str]) -> Iterable[Problem]:
    for label in sorted(rows.keys() | rebuilt.keys()):
        if label not in rebuilt:
            yield Problem(label, ROW_UNRECORDED)
        elif label not in rows:
            yield Problem(label, ROW_MISSING)
        elif rows[label] != rebuilt[label]:
            yield Problem(label, ROW_CHANGED)


def _sessions_protocols(tx: Tx) -> Iterable[Problem]:
    """Each session's protocol version still has the content it was opened with (sessions
    opened before the digest was kept have none to compare)."""
    rows = tx.orm.execute(
        select(InfusionSession.id, InfusionSession.protocol_digest, ProtocolVersion)
        .outerjoin(ProtocolVersion, ProtocolVersion.id == InfusionSession.protocol_id)
        .where(InfusionSession.protocol_digest.is_not(None))
        .order_by(InfusionSession.id)
        .execution_options(yield_per=BATCH)  # streamed: one row per session
    )
    digests: dict[int, str] = {}
    for session_id, digest, joined in rows:
        protocol: ProtocolVersion | None = joined  # None: the outer join found no row
        if protocol is None:
            yield Problem(f"session {session_id}", SESSION_PROTOCOL_MISSING)
            continue
        if protocol.id not in digests:
            digests[protocol.id] = protocol_digest(protocol)
        if digests[protocol.id] != digest:
            yield Problem(
                f"session {session_id}",
                f"its protocol ({protocol.code} v{protocol.version}) was changed after the "
                "session was opened",
            )


def _verify_patients(tx: Tx) -> list[Problem]:
    """Each patient's version chain is intact and agrees with the audit trail, and the
    patients row shows its latest version."""
    versions = _Peekable(versions_by_patient(tx))
    patients = select(Patient).order_by(Patient.id).execution_options(yield_per=BATCH)
    problems: list[Problem] = []
    for patient in tx.orm.scalars(patients):
        while versions.next is not None and versions.next[0] < patient.id:
            versions.advance()  # versions of a patient whose row is gone: not checked here
        mine = versions.advance()[1] if versions.next and versions.next[0] == patient.id else []
        audited = audited_versions(tx, patient.id)
        check = partial(_verify_patient, patient, mine, audited)
        problems.extend(_readable(f"patient {patient.id}", check))
    return problems


class _Peekable:
    """A stream of (patient id, versions) whose next item can be looked at first (a merge of
    the patients and their versions, both in patient id order)."""

    def __init__(self, items: Iterator[tuple[int, list[PatientVersion]]]) -> None:
        self._items = items
        self.next = next(items, None)

    def advance(self) -> tuple[int, list[PatientVersion]]:
        current = self.next
        assert current is not None
        self.next = next(self._items, None)
        return current


def _verify_patient(
    patient: Patient, versions: Sequence[PatientVersion], audited: dict[str, str]
) -> list[Problem]:
    where = f"patient {patient.id}"
    if not versions:
        return [Problem(where, "the patient has no recorded versions: added outside ketachart")]
    links = [
        (v.version, v.prev_hash, v.hash, content_of(v).compute_hash(v.prev_hash)) for v in versions
    ]
    problems = walk_chain(where, links)
    problems.extend(_unaudited_versions(where, versions, audited))
    current = tuple(getattr(patient, c) for c in DETAIL_COLUMNS)
    if current != content_of(versions[-1]).details():
        problems.append(Problem(where, PATIENT_ROW_CHANGED))
    return problems


def _unaudited_versions(
    where: str,
    versions: Sequence[PatientVersion | RowVersion],
    audited: dict[str, str],
) -> Iterable[Problem]:
    """Versions the audit trail does not name as they are: a chain rewritten consistently
    still disagrees with it. Only a version recorded by no one (made when versions began,
    or before any account existed) has no audit entry."""
    for version in versions:
        named = audited.get(str(version.version))
        if named is None and version.recorded_by is not None:
            yield Problem(where, f"version {version.version} has no audit entry")
        elif named is not None and named != version.hash:
            yield Problem(where, f"version {version.version} differs from the one audited")
    present = {str(v.version) for v in versions}
    for number in sorted(set(audited) - present, key=int):
        yield Problem(where, f"audited version {number} is missing")


def _readable(where: str, check: Callable[[], list[Problem]]) -> list[Problem]:
    """Run one check; rows altered so badly they cannot be read are reported, not raised."""
    try:
        return check()
    except UNREADABLE_ROW:
        return [Problem(where, "an entry cannot be read: its stored values were altered")]


SUMMARY_MISSING = "the session has no summary row: deleted outside ketachart"
SUMMARY_BATCH = 500
"""Sessions derived at a time when checking summary rows: memory stays bounded."""


def verify_session_summaries(tx: Tx) -> list[Problem]:
    """Each session's summary row (the review queue's index) is what its timeline derives
    (domain.status_summary): a row changed or deleted outside ketachart could hide a session
    from the queue. A session whose entries cannot be read is reported by the chain check."""
    session_ids = tx.orm.scalars(select(InfusionSession.id).order_by(InfusionSession.id)).all()
    problems: list[Problem] = []
    for start in range(0, len(session_ids), SUMMARY_BATCH):
        batch = session_ids[start : start + SUMMARY_BATCH]
        stored = stored_summaries(tx, batch)
        for session_id, derived in _derived_summaries(tx, batch).items():
            problems.extend(_summary_problems(session_id, stored.get(session_id), derived))
    return problems


def _derived_summaries(tx: Tx, session_ids: Sequence[str]) -> dict[str, dict[str, object]]:
    """The summary each session's timeline gives, for the sessions whose entries can be read."""
    rows = tx.orm.scalars(select(InfusionSession).where(InfusionSession.id.in_(session_ids)))
    try:
        loaded = load_sessions(tx, list(rows))
    except UNREADABLE_ROW:  # one altered entry: read the others one session at a time
        loaded = {}
        for session_id in session_ids:
            try:
                loaded[session_id] = load_session(tx, session_id)
            except UNREADABLE_ROW:
                continue
    derived = {}
    for session_id, session in loaded.items():
        try:
            summary = status_summary(session.state(), session.events)
        except (*UNREADABLE_ROW, StopIteration):  # no events, or no opening among them
            continue
        derived[session_id] = summary_values(summary)
    return derived


def _summary_problems(
    session_id: str, stored: dict[str, object] | None, derived: dict[str, object]
) -> list[Problem]:
    where = f"session {session_id}"
    if stored is None:
        return [Problem(where, SUMMARY_MISSING)]
    differing = [name for name, value in derived.items() if stored.get(name) != value]
    if not differing:
        return []
    return [
        Problem(
            where,
            f"its summary row ({', '.join(differing)}) differs from what its timeline says: "
            "one of the two was changed outside ketachart",
        )
    ]
