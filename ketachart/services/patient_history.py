"""Patient details as a chain of versions: appending one, reading the one a signed session
was signed with, and checking the chain and the patients row against each other.

The patients row stays the current view (searches and lists read it); every change to it is
also appended here, in the same transaction, with the old versions kept."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from ketachart.domain import payloads as p
from ketachart.domain.events import GENESIS_HASH, EventRecord
from ketachart.domain.patient_versions import (
    DETAIL_COLUMNS,
    DETAIL_LABELS,
    PatientVersionContent,
    changed_columns,
)
from ketachart.models import AuditEntry, Patient, PatientVersion
from ketachart.services.actors import Actor
from ketachart.storage.database import Tx

VERSION_DETAIL = "version={version} hash={hash}"
"""How a patient's audit entry names the version it wrote (no patient data: a number and a
hash), so a version chain rewritten consistently still disagrees with the audit trail."""


@dataclass(frozen=True)
class PatientChange:
    """One later version of a patient's details: when, by whom, which details changed."""

    recorded_at: datetime
    recorded_by: int | None
    columns: tuple[str, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        """The changed details as a reader names them, alphabetically."""
        return tuple(sorted(DETAIL_LABELS[c] for c in self.columns))


def content_of(row: PatientVersion) -> PatientVersionContent:
    return PatientVersionContent(
        patient_id=row.patient_id,
        version=row.version,
        **{column: getattr(row, column) for column in DETAIL_COLUMNS},
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
        reason=row.reason,
    )


def record_version(tx: Tx, actor: Actor, patient: Patient, reason: str = "") -> str:
    """Append the patient's current details as its next version; returns the audit detail
    that names it (the caller's audit entry carries it)."""
    latest = _latest(tx, patient.id)
    content = PatientVersionContent(
        patient_id=patient.id,
        version=1 if latest is None else latest.version + 1,
        **{column: getattr(patient, column) for column in DETAIL_COLUMNS},
        recorded_at=tx.now,
        recorded_by=actor.id,
        reason=reason,
    )
    prev_hash = GENESIS_HASH if latest is None else latest.hash
    digest = content.compute_hash(prev_hash)
    tx.orm.add(PatientVersion(**vars(content), prev_hash=prev_hash, hash=digest))
    return VERSION_DETAIL.format(version=content.version, hash=digest)


def _latest(tx: Tx, patient_id: int) -> PatientVersion | None:
    return tx.orm.scalar(
        select(PatientVersion)
        .where(PatientVersion.patient_id == patient_id)
        .order_by(PatientVersion.version.desc())
        .limit(1)
    )


def latest_hash(tx: Tx, patient_id: int) -> str | None:
    """The hash of the patient's current version: a signature covers it (services.signing)."""
    latest = _latest(tx, patient_id)
    return None if latest is None else latest.hash


def versions_of(tx: Tx, patient_id: int) -> list[PatientVersion]:
    return list(
        tx.orm.scalars(
            select(PatientVersion)
            .where(PatientVersion.patient_id == patient_id)
            .order_by(PatientVersion.version)
        )
    )


def versions_by_patient(tx: Tx) -> Iterator[tuple[int, list[PatientVersion]]]:
    """Each patient's versions in order, streamed one patient at a time (for `verify`:
    memory stays flat however many patients the clinic has)."""
    statement = (
        select(PatientVersion)
        .order_by(PatientVersion.patient_id, PatientVersion.version)
        .execution_options(yield_per=STREAMED)
    )
    rows = tx.orm.scalars(statement)
    for patient_id, versions in itertools.groupby(rows, key=lambda v: v.patient_id):
        yield patient_id, list(versions)


STREAMED = 1000
"""Rows fetched at a time from a streamed query."""


def signature_of(events: Sequence[EventRecord]) -> EventRecord | None:
    """The session's signature (not an addendum's), or None if it was not signed."""
    for event in events:
        if isinstance(event.payload, p.Signature) and not event.payload.addendum_id:
            return event
    return None


def last_version_before(tx: Tx, patient_id: int, signature: EventRecord) -> int | None:
    """The newest version of the patient's details written before the signature, in the
    audit trail's chain order: never by the recorded times, which a workstation whose clock
    is wrong would put in the wrong order (services.clock_guard). None if the signature's
    own audit entry is missing (verify reports that): then the recorded times decide."""
    signed_seq = tx.orm.scalar(
        select(AuditEntry.seq).where(
            AuditEntry.action == f"chart.{signature.kind.value}",
            AuditEntry.detail == signature.id,
        )
    )
    if signed_seq is None:
        return None
    details = tx.orm.scalars(
        select(AuditEntry.detail).where(
            AuditEntry.target_id == str(patient_id),
            AuditEntry.action.in_(("patient.create", "patient.update")),
            AuditEntry.seq < signed_seq,
        )
    )
    numbers = [int(v) for d in details if (v := _named(d).get("version", "")).isdigit()]
    return max(numbers, default=1)  # a first version made by the migration has no entry


def _named(detail: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in detail.split() if "=" in part)


def as_signed(
    versions: Sequence[PatientVersion], signature: EventRecord, last_before: int | None
) -> tuple[PatientVersion | None, tuple[PatientChange, ...]]:
    """The version current when the session was signed, and each later change of the
    details (versions that changed nothing a reader sees are left out)."""
    at_signing = None
    for version in versions:
        if (
            version.version <= last_before
            if last_before is not None
            else version.recorded_at <= signature.recorded_at
        ):
            at_signing = version
    if at_signing is None:
        return None, ()
    changes: list[PatientChange] = []
    before = content_of(at_signing).details()
    for version in versions[versions.index(at_signing) + 1 :]:
        after = content_of(version).details()
        columns = changed_columns(before, after)
        if columns:
            changes.append(PatientChange(version.recorded_at, version.recorded_by, columns))
        before = after
    return at_signing, tuple(changes)


_AUDITED = select(AuditEntry.detail).where(
    AuditEntry.target_type == "patient",
    AuditEntry.target_id == bindparam("patient_id"),
    AuditEntry.action.in_(("patient.create", "patient.update")),
)


def audited_versions(tx: Tx, patient_id: int) -> dict[str, str]:
    """Version number -> hash, as the patient's audit entries name them (one indexed query,
    built once)."""
    found: dict[str, str] = {}
    for detail in tx.orm.connection().execute(_AUDITED, {"patient_id": str(patient_id)}).scalars():
        named = _named(detail)
        if "version" in named and "hash" in named:
            found[named["version"]] = named["hash"]
    return found
