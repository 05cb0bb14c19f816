"""Abnormal vitals are saved only with the nurse's acknowledgement and response, inside the
same entry, whichever way they are written: a new entry, a late entry, a recovery check or a
correction (issue 10, "Actions follow the stage")."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from ketachart.domain import payloads as p
from ketachart.domain.codes import ClinicalCode
from ketachart.domain.events import EventKind, encode_payload
from ketachart.domain.vocab import AlertResponse
from ketachart.errors import AcknowledgementRequired, ValidationError
from ketachart.services import charting, corrections
from ketachart.services.chains import load_events
from ketachart.services.verify import verify_all
from tests.storage.helpers import chart_to_stopped
from tests.support import BASELINE, Clinic, acknowledged, chart_to_infusing, recovery_check

LOW = p.Vitals(systolic=124, diastolic=80, heart_rate=72, resp_rate=8, spo2=89, moaas=1)
LOW_CODES = (ClinicalCode.SPO2_LOW, ClinicalCode.RR_LOW, ClinicalCode.SEDATION_DEEP)
ANSWER = p.AlertAcknowledgement(
    LOW_CODES, (AlertResponse.STIMULATED, AlertResponse.OXYGEN), "Woke to voice"
)


def _events(clinic: Clinic, session_id: str) -> list[p.Payload]:
    with clinic.db.reading() as tx:
        return [e.payload for e in load_events(tx, session_id)]


def _infusing(clinic: Clinic) -> str:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    clinic.later(5)
    return session_id


def test_the_gate_refuses_abnormal_vitals_without_acknowledgement(clinic: Clinic) -> None:
    session_id = _infusing(clinic)
    before = len(_events(clinic, session_id))
    with pytest.raises(AcknowledgementRequired) as refused:
        clinic.act(charting.chart, clinic.nurse, session_id, LOW)
    assert refused.value.codes == tuple(c.value for c in LOW_CODES)
    assert refused.value.alerts == (
        "SpO2 89 % below 92 %",
        "Respiratory rate 8 below 10/min",
        "MOAA/S 1: deep sedation",
    )
    assert len(_events(clinic, session_id)) == before  # nothing saved


def test_an_acknowledgement_naming_only_some_alerts_is_refused(clinic: Clinic) -> None:
    session_id = _infusing(clinic)
    partial = acknowledged(LOW, ClinicalCode.SPO2_LOW)
    with pytest.raises(AcknowledgementRequired):
        clinic.act(charting.chart, clinic.nurse, session_id, partial)


def test_an_acknowledgement_needs_a_response_and_other_needs_words(clinic: Clinic) -> None:
    session_id = _infusing(clinic)
    silent = replace(LOW, acknowledgement=p.AlertAcknowledgement(LOW_CODES, ()))
    with pytest.raises(ValidationError, match="at least one response"):
        clinic.act(charting.chart, clinic.nurse, session_id, silent)
    vague = replace(
        LOW, acknowledgement=p.AlertAcknowledgement(LOW_CODES, (AlertResponse.OTHER,), " ")
    )
    with pytest.raises(ValidationError, match="Response detail is required"):
        clinic.act(charting.chart, clinic.nurse, session_id, vague)


def test_the_acknowledgement_is_saved_in_the_same_entry(clinic: Clinic) -> None:
    session_id = _infusing(clinic)
    before = len(_events(clinic, session_id))
    saved = clinic.act(
        charting.chart, clinic.nurse, session_id, replace(LOW, acknowledgement=ANSWER)
    )
    events = _events(clinic, session_id)
    assert len(events) == before + 1  # one entry: the reading with its acknowledgement
    assert saved.kind is EventKind.VITALS
    assert events[-1] == replace(LOW, acknowledgement=ANSWER)
    with clinic.db.reading() as tx:
        assert verify_all(tx) == []


def test_normal_vitals_keep_their_stored_form() -> None:
    """Readings stored before acknowledgements existed hash the same: no new key."""
    assert encode_payload(BASELINE) == (
        '{"cadss6":null,"diastolic":80,"heart_rate":72,"moaas":null,"pain":null,'
        '"resp_rate":14,"spo2":98,"systolic":120,"temperature_c":null}'
    )
    stored = json.loads(encode_payload(replace(LOW, acknowledgement=ANSWER)))
    assert stored["acknowledgement"] == {
        "codes": ["spo2_low", "rr_low", "sedation_deep"],
        "responses": ["stimulated", "oxygen"],
        "detail": "Woke to voice",
    }


def test_a_late_abnormal_entry_needs_the_acknowledgement_too(clinic: Clinic) -> None:
    session_id = _infusing(clinic)
    clinic.later(10)
    earlier = clinic.clock.now() - timedelta(minutes=8)
    with pytest.raises(AcknowledgementRequired):
        clinic.act(charting.chart, clinic.nurse, session_id, LOW, occurred_at=earlier)
    clinic.act(
        charting.chart,
        clinic.nurse,
        session_id,
        replace(LOW, acknowledgement=ANSWER),
        occurred_at=earlier,
    )


def test_a_correction_to_abnormal_values_needs_the_acknowledgement(clinic: Clinic) -> None:
    session_id = _infusing(clinic)
    normal = clinic.act(charting.chart, clinic.nurse, session_id, BASELINE)
    clinic.later(1)

    def correct(replacement: p.Vitals, seen: str | None) -> str:
        return clinic.act(
            corrections.correct_entry,
            clinic.nurse,
            session_id,
            normal.id,
            "Read from the wrong monitor",
            replacement,
            seen_version=seen,
        ).id

    with pytest.raises(AcknowledgementRequired):
        correct(LOW, None)
    first = correct(replace(LOW, acknowledgement=ANSWER), None)
    # a later correction that keeps the acknowledged alerts keeps the acknowledgement
    correct(replace(LOW, temperature_c=None, pain=3, acknowledgement=ANSWER), first)


def test_a_recovery_check_with_abnormal_vitals_needs_the_acknowledgement(clinic: Clinic) -> None:
    session_id = clinic.open_session()
    chart_to_stopped(clinic, session_id)
    clinic.later(5)
    check = replace(recovery_check(), vitals=replace(LOW, moaas=None))
    with pytest.raises(AcknowledgementRequired) as refused:
        clinic.act(charting.record_recovery_check, clinic.nurse, session_id, check)
    assert refused.value.codes == ("spo2_low", "rr_low")
    ack = p.AlertAcknowledgement(
        (ClinicalCode.SPO2_LOW, ClinicalCode.RR_LOW), (AlertResponse.PHYSICIAN_NOTIFIED,)
    )
    answered = replace(check, vitals=replace(check.vitals, acknowledgement=ack))
    clinic.act(charting.record_recovery_check, clinic.nurse, session_id, answered)
