"""Correcting an entry: a new event that names the entry, says why, and gives new values."""

from __future__ import annotations

from datetime import datetime

from ketachart.domain import payloads as p
from ketachart.domain.codec import to_plain
from ketachart.domain.events import (
    CORRECTABLE,
    KIND_LABELS,
    EventKind,
    EventRecord,
    Override,
    kind_of,
    validate_payload,
)
from ketachart.domain.rules import check_event_time
from ketachart.domain.timeline import latest_version_id
from ketachart.errors import ConflictError, RuleViolation, ValidationError
from ketachart.services.actors import Actor
from ketachart.services.charting import chart
from ketachart.services.sessions import load_session, previous_weight
from ketachart.storage.database import Tx


def correct_entry(
    tx: Tx,
    actor: Actor,
    session_id: str,
    target_id: str,
    reason: str,
    replacement: p.Payload | None,
    *,
    seen_version: str | None,
    replacement_occurred_at: datetime | None = None,
    overrides: tuple[Override, ...] = (),
    approver: Actor | None = None,
) -> EventRecord:
    """Correct `target_id` (None replacement: entered in error). `seen_version` is the latest
    correction the user saw (None if none): if someone corrected it since, this is refused so
    that nobody silently overwrites another's correction."""
    session = load_session(tx, session_id)
    target = next((e for e in session.events if e.id == target_id), None)
    if target is None:
        raise ValidationError.single("corrects", "The entry to correct is not in this session.")
    if target.kind not in CORRECTABLE:
        raise RuleViolation(f"A {KIND_LABELS[target.kind].lower()} entry cannot be corrected.")
    latest = latest_version_id(session.events, target_id)
    if latest != seen_version:
        raise ConflictError(
            "Someone else corrected this entry after you opened it. Review "
            "their correction, then correct again if still needed."
        )
    if replacement is None and target.kind is EventKind.SESSION_OPENED:
        raise RuleViolation(
            "The session opening cannot be marked entered in error; correct its weight instead."
        )
    if replacement is not None:
        _check_replacement(target, replacement)
    if replacement_occurred_at is not None:
        check_event_time(replacement_occurred_at, tx.now, session.row.created_at)
    correction = p.Correction(
        corrects=target_id,
        reason=reason,
        replacement=None if replacement is None else to_plain(replacement),
        replacement_occurred_at=replacement_occurred_at,
        supersedes=latest,
    )
    earlier = None
    if target.kind is EventKind.SESSION_OPENED:
        earlier = previous_weight(tx, session.row.patient_id, before=session.row)
    return chart(
        tx,
        actor,
        session_id,
        correction,
        overrides=overrides,
        approver=approver,
        loaded=session,
        earlier_weight_kg=earlier,
    )


def _check_replacement(target: EventRecord, replacement: p.Payload) -> None:
    if kind_of(replacement) is not target.kind:
        raise ValidationError.single("replacement", "A correction must keep the entry's kind.")
    validate_payload(replacement)
