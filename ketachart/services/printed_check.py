"""Checking a printed or exported session summary against the database: the summary prints
its session number, the chain head at printing and each signature's content hash and covered
entry (reports.record_sections); each must still be what the database holds."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ketachart.domain import payloads as p
from ketachart.domain.events import KIND_LABELS, EventRecord
from ketachart.models import InfusionSession
from ketachart.services.chains import load_events
from ketachart.storage.database import Tx


@dataclass(frozen=True)
class PrintedSummary:
    """What a summary PDF prints about the record it was made from."""

    session_id: str
    head: tuple[int, str]
    covered: tuple[tuple[int, str], ...] = ()
    content_hashes: tuple[str, ...] = ()


class Verdict(StrEnum):
    MATCHES = "matches"
    OLDER = "older"
    DIFFERS = "differs"


@dataclass(frozen=True)
class PrintedCheck:
    verdict: Verdict
    findings: tuple[str, ...]


def check_printed(tx: Tx, printed: PrintedSummary) -> PrintedCheck:
    """Whether `printed` is the current record of its session, an earlier state of it (and
    which entries came later), or differs from it (and where). No patient data is given."""
    if tx.orm.get(InfusionSession, printed.session_id) is None:
        return PrintedCheck(Verdict.DIFFERS, ("this database has no such session",))
    events = {e.seq: e for e in load_events(tx, printed.session_id)}
    differences = [*_hash_differences(events, printed), *_unknown_signatures(events, printed)]
    if differences:
        return PrintedCheck(Verdict.DIFFERS, tuple(differences))
    later = [e for seq, e in sorted(events.items()) if seq > printed.head[0]]
    if later:
        return PrintedCheck(Verdict.OLDER, tuple(_later_entry(e) for e in later))
    return PrintedCheck(Verdict.MATCHES, ())


def _hash_differences(events: dict[int, EventRecord], printed: PrintedSummary) -> list[str]:
    """Each printed (entry, hash) the record no longer holds."""
    found = []
    for seq, digest in dict([*printed.covered, printed.head]).items():
        stored = events.get(seq)
        if stored is None:
            found.append(f"entry {seq} is printed but missing from the record")
        elif stored.hash != digest:
            found.append(
                f"entry {seq} differs: the printed hash covers entries 1-{seq}, so one of "
                "them was changed after printing (or the PDF was altered)"
            )
    return found


def _unknown_signatures(events: dict[int, EventRecord], printed: PrintedSummary) -> list[str]:
    stored = {
        e.payload.content_hash
        for e in events.values()
        if isinstance(e.payload, p.Signature | p.Attestation)
    }
    return [
        f"the printed signature content hash {digest[:16]}… is not in the record"
        for digest in printed.content_hashes
        if digest not in stored
    ]


def _later_entry(event: EventRecord) -> str:
    when = event.recorded_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"entry {event.seq} ({KIND_LABELS[event.kind].lower()}, recorded {when}) is not in the PDF"
    )
