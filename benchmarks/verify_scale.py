"""What `verify` costs as the record grows, printed, never asserted:
`python -m benchmarks.verify_scale [--events 20000 200000] [--baseline main]`.

Issue 14: verify used 4.3 GB at 2 million events (264 MiB at 100,000): every audit entry was
loaded as an ORM object in one list, and every signed session was read and hashed again after
the chain walk; it ran at about 2,000 events/s. It now reads each event once, streamed.

For each size, an SQLite database is built (below), then `verify_all` (every check but
SQLite's full integrity check, which is the same in both and is timed by
`benchmarks.open_cost`) runs in a child process, once with the code of `--baseline` (a git
revision, extracted with `git archive`: "before") and once with this tree ("after"), in the
same run. Printed: events/s and the child's peak resident memory (VmHWM, which includes
the interpreter and its imports: a bare child is printed too), and the after/before ratios.
Target: peak memory well under 200 MiB at any size.

The database: a small clinic charted through the services (prove.sample: signed, attested,
corrected and running sessions, each entry with its audit entry), then its sessions copied
in bulk until it holds N events, each copy a new session whose chain is hashed again from its
own session record by the project's functions (domain.events, services.chains.audit_hash),
whose attestations and signatures cover the copy's own content (services.signing) and are
signed again with the signer's own key, with its audit entries appended to the audit trail
and its summary row derived from its timeline (services.session_summaries):
`verify` finds the copies as clean as the originals. One transaction per 200 sessions.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from ketachart.domain import payloads as p
from ketachart.domain.events import (
    EventEnvelope,
    EventRecord,
    SessionHeader,
    decode_payload,
    encode_overrides,
    encode_payload,
)
from ketachart.domain.protocol import ProtocolSpec
from ketachart.domain.status_summary import status_summary
from ketachart.keys.signer import Signer
from ketachart.models import AuditEntry, ChainHead, Event, InfusionSession
from ketachart.services.chains import AUDIT_CHAIN, audit_hash, event_record, session_chain
from ketachart.services.protocols import get_protocol
from ketachart.services.session_summaries import _INSERT as _SUMMARY_INSERT
from ketachart.services.session_summaries import summary_values
from ketachart.services.sessions import LoadedSession, SessionRow
from ketachart.services.signing import signed_content_hash, signed_message
from prove.sample import chart_sample, new_clinic

SIZES = (20_000, 200_000)
SESSIONS_PER_TRANSACTION = 200
TARGET_MIB = 200
ROOT = Path(__file__).resolve().parent.parent

PEAK = """
def peak_kib():
    # VmHWM: this process's own peak resident memory (ru_maxrss would carry the benchmark
    # parent's size over the fork and exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""
CHILD = (
    PEAK
    + """
import json, sys, time
from ketachart.storage.database import open_database
from ketachart.services.verify import verify_all
db = open_database(sys.argv[1])
started = time.perf_counter()
with db.reading() as tx:
    problems = verify_all(tx, integrity=False)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "problems": [str(p) for p in problems[:5]],
                  "count": len(problems),
                  "maxrss_kib": peak_kib()}))
"""
)
BARE_CHILD = (
    PEAK
    + """
import json
import ketachart.services.verify, ketachart.storage.database
print(json.dumps({"maxrss_kib": peak_kib()}))
"""
)


@dataclass(frozen=True)
class Template:
    """One session charted through the services, to be copied."""

    row: SessionRow
    created_by: int
    protocol_digest: str | None
    events: tuple[EventRecord, ...]
    audit: dict[str, tuple[str, str, int | None, str]]
    """Per event id: its audit entry's action, username, user id and workstation."""


