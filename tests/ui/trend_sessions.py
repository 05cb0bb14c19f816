"""Sessions for the trend chart's tests and screenshots, charted through the services."""

from __future__ import annotations

from decimal import Decimal

from ketachart.domain import payloads as p
from ketachart.domain.session_model import SessionModel
from ketachart.domain.vocab import DoseUnit, Route, Severity, SideEffectKind, StopReason
from ketachart.services import charting, sessions
from tests.support import BASELINE, Clinic, chart_to_infusing, recovery_check

PEAK = p.Vitals(systolic=182, diastolic=104, heart_rate=96, resp_rate=16, spo2=95, moaas=4)
TYPED = "Ondansetron <b>4</b> & more"


def model_of(clinic: Clinic, session_id: str) -> SessionModel:
    with clinic.db.reading() as tx:
        return sessions.view_session(tx, clinic.nurse, session_id, audited=False).model(
            clinic.clock.now()
        )


def one_point_session(clinic: Clinic) -> str:
    session_id = clinic.open_session()
    clinic.act(charting.chart, clinic.nurse, session_id, BASELINE)
    return session_id


def typical_session(clinic: Clinic) -> str:
    """About 90 minutes: baseline, 40 min infusion with vitals every 5 min, a systolic peak
    of 182 at minute 15, nausea treated with a rescue medicine, a 10-minute pause, the stop,
    then recovery checks."""
    nurse, session_id = clinic.nurse, clinic.open_session()
    chart_to_infusing(clinic, session_id)
    for minute in range(5, 41, 5):
        clinic.later(5)
        if minute == 15:
            vitals = PEAK
        else:
            vitals = p.Vitals(126 + minute % 7, 80 + minute % 5, 74 + minute % 6, 14, 97, moaas=4)
        clinic.chart_reading(nurse, session_id, vitals)
        if minute == 15:
            clinic.later(1)
            nausea = p.SideEffect(SideEffectKind.NAUSEA, Severity.MODERATE, "queasy <i>")
            clinic.act(charting.chart, nurse, session_id, nausea)
            clinic.later(2)
            rescue = p.RescueMedicine(TYPED, Decimal(4), DoseUnit.MG, Route.IV, "nausea")
            clinic.act(charting.give_rescue_medicine, nurse, session_id, rescue)
            clinic.later(-3)
        if minute == 20:
            clinic.act(charting.chart, nurse, session_id, p.Pause("Nausea"))
        if minute == 30:
            clinic.act(charting.chart, nurse, session_id, p.Resume())
    stop = p.InfusionStop(Decimal("30.0"), StopReason.COMPLETED)
    clinic.act(charting.chart, nurse, session_id, stop)
    for _check in range(3):
        clinic.later(15)
        clinic.act(charting.record_recovery_check, nurse, session_id, recovery_check())
    return session_id
