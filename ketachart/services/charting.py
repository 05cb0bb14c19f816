"""Charting verbs: one function per entry a nurse or physician makes on the timeline."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from ketachart.domain import payloads as p
from ketachart.domain.access import Action
from ketachart.domain.dose import rate_mg_h, rate_mg_kg_h
from ketachart.domain.events import (
    EventKind,
    EventRecord,
    Override,
    kind_of,
    validate_overrides,
    validate_payload,
)
from ketachart.domain.rules import check_event_time, check_not_locked, check_vial, check_witness
from ketachart.domain.scores import SCORE_LABELS
from ketachart.domain.timeline import SessionState
from ketachart.domain.vocab import Role
from ketachart.domain.write_gate import check_write
from ketachart.errors import PermissionDenied, RuleViolation, ValidationError
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.services.entry_keys import approved, witnessed
from ketachart.services.sessions import LoadedSession, append_to_session, load_session
from ketachart.storage.database import Tx


def chart(
    tx: Tx,
    actor: Actor,
    session_id: str,
    payload: p.Payload,
    *,
    occurred_at: datetime | None = None,
    overrides: tuple[Override, ...] = (),
    approver: Actor | None = None,
    loaded: LoadedSession | None = None,
    earlier_weight_kg: Decimal | None = None,
) -> EventRecord:
    """The one gate every entry passes (new, late, correction): permission, values, time and
    lock, then every rule over the whole timeline the entry would make. Overrides count once
    a physician (the actor, or an approver who signed in) takes responsibility for them: their
    key signs the entry with its overrides (services.entry_keys)."""
    actor.require(Action.CHART)
    validate_payload(payload)
    validate_overrides(overrides)
    kind = kind_of(payload)
    session = loaded or load_session(tx, session_id)
    at = occurred_at or tx.now
    check_event_time(at, tx.now, session.row.created_at)
    check_not_locked(session.state(), kind)
    physician = _authority(actor, approver)
    stamped = _stamped(session_id, kind, at, payload, overrides, physician)
    candidate = session.candidate(payload, kind, at, tx.now, actor.id, stamped)
    check_write(session.proposal(candidate, earlier_weight_kg))
    record, _ = append_to_session(tx, actor, session, payload, kind, at, stamped)
    if physician is not None and stamped:
        _audit_approval(tx, physician, record)
    return record


def _authority(actor: Actor, approver: Actor | None) -> Actor | None:
    """The physician who takes responsibility for an override: the actor or an approver. An
    approver who is not a physician is refused (the sign-in approves; it cannot be a nurse's)."""
    if approver is not None and approver.role is not Role.PHYSICIAN:
        raise PermissionDenied("Only a physician can approve an override.")
    for person in (actor, approver):
        if person is not None and person.role is Role.PHYSICIAN:
            return person
    return None


def _stamped(
    session_id: str,
    kind: EventKind,
    at: datetime,
    payload: p.Payload,
    overrides: tuple[Override, ...],
    physician: Actor | None,
) -> tuple[Override, ...]:
    """The overrides as the physician approves them: named and signed with their key."""
    if physician is None or not overrides:
        return overrides
    return approved(session_id, kind, at, payload, overrides, physician)


def _audit_approval(tx: Tx, physician: Actor, record: EventRecord) -> None:
    """The physician's approval of the entry's overrides, audited under their name in the
    entry's own transaction: it names the entry and the items approved (codes only; the
    reasons are in the entry)."""
    codes = ", ".join(o.code for o in record.overrides)
    audit(tx, physician, "override.approve", "event", record.id, f"items: {codes}")


def start_infusion(
    tx: Tx,
    actor: Actor,
    session_id: str,
    rate_ml_h: Decimal,
    bag_volume_ml: Decimal,
    *,
    concentration_mg_ml: Decimal | None = None,
    drug: str | None = None,
    occurred_at: datetime | None = None,
    overrides: tuple[Override, ...] = (),
    approver: Actor | None = None,
) -> EventRecord:
    """Start the pump. The concentration and drug default to the protocol's."""
    session = load_session(tx, session_id)
    concentration = concentration_mg_ml or session.protocol.concentration_mg_ml
    state = session.state()
    payload = p.InfusionStart(
        drug=drug or session.protocol.drug,
        concentration_mg_ml=concentration,
        bag_volume_ml=bag_volume_ml,
        rate_ml_h=rate_ml_h,
        **_dose_fields(rate_ml_h, concentration, state),
    )
    return chart(
        tx,
        actor,
        session_id,
        payload,
        occurred_at=occurred_at,
        overrides=overrides,
        approver=approver,
        loaded=session,
    )


def _dose_fields(rate: Decimal, concentration: Decimal, state: SessionState) -> dict[str, Decimal]:
    if not (rate.is_finite() and concentration.is_finite() and concentration > 0):
        return {}
    return {
        "dose_mg_h": rate_mg_h(rate, concentration),
        "dose_mg_kg_h": rate_mg_kg_h(rate, concentration, state.weight_kg),
    }


def change_rate(
    tx: Tx,
    actor: Actor,
    session_id: str,
    rate_ml_h: Decimal,
    reason: str,
    *,
    occurred_at: datetime | None = None,
    overrides: tuple[Override, ...] = (),
    approver: Actor | None = None,
) -> EventRecord:
    """A new pump rate with its reason; refused above the protocol maximum unless overridden."""
    session = load_session(tx, session_id)
    at = occurred_at or tx.now
    state = session.state(until=at)
    if state.concentration_mg_ml is None:
        raise RuleViolation("No rate change while the infusion is stopped or not started.")
    payload = p.RateChange(
        rate_ml_h, reason, **_dose_fields(rate_ml_h, state.concentration_mg_ml, state)
    )
    validate_payload(payload)
    if rate_ml_h == state.rate_ml_h:
        raise ValidationError.single("rate_ml_h", f"The pump already runs at {rate_ml_h} mL/h.")
    return chart(
        tx,
        actor,
        session_id,
        payload,
        occurred_at=at,
        overrides=overrides,
        approver=approver,
        loaded=session,
    )


def record_recovery_check(
    tx: Tx,
    actor: Actor,
    session_id: str,
    check: p.RecoveryCheck,
    *,
    occurred_at: datetime | None = None,
) -> EventRecord:
    session = load_session(tx, session_id)
    if check.score_kind is not session.protocol.discharge_score:
        raise ValidationError.single(
            "score_kind",
            f"This protocol uses the {SCORE_LABELS[session.protocol.discharge_score]} score "
            "for discharge.",
        )
    return chart(tx, actor, session_id, check, occurred_at=occurred_at, loaded=session)


def give_rescue_medicine(
    tx: Tx,
    actor: Actor,
    session_id: str,
    medicine: p.RescueMedicine,
    *,
    occurred_at: datetime | None = None,
) -> EventRecord:
    session = load_session(tx, session_id)
    if medicine.side_effect_id is not None and not any(
        e.id == medicine.side_effect_id and isinstance(e.payload, p.SideEffect)
        for e in session.events
    ):
        raise ValidationError.single(
            "side_effect_id", "The side effect it treats is not in this session's chart."
        )
    return chart(tx, actor, session_id, medicine, occurred_at=occurred_at, loaded=session)


def discharge_patient(
    tx: Tx,
    actor: Actor,
    session_id: str,
    discharge: p.Discharge,
    *,
    ride: p.RideConfirmed | None = None,
    occurred_at: datetime | None = None,
    overrides: tuple[Override, ...] = (),
    approver: Actor | None = None,
) -> EventRecord:
    """Discharge once every condition holds (observation time, score, IV out, ride); a
    physician may override conditions with a reason. A ride given here is charted first."""
    at = occurred_at or tx.now
    if ride is not None:
        chart(tx, actor, session_id, ride, occurred_at=at)
    return chart(
        tx, actor, session_id, discharge, occurred_at=at, overrides=overrides, approver=approver
    )


def record_controlled_substance(
    tx: Tx,
    actor: Actor,
    session_id: str,
    record: p.ControlledSubstance,
    witness: Actor,
    *,
    occurred_at: datetime | None = None,
) -> EventRecord:
    """The vial record, witnessed by a different clinical user who has just authenticated
    (signed in: their key signs the record; services.entry_keys)."""
    check_witness(actor.id, witness.id)
    if witness.role not in (Role.NURSE, Role.PHYSICIAN):
        raise PermissionDenied("The witness must be a nurse or a physician.")
    at = occurred_at or tx.now
    stamped = replace(record, witness_user_id=witness.id, witness_name=witness.signature_name)
    validate_payload(stamped)
    check_vial(stamped, at)
    return chart(tx, actor, session_id, witnessed(session_id, stamped, witness), occurred_at=at)