def build(path: Path, events: int) -> int:
    """The database at `path` with at least `events` events; how many it holds."""
    clinic = new_clinic(f"sqlite:///{path}")
    try:
        chart_sample(clinic, signed=4, unsigned=4)
        signers = {a.id: a.signer for a in (clinic.nurse, clinic.nurse2, clinic.physician)}
        with clinic.db.reading() as tx:
            templates = _templates(tx)
            protocols = {
                t.row.protocol_id: get_protocol(tx, t.row.protocol_id).spec for t in templates
            }
        held = sum(len(t.events) for t in templates)
        engine = clinic.db.engine
        while held < events:
            with engine.begin() as connection:
                for _ in range(SESSIONS_PER_TRANSACTION // len(templates)):
                    for template in templates:
                        _copy(connection, template, protocols, signers)
                        held += len(template.events)
            print(f"  built {held:,} events", end="\r", file=sys.stderr)
        print(file=sys.stderr)
        return held
    finally:
        clinic.db.dispose()


def _templates(tx: object) -> list[Template]:
    orm = tx.orm  # type: ignore[attr-defined]
    audit = {
        row.detail: (row.action, row.username, row.user_id, row.workstation)
        for row in orm.execute(select(AuditEntry).where(AuditEntry.action.like("chart.%")))
        .scalars()
        .all()
    }
    templates = []
    for session in orm.scalars(select(InfusionSession).order_by(InfusionSession.created_at)):
        rows = orm.scalars(
            select(Event).where(Event.session_id == session.id).order_by(Event.seq)
        ).all()
        row = SessionRow(
            session.id,
            session.patient_id,
            session.protocol_id,
            session.chair,
            session.session_date,
            session.created_at,
        )
        records = tuple(event_record(r) for r in rows)
        mine = {r.id: audit[r.id] for r in records}
        templates.append(Template(row, session.created_by, session.protocol_digest, records, mine))
    return templates


def _copy(
    connection: Connection,
    template: Template,
    protocols: dict[int, ProtocolSpec],
    signers: dict[int, Signer | None],
) -> None:
    """One copy of `template` as a new session, hashed and signed again, with its audit
    entries at the end of the audit trail."""
    session_id = str(uuid.uuid4())
    ids = {e.id: str(uuid.uuid4()) for e in template.events}
    row = replace(template.row, id=session_id)
    header = SessionHeader(
        session_id,
        row.patient_id,
        row.protocol_id,
        row.chair,
        row.session_date,
        row.created_at,
        template.created_by,
        template.protocol_digest,
    )
    connection.execute(
        insert(_table(InfusionSession)),
        dict(
            id=session_id,
            patient_id=row.patient_id,
            protocol_id=row.protocol_id,
            chair=row.chair,
            session_date=row.session_date,
            created_at=row.created_at,
            created_by=template.created_by,
            protocol_digest=template.protocol_digest,
        ),
    )
    prev = header.genesis_hash()
    copied: list[EventRecord] = []
    rows = []
    for event in template.events:
        text = encode_payload(event.payload)
        for old, new in ids.items():
            text = text.replace(old, new)
        payload = _signed_again(event, text, row, protocols, copied, signers)
        envelope = EventEnvelope(
            ids[event.id],
            session_id,
            event.seq,
            event.kind,
            event.occurred_at,
            event.recorded_at,
            event.recorded_by,
            encode_payload(payload),
            _overrides_json(event),
            prev,
        )
        digest = envelope.compute_hash()
        copied.append(
            replace(
                event,
                id=envelope.id,
                session_id=session_id,
                payload=payload,
                prev_hash=prev,
                hash=digest,
            )
        )
        rows.append(
            dict(
                id=envelope.id,
                session_id=session_id,
                seq=event.seq,
                kind=event.kind.value,
                occurred_at=event.occurred_at,
                recorded_at=event.recorded_at,
                recorded_by=event.recorded_by,
                payload=envelope.payload_json,
                overrides=envelope.overrides_json,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    connection.execute(insert(_table(Event)), rows)
    connection.execute(
        insert(_table(ChainHead)),
        dict(chain=session_chain(session_id), seq=copied[-1].seq, hash=prev),
    )
    _audit_copies(connection, template, copied)
    loaded = LoadedSession(row, protocols[row.protocol_id], tuple(copied))
    summary = summary_values(status_summary(loaded.state(), loaded.events))
    connection.execute(_SUMMARY_INSERT, {"session_id": session_id, **summary})


def _overrides_json(event: EventRecord) -> str:
    return encode_overrides(event.overrides)


def _signed_again(
    event: EventRecord,
    text: str,
    row: SessionRow,
    protocols: dict[int, ProtocolSpec],
    copied: Sequence[EventRecord],
    signers: dict[int, Signer | None],
) -> p.Payload:
    """The copy's payload; an attestation or signature covers the copy's own content and is
    signed again by its signer's key (as services.signing does)."""
    payload = decode_payload(event.kind, json.loads(text))
    if not isinstance(payload, p.Signature | p.Attestation):
        return payload
    loaded = LoadedSession(row, protocols[row.protocol_id], tuple(copied))
    head = next(e for e in copied if e.seq == payload.head_seq)
    unsigned = replace(
        payload,
        head_hash=head.hash,
        content_hash=signed_content_hash(loaded, head, payload.patient_version_hash),
        key_signature=None,
    )
    signer = signers[event.recorded_by]
    assert signer is not None
    return replace(unsigned, key_signature=signer.sign(signed_message(row.id, unsigned)))


def _audit_copies(
    connection: Connection, template: Template, copied: Sequence[EventRecord]
) -> None:
    heads = _table(ChainHead)
    seq, prev = connection.execute(
        select(heads.c.seq, heads.c.hash).where(heads.c.chain == AUDIT_CHAIN)
    ).one()
    entries = []
    for original, event in zip(template.events, copied, strict=True):
        action, username, user_id, workstation = template.audit[original.id]
        seq += 1
        entry = SimpleNamespace(
            seq=seq,
            at=event.recorded_at,
            user_id=user_id,
            username=username,
            action=action,
            target_type="session",
            target_id=event.session_id,
            detail=event.id,
            prev_hash=prev,
            workstation=workstation,
        )
        prev = audit_hash(entry)
        entries.append({**vars(entry), "hash": prev})
    connection.execute(insert(_table(AuditEntry)), entries)
    connection.execute(update(heads).where(heads.c.chain == AUDIT_CHAIN).values(seq=seq, hash=prev))


def _table(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def _built(path: Path, wanted: int) -> int:
    """The database at `path` (built unless it is there already); its number of events."""
    if path.exists():
        with sqlite3.connect(path) as connection:
            held = int(connection.execute("SELECT count(*) FROM events").fetchone()[0])
        print(f"{held:,} events ({path.stat().st_size / 1e6:.0f} MB), built before:")
        return held
    started = time.perf_counter()
    held = build(path, wanted)
    seconds = time.perf_counter() - started
    print(
        f"{held:,} events ({path.stat().st_size / 1e6:.0f} MB), built in {seconds:.0f} s "
        f"({held / seconds:,.0f} events/s):"
    )
    return held


def baseline_tree(revision: str, folder: Path) -> Path:
    """The `ketachart` package of `revision`, extracted into `folder`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "ketachart"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def run_child(code: str, tree: Path, *args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(  # run in `tree`: `python -c` puts its folder first on the path
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
        check=True,
    )
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def measure(path: Path, events: int, trees: dict[str, Path]) -> Iterator[str]:
    results = {name: run_child(CHILD, tree, f"sqlite:///{path}") for name, tree in trees.items()}
    for name, result in results.items():
        rate = events / float(result["seconds"])
        mib = int(result["maxrss_kib"]) / 1024
        verdict = (
            "clean" if result["count"] == 0 else f"{result['count']} problems: {result['problems']}"
        )
        yield (
            f"  {name:<7} {float(result['seconds']):8.1f} s  {rate:10,.0f} events/s  "
            f"peak {mib:7.1f} MiB  ({verdict})"
        )
    if len(results) == 2:
        before, after = results["before"], results["after"]
        speed = float(before["seconds"]) / float(after["seconds"])
        memory = int(after["maxrss_kib"]) / int(before["maxrss_kib"])
        yield f"  after/before: {speed:.2f}x the events/s, {memory:.2f}x the peak memory"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--baseline", default="main", help="git revision measured as before")
    parser.add_argument("--no-baseline", action="store_true", help="measure only this tree")
    parser.add_argument(
        "--keep", type=Path, help="keep the databases built in this folder, and reuse them"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kc-verify-scale-") as scratch:
        folder = Path(scratch)
        trees = {"after": ROOT}
        if not args.no_baseline:
            trees = {"before": baseline_tree(args.baseline, folder / "baseline"), **trees}
        bare = run_child(BARE_CHILD, ROOT)
        print(
            f"verify at scale (SQLite); a bare child importing verify peaks at "
            f"{int(bare['maxrss_kib']) / 1024:.1f} MiB; target: under {TARGET_MIB} MiB"
        )
        for wanted in args.events:
            path = (args.keep or folder) / f"verify-{wanted}.sqlite"
            held = _built(path, wanted)
            for line in measure(path, held, trees):
                print(line, flush=True)
            if args.keep is None:
                path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
