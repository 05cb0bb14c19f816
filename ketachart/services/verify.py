"""Checking a database: SQLite integrity, every hash chain, every chain head, every signature,
every patient's versions against its row, every protocol version's and setting's versions
against its row, every session's protocol against the one it was opened with, every entry's
times (services.time_checks)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import partial

from sqlalchemy import select

from ketachart.domain.events import GENESIS_HASH, EventKind
from ketachart.domain.findings import Problem
from ketachart.domain.patient_versions import DETAIL_COLUMNS
from ketachart.domain.row_versions import RowVersionContent, chain_label, is_row_chain, row_of
from ketachart.domain.status_summary import status_summary
from ketachart.models import (
    AuditEntry,
    ChainHead,
    Event,
    InfusionSession,
    Patient,
    PatientVersion,
    ProtocolVersion,
    RowVersion,
)
from ketachart.services.chains import (
    AUDIT_CHAIN,
    UNREADABLE_ROW,
    audit_hash,
    envelope_of,
    session_chain,
    session_genesis,
)
from ketachart.services.entry_keys import verify_entry_signatures
from ketachart.services.key_checks import Certificates, verify_accounts
from ketachart.services.patient_history import all_versions, audited_versions, content_of
from ketachart.services.patient_search import search_aid_problems
from ketachart.services.row_history import (
    all_row_versions,
    audited_row_versions,
    current_rows,
    protocol_digest,
)
from ketachart.services.session_summaries import stored_summaries, summary_values
from ketachart.services.sessions import load_session, load_sessions
from ketachart.services.signing import verify_signatures
from ketachart.services.time_checks import time_problems
from ketachart.storage import dialect
from ketachart.storage.database import Tx

PATIENT_ROW_CHANGED = (
    "the patient's details differ from their latest recorded version: changed outside ketachart"
)
SESSION_RECORD_CHANGED = (
    "the session record (patient, protocol, chair, date or who opened it) was changed "
    "after the session was opened"
)
ROW_CHANGED = "the row differs from its latest recorded version: changed outside ketachart"
ROW_UNRECORDED = "the row has no recorded versions: added outside ketachart"
ROW_MISSING = "the row is missing but its versions are recorded: deleted outside ketachart"
SESSION_PROTOCOL_MISSING = "the protocol version it was opened with is missing"


def verify_all(tx: Tx, *, integrity: bool = True) -> list[Problem]:
    """Every problem found; an empty list means the database is intact. `integrity` False:
    SQLite's full integrity check has just run on this database (`ketachart verify` runs it
    before the sign-in writes anything), so it is not read a second time."""
    connection = tx.orm.connection()
    damage = dialect.full_integrity_problems(connection) if integrity else []
    problems = [Problem("database", m) for m in damage]
    heads = {h.chain: h for h in tx.orm.scalars(select(ChainHead))}
    for session_id in tx.orm.scalars(select(InfusionSession.id)).all():
        head = heads.get(session_chain(session_id))
        check = partial(verify_session_chain, tx, session_id, head)
        problems.extend(_readable(f"session {session_id}", check))
    problems.extend(_readable("audit trail", partial(_verify_audit, tx, heads.get(AUDIT_CHAIN))))
    problems.extend(_orphan_events(tx))
    problems.extend(_audited_events_missing(tx))
    certs = Certificates.read(tx)
    problems.extend(verify_accounts(tx, certs))
    problems.extend(verify_signatures(tx, certs))
    problems.extend(verify_entry_signatures(tx, certs))
    problems.extend(_verify_patients(tx))
    problems.extend(search_aid_problems(tx))
    problems.extend(_verify_row_versions(tx, heads))
    problems.extend(_sessions_protocols(tx))
    problems.extend(_readable("entry times", partial(time_problems, tx)))
    problems.extend(verify_session_summaries(tx))
    return problems


def _verify_row_versions(tx: Tx, heads: dict[str, ChainHead]) -> list[Problem]:
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
    chain: str, versions: Sequence[RowVersion], head: ChainHead | None, rebuilt: dict[str, str]
) -> list[Problem]:
    """Check one chain, and note in `rebuilt` each row's content as its newest version has it."""
    where = chain_label(chain)
    links = [(v.version, v.prev_hash, v.hash, _row_version_hash(v)) for v in versions]
    problems = _walk_chain(where, links)
    for version in versions:
        own_chain, label = row_of(json.loads(version.content))
        if own_chain != chain:
            problems.append(Problem(where, f"entry {version.version} is of another row: {label}"))
        else:
            rebuilt[label] = version.content
    newest = versions[-1] if versions else None
    problems.extend(
        _check_head(where, head, newest.version if newest else 0, newest.hash if newest else None)
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
    audited = audited_versions(tx)
    versions = all_versions(tx)
    problems: list[Problem] = []
    for patient in tx.orm.scalars(select(Patient).order_by(Patient.id)).all():
        mine = versions.get(patient.id, [])
        check = partial(_verify_patient, patient, mine, audited.get(str(patient.id), {}))
        problems.extend(_readable(f"patient {patient.id}", check))
    return problems


def _verify_patient(
    patient: Patient, versions: Sequence[PatientVersion], audited: dict[str, str]
) -> list[Problem]:
    where = f"patient {patient.id}"
    if not versions:
        return [Problem(where, "the patient has no recorded versions: added outside ketachart")]
    links = [
        (v.version, v.prev_hash, v.hash, content_of(v).compute_hash(v.prev_hash)) for v in versions
    ]
    problems = _walk_chain(where, links)
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


def verify_session_chain(tx: Tx, session_id: str, head: ChainHead | None) -> list[Problem]:
    rows = tx.orm.scalars(
        select(Event).where(Event.session_id == session_id).order_by(Event.seq)
    ).all()
    where = f"session {session_id}"
    problems = _walk_chain(
        where,
        [(r.seq, r.prev_hash, r.hash, envelope_of(r).compute_hash()) for r in rows],
        (session_genesis(tx, session_id), SESSION_RECORD_CHANGED),
    )
    if rows and rows[0].kind != EventKind.SESSION_OPENED.value:
        problems.append(Problem(where, "the first event is not the session opening"))
    problems.extend(
        _check_head(where, head, rows[-1].seq if rows else 0, rows[-1].hash if rows else None)
    )
    return problems


def _verify_audit(tx: Tx, head: ChainHead | None) -> list[Problem]:
    rows = tx.orm.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    problems = _walk_chain(
        "audit trail", [(r.seq, r.prev_hash, r.hash, audit_hash(r)) for r in rows]
    )
    problems.extend(
        _check_head(
            "audit trail", head, rows[-1].seq if rows else 0, rows[-1].hash if rows else None
        )
    )
    return problems


def _walk_chain(
    where: str,
    links: Sequence[tuple[int, str, str, str]],
    genesis: tuple[str, str] = (GENESIS_HASH, "entry 1 does not start the chain"),
) -> list[Problem]:
    """Each link: (seq, stored prev hash, stored hash, recomputed hash). `genesis`: what the
    first entry links to, and what it means when it does not."""
    problems: list[Problem] = []
    expected_prev, expected_seq = genesis[0], 1
    for seq, prev_hash, stored, recomputed in links:
        if seq != expected_seq:
            problems.append(
                Problem(where, f"entry {expected_seq} is missing or out of order (found {seq})")
            )
        if prev_hash != expected_prev:
            broken = genesis[1] if seq == 1 else f"entry {seq} does not link to the entry before it"
            problems.append(Problem(where, broken))
        if stored != recomputed:
            problems.append(Problem(where, f"entry {seq} was changed after it was written"))
        expected_prev, expected_seq = stored, seq + 1
    return problems


def _check_head(where: str, head: ChainHead | None, seq: int, digest: str | None) -> list[Problem]:
    if head is None:
        return [] if seq == 0 else [Problem(where, "the chain head record is missing")]
    if head.seq != seq or head.hash != digest:
        return [
            Problem(
                where,
                f"the chain ends at entry {seq} but its head record says "
                f"{head.seq}: newest entries were removed or the head was altered",
            )
        ]
    return []


def _orphan_events(tx: Tx) -> Iterable[Problem]:
    known = set(tx.orm.scalars(select(InfusionSession.id)).all())
    for session_id in tx.orm.scalars(select(Event.session_id).distinct()).all():
        if session_id not in known:
            yield Problem(f"session {session_id}", "events exist for a session that is missing")


def _audited_events_missing(tx: Tx) -> list[Problem]:
    """Every charted entry has an audit entry naming it; an entry the audit trail names but
    the timeline lacks was removed (even if the chain head was rewritten to hide it), and an
    entry no audit entry names was added behind ketachart's back, or its audit entry was cut
    (even if the audit trail's head was rewritten to hide it)."""
    audited = tx.orm.execute(
        select(AuditEntry.target_id, AuditEntry.detail).where(
            AuditEntry.action.like("chart.%"), AuditEntry.action != "chart.view"
        )
    ).all()
    rows = tx.orm.execute(select(Event.id, Event.session_id))
    present = {event_id: session_id for event_id, session_id in rows}
    missing = Counter(sid for sid, event_id in audited if event_id and event_id not in present)
    named = {event_id for _, event_id in audited}
    unaudited = Counter(sid for event_id, sid in present.items() if event_id not in named)
    return [
        *(
            Problem(
                f"session {sid}",
                f"{n} audited entr{'y is' if n == 1 else 'ies are'} missing from the timeline",
            )
            for sid, n in missing.items()
        ),
        *(
            Problem(
                f"session {sid}",
                f"{n} entr{'y has' if n == 1 else 'ies have'} no audit entry: added outside "
                "ketachart, or the audit trail was cut",
            )
            for sid, n in unaudited.items()
        ),
    ]


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
