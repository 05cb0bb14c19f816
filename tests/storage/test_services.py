"""The services on real databases: workflow, rules, confirmations, overrides, corrections,
atomicity and times."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind, Override
from ketachart.domain.timeline import SessionStatus
from ketachart.domain.vocab import DoseUnit, Route, Severity, SideEffectKind, StopReason
from ketachart.errors import (
    ConfirmationRequired,
    ConflictError,
    KetachartError,
    OverrideRequired,
    PermissionDenied,
    RuleViolation,
    ValidationError,
)
from ketachart.services import charting, corrections, sessions, signing
from ketachart.services.chains import load_events
from ketachart.services.verify import verify_all
from tests.storage.helpers import VIAL, Call, chart_to_stopped, counts, sign
from tests.support import (
    ALL_INSTRUCTIONS,
    BASELINE,
    PASSWORDS,
    RIDE,
    Clinic,
    chart_to_discharged,
    chart_to_infusing,
    recovery_check,
)

# --- the whole workflow ---------------------------------------------------------------------


def test_full_nurse_workflow(clinic: Clinic) -> None:
    nurse, sid = clinic.nurse, clinic.open_session()
    chart_to_infusing(clinic, sid)
    clinic.later(10)
    clinic.act(charting.chart, nurse, sid, p.Vitals(150, 95, 88, 14, 97, moaas=4))
    clinic.act(charting.change_rate, nurse, sid, Decimal(40), "BP rise")
    effect = clinic.act(
        charting.chart, nurse, sid, p.SideEffect(SideEffectKind.NAUSEA, Severity.MILD)
    )
    medicine = p.RescueMedicine(
        "Ondansetron", Decimal(4), DoseUnit.MG, Route.IV, side_effect_id=effect.id
    )
    clinic.act(charting.give_rescue_medicine, nurse, sid, medicine)
    clinic.act(charting.record_controlled_substance, nurse, sid, VIAL, clinic.nurse2)
    clinic.later(30)
    clinic.act(charting.chart, nurse, sid, p.InfusionStop(Decimal("34.6"), StopReason.COMPLETED))
    clinic.later(30)
    clinic.act(charting.record_recovery_check, nurse, sid, recovery_check())
    clinic.act(charting.chart, nurse, sid, p.IvRemoved(True, True))
    clinic.act(charting.discharge_patient, nurse, sid, ALL_INSTRUCTIONS, ride=RIDE)
    clinic.act(
        signing.attest,
        nurse,
        sid,
        clinic.proof(nurse, PASSWORDS["nina"], signing.ATTEST_PURPOSE),
        seen_head=clinic.seen(sid),
    )
    sign(clinic, sid)
    with clinic.db.transaction() as tx:
        view = sessions.view_session(tx, nurse, sid)
        assert verify_all(tx) == []
    assert view.state.status is SessionStatus.SIGNED
    assert view.state.rate_ml_h == Decimal(40)
    assert view.state.pump_volume_ml == Decimal("34.6")
    assert [e.kind for e in view.events][-3:] == [
        EventKind.DISCHARGE,
        EventKind.ATTESTATION,
        EventKind.SIGNATURE,
    ]
    assert view.authors == {nurse.id: "Nina Øster, RN", clinic.physician.id: "María Núñez, MD"}
    vial = next(e.payload for e in view.events if e.kind is EventKind.CONTROLLED_SUBSTANCE)
    assert isinstance(vial, p.ControlledSubstance)
    assert (vial.witness_user_id, vial.witness_name) == (clinic.nurse2.id, "Wes Ng, RN")


# --- each rule surfaces as its own exception ------------------------------------------------


def at_iv(clinic: Clinic, sid: str) -> None:
    clinic.act(charting.chart, clinic.nurse, sid, p.IvStart("Left forearm", 22, 1))


STAGES: dict[str, Callable[[Clinic, str], None]] = {
    "opened": lambda clinic, sid: None,
    "iv": at_iv,
    "infusing": chart_to_infusing,
    "stopped": chart_to_stopped,
    "discharged": chart_to_discharged,
}


def late_note(c: Clinic, s: str) -> object:
    at = c.clock.now() - timedelta(hours=25)
    return c.act(charting.chart, c.nurse, s, p.Note("late"), occurred_at=at)


def future_note(c: Clinic, s: str) -> object:
    at = c.clock.now() + timedelta(minutes=5)
    return c.act(charting.chart, c.nurse, s, p.Note("soon"), occurred_at=at)


RULES: list[tuple[str, str, Call, type[KetachartError], str]] = [
    (
        "opened",
        "infusion before IV",
        lambda c, s: c.act(charting.start_infusion, c.nurse, s, Decimal("52.5"), Decimal(50)),
        RuleViolation,
        "No infusion before an IV",
    ),
    (
        "iv",
        "infusion before pre-checks",
        lambda c, s: c.act(charting.start_infusion, c.nurse, s, Decimal("52.5"), Decimal(50)),
        RuleViolation,
        "Pre-session checks not complete",
    ),
    (
        "opened",
        "rate change before start",
        lambda c, s: c.act(charting.change_rate, c.nurse, s, Decimal(40), "x"),
        RuleViolation,
        "No rate change",
    ),
    (
        "opened",
        "recovery before stop",
        lambda c, s: c.act(charting.record_recovery_check, c.nurse, s, recovery_check()),
        RuleViolation,
        "Recovery checks start after",
    ),
    (
        "opened",
        "addendum before discharge",
        lambda c, s: c.act(signing.add_addendum, c.nurse, s, "later"),
        RuleViolation,
        "Addenda are for discharged",
    ),
    (
        "infusing",
        "second IV",
        lambda c, s: c.act(charting.chart, c.nurse, s, p.IvStart("Right hand", 20, 1)),
        RuleViolation,
        "already in place",
    ),
    (
        "infusing",
        "IV out while running",
        lambda c, s: c.act(charting.chart, c.nurse, s, p.IvRemoved(True, True)),
        RuleViolation,
        "Stop the infusion before removing",
    ),
    (
        "infusing",
        "second infusion start",
        lambda c, s: c.act(charting.start_infusion, c.nurse, s, Decimal("52.5"), Decimal(50)),
        RuleViolation,
        "already started",
    ),
    (
        "infusing",
        "discharge while infusing",
        lambda c, s: c.act(charting.discharge_patient, c.nurse, s, ALL_INSTRUCTIONS, ride=RIDE),
        RuleViolation,
        "stop the pump and chart the stop before discharge",
    ),
    (
        "infusing",
        "rate above maximum",
        lambda c, s: c.act(charting.change_rate, c.nurse, s, Decimal(200), "x"),
        OverrideRequired,
        "above the protocol maximum",
    ),
    (
        "infusing",
        "SpO2 over 100",
        lambda c, s: c.act(charting.chart, c.nurse, s, p.Vitals(120, 80, 72, 14, 101)),
        ValidationError,
        "SpO2 101 % is not plausible",
    ),
    ("infusing", "entry a day late", late_note, ValidationError, "more than 24 hours late"),
    ("infusing", "entry in the future", future_note, ValidationError, "cannot be in the future"),
    (
        "stopped",
        "discharge too early",
        lambda c, s: c.act(charting.discharge_patient, c.nurse, s, ALL_INSTRUCTIONS, ride=RIDE),
        OverrideRequired,
        "Minimum observation not over",
    ),
    (
        "discharged",
        "vitals after discharge",
        lambda c, s: c.act(charting.chart, c.nurse, s, BASELINE),
        RuleViolation,
        "has been discharged",
    ),
    (
        "opened",
        "admin charting",
        lambda c, s: c.act(charting.chart, c.admin, s, p.Note("x")),
        PermissionDenied,
        "may not chart",
    ),
]


@pytest.mark.parametrize(
    ("stage", "name", "call", "error", "match"), RULES, ids=[r[1] for r in RULES]
)
def test_rule_surfaces_as_its_error_and_saves_nothing(
    clinic: Clinic, stage: str, name: str, call: Call, error: type[KetachartError], match: str
) -> None:
    sid = clinic.open_session()
    STAGES[stage](clinic, sid)
    before = counts(clinic)
    with pytest.raises(error, match=match) as raised:
        call(clinic, sid)
    assert type(raised.value) is error
    assert counts(clinic) == before


# --- confirmations and overrides ------------------------------------------------------------


def open_with_weight(clinic: Clinic, weight: str, *overrides: Override) -> str:
    loaded = clinic.act(
        sessions.open_session,
        clinic.nurse,
        clinic.patient.id,
        clinic.protocols[0].id,
        "Chair 2",
        Decimal(weight),
        overrides,
    )
    return loaded.row.id


def test_weight_that_looks_like_pounds_needs_confirmation(clinic: Clinic) -> None:
    clinic.open_session(weight="70")
    before = counts(clinic)
    with pytest.raises(ConfirmationRequired, match="entered in pounds") as raised:
        open_with_weight(clinic, "154")
    assert raised.value.code == "weight.pounds"
    with pytest.raises(ConfirmationRequired) as blank:
        open_with_weight(clinic, "154", Override("weight.pounds", "  "))
    assert blank.value.code == "weight.pounds"
    assert counts(clinic) == before
    confirmed = Override("weight.pounds", "Re-weighed: 154 kg is right")
    sid = open_with_weight(clinic, "154", confirmed)
    assert clinic.state(sid).weight_kg == Decimal(154)
    with clinic.db.reading() as tx:
        assert load_events(tx, sid)[0].overrides == (confirmed,)


def test_weight_change_over_ten_percent_needs_confirmation(clinic: Clinic) -> None:
    clinic.open_session(weight="70")
    with pytest.raises(ConfirmationRequired, match=r"\+14 %") as raised:
        open_with_weight(clinic, "80")
    assert raised.value.code == "weight.change"
    open_with_weight(clinic, "80", Override("weight.change", "Gained weight"))


def test_rate_above_maximum_needs_a_physician(clinic: Clinic) -> None:
    sid = clinic.open_session()
    chart_to_infusing(clinic, sid)
    nurse, physician = clinic.nurse, clinic.physician
    override = (Override("dose.rate", "Ordered by Dr Núñez"),)
    with pytest.raises(OverrideRequired, match="Only a physician") as raised:
        clinic.act(charting.change_rate, nurse, sid, Decimal(110), "order", overrides=override)
    assert raised.value.code == "dose.rate"
    record = clinic.act(
        charting.change_rate,
        nurse,
        sid,
        Decimal(110),
        "order",
        overrides=override,
        approver=physician,
    )
    approval = Override("dose.rate", "Ordered by Dr Núñez", physician.id)
    assert [replace(o, approval_signature=None) for o in record.overrides] == [approval]
    assert all(o.approval_signature for o in record.overrides)  # signed with the key
    assert record.recorded_by == nurse.id
    with pytest.raises(OverrideRequired):
        clinic.act(charting.change_rate, physician, sid, Decimal(120), "order")
    clinic.act(charting.change_rate, physician, sid, Decimal(120), "order", overrides=override)
    assert clinic.state(sid).rate_ml_h == Decimal(120)


def test_discharge_override_by_physician_with_reasons(clinic: Clinic) -> None:
    sid = clinic.open_session()
    chart_to_stopped(clinic, sid)
    clinic.act(charting.chart, clinic.nurse, sid, p.IvRemoved(True, True))
    reasons = (
        Override("discharge.observation", "Physician assessed: stable"),
        Override("discharge.score", "Assessed at bedside"),
    )
    discharge = charting.discharge_patient
    with pytest.raises(OverrideRequired) as blocked:
        clinic.act(discharge, clinic.nurse, sid, ALL_INSTRUCTIONS, ride=RIDE)
    assert [a.code for a in blocked.value.needed] == [
        "discharge.observation",
        "discharge.score",
    ]
    with pytest.raises(OverrideRequired, match="Only a physician") as nurse_only:
        clinic.act(discharge, clinic.nurse, sid, ALL_INSTRUCTIONS, ride=RIDE, overrides=reasons)
    assert all(a.physician for a in nurse_only.value.needed)
    with pytest.raises(OverrideRequired) as one_reason:
        clinic.act(discharge, clinic.physician, sid, ALL_INSTRUCTIONS, overrides=reasons[:1])
    assert one_reason.value.code == "discharge.score"
    record = clinic.act(
        discharge, clinic.physician, sid, ALL_INSTRUCTIONS, ride=RIDE, overrides=reasons
    )
    physician_id = clinic.physician.id
    assert [o.approved_by for o in record.overrides] == [physician_id, physician_id]
    assert clinic.state(sid).status is SessionStatus.DISCHARGED


def test_witness_must_be_another_clinical_user(clinic: Clinic) -> None:
    sid = clinic.open_session()
    record = charting.record_controlled_substance
    with pytest.raises(RuleViolation, match="different user"):
        clinic.act(record, clinic.nurse, sid, VIAL, clinic.nurse)
    with pytest.raises(PermissionDenied, match="nurse or a physician"):
        clinic.act(record, clinic.nurse, sid, VIAL, clinic.admin)
    stored = clinic.act(record, clinic.nurse, sid, VIAL, clinic.physician).payload
    assert isinstance(stored, p.ControlledSubstance)
    assert stored.witness_name == "María Núñez, MD"


def test_expired_vial_is_refused(clinic: Clinic) -> None:
    sid = clinic.open_session()
    expired = p.ControlledSubstance(
        "Ketamine",
        "LOT-1",
        date(2026, 3, 9),
        Decimal(50),
        Decimal(10),
        Decimal(50),
        Decimal(35),
        Decimal(15),
    )
    with pytest.raises(ValidationError, match="expired on 2026-03-09"):
        clinic.act(charting.record_controlled_substance, clinic.nurse, sid, expired, clinic.nurse2)


# --- corrections ----------------------------------------------------------------------------


def test_concurrent_corrections_second_gets_conflict(clinic: Clinic) -> None:
    """Both nurses opened the entry uncorrected. The second writer waits for the first's
    transaction (write lock), then sees its correction and is refused."""
    sid = clinic.open_session()
    target = clinic.act(charting.chart, clinic.nurse, sid, BASELINE).id
    fixed = p.Vitals(118, 78, 72, 14, 98)
    outcome: list[BaseException] = []

    def second() -> None:
        try:
            clinic.act(
                corrections.correct_entry,
                clinic.nurse2,
                sid,
                target,
                "typo",
                fixed,
                seen_version=None,
            )
        except BaseException as error:
            outcome.append(error)

    with clinic.db.transaction() as tx:
        first = corrections.correct_entry(
            tx, clinic.nurse, sid, target, "typo", fixed, seen_version=None
        )
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive(), "the second writer did not wait for the first"
    thread.join(30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], ConflictError)
    again = clinic.act(
        corrections.correct_entry, clinic.nurse2, sid, target, "typo", fixed, seen_version=first.id
    )
    assert isinstance(again.payload, p.Correction)
    assert again.payload.supersedes == first.id


def test_correction_keeps_the_original(clinic: Clinic) -> None:
    sid = clinic.open_session()
    target = clinic.act(charting.chart, clinic.nurse, sid, BASELINE).id
    fixed = p.Vitals(118, 78, 72, 14, 98)
    latest = clinic.act(
        corrections.correct_entry, clinic.nurse, sid, target, "typo", fixed, seen_version=None
    ).id
    with clinic.db.reading() as tx:
        assert load_events(tx, sid)[1].payload == BASELINE
    assert clinic.state(sid).baseline == fixed
    with pytest.raises(ValidationError, match="keep the entry's kind"):
        clinic.act(
            corrections.correct_entry,
            clinic.nurse,
            sid,
            target,
            "x",
            p.Note("x"),
            seen_version=latest,
        )


# --- atomicity and times --------------------------------------------------------------------


def test_failed_discharge_does_not_keep_the_ride(clinic: Clinic) -> None:
    """The ride is charted first in the same transaction; the refusal rolls it back."""
    sid = clinic.open_session()
    chart_to_stopped(clinic, sid)
    before = counts(clinic)
    incomplete = p.Discharge(ALL_INSTRUCTIONS.instructions[:2])
    with pytest.raises(ValidationError, match="instructions not yet given"):
        clinic.act(charting.discharge_patient, clinic.nurse, sid, incomplete, ride=RIDE)
    with pytest.raises(OverrideRequired):
        clinic.act(charting.discharge_patient, clinic.nurse, sid, ALL_INSTRUCTIONS, ride=RIDE)
    assert counts(clinic) == before
    assert clinic.state(sid).ride is None


def test_error_inside_a_transaction_saves_nothing(clinic: Clinic) -> None:
    sid = clinic.open_session()
    before = counts(clinic)

    def note_then_impossible_vitals() -> None:
        with clinic.db.transaction() as tx:
            charting.chart(tx, clinic.nurse, sid, p.Note("first"))
            charting.chart(tx, clinic.nurse, sid, p.Vitals(80, 120, 72, 14, 98))

    with pytest.raises(ValidationError, match="lower than systolic"):
        note_then_impossible_vitals()
    assert counts(clinic) == before
    clinic.act(charting.chart, clinic.nurse, sid, p.Note("first"))
    assert counts(clinic) == (before[0] + 1, before[1] + 1)


def test_late_entry_keeps_both_times(clinic: Clinic) -> None:
    sid = clinic.open_session()
    clinic.later(30)
    happened = clinic.clock.now() - timedelta(minutes=20, microseconds=5)
    record = clinic.act(charting.chart, clinic.nurse, sid, BASELINE, occurred_at=happened)
    with clinic.db.reading() as tx:
        stored = load_events(tx, sid)[-1]
    assert (stored.occurred_at, stored.recorded_at) == (happened, clinic.clock.now())
    assert stored.is_late
    assert stored == record
