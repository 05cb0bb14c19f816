"""Sessions charted through the real services on a ManualClock, for the PDF tests, the sample
PDFs and the benchmark: a typical signed one with a bit of everything, and a long one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from ketachart.domain import payloads as p
from ketachart.domain.events import Override
from ketachart.domain.vocab import (
    AlertResponse,
    DoseUnit,
    Instruction,
    MentalStatus,
    Nausea,
    PreCheckCode,
    PreCheckStatus,
    Route,
    ScoreKind,
    Severity,
    SideEffectKind,
    StopReason,
)
from ketachart.services import charting, clinic, corrections, patients, sessions, signing
from ketachart.services.sessions import LoadedSession
from tests.support import PASSWORDS, RIDE, Clinic

CLINIC = clinic.ClinicInfo("Lakeside Ketamine Clinic", "1200 Harbor Way, Suite 4 · Portland, OR")
FASTING_REASON = "Light breakfast at 07:30 (toast); Dr Núñez informed and agreed to proceed"
CORRECTION_REASON = "Typo: SpO2 was 96, not 69 (monitor re-read)"
RATE_REASON = "BP 44 mmHg above baseline: rate reduced per protocol"
PAUSE_REASON = "Patient asked for a short break: anxious"
LATE_NOTE = "Patient asked for the lights dimmed; eyeshades given."
ADDENDUM_TEXT = "Phone follow-up next morning: slept well, no nausea, mood brighter."
SPECIAL_CHECKS = (
    p.PreCheckItem(PreCheckCode.FASTING, PreCheckStatus.OVERRIDDEN, FASTING_REASON),
    p.PreCheckItem(PreCheckCode.PREGNANCY, PreCheckStatus.DONE, "Negative urine hCG"),
)
PRE_CHECKS = p.PreChecks(
    (
        *(
            p.PreCheckItem(code, PreCheckStatus.DONE)
            for code in PreCheckCode
            if code not in {item.code for item in SPECIAL_CHECKS}
        ),
        *SPECIAL_CHECKS,
    )
)


def vitals(
    systolic: int,
    diastolic: int,
    heart_rate: int,
    spo2: int = 98,
    *,
    moaas: int | None = None,
    pain: int | None = None,
    cadss6: int | None = None,
) -> p.Vitals:
    return p.Vitals(systolic, diastolic, heart_rate, 14, spo2, None, moaas, pain, cadss6)


def recovery(score: dict[str, int], kind: ScoreKind, moaas: int = 5) -> p.RecoveryCheck:
    return p.RecoveryCheck(
        p.Vitals(126, 80, 72, 14, 98, moaas=moaas), Nausea.NONE, MentalStatus.BASELINE, kind, score
    )


ALDRETE_9 = {"activity": 1, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}
ALDRETE_10 = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}
PADSS_10 = {
    "vital_signs": 2,
    "activity_mental_status": 2,
    "pain_nausea_vomiting": 2,
    "bleeding": 2,
    "intake_output": 2,
}


def set_clinic(c: Clinic) -> None:
    c.act(clinic.set_clinic, c.admin, CLINIC)


def typical_session(c: Clinic, *, sign: bool = True) -> str:
    """A 40-minute depression infusion: an overridden pre-check, a BP rise answered by a
    rate change, nausea with a rescue medicine, a corrected typo, a late entry, the
    controlled-substance record, recovery, discharge, and (if `sign`) the nurse's
    attestation, the physician's signature and a signed addendum."""
    sid = c.open_session(0, "70")
    _pre_infusion(c, sid)
    _during_infusion(c, sid)
    _recovery_and_discharge(c, sid, ScoreKind.ALDRETE)
    if sign:
        sign_with_addendum(c, sid)
    return sid


def _pre_infusion(c: Clinic, sid: str) -> None:
    nurse = c.nurse
    c.act(charting.chart, nurse, sid, PRE_CHECKS)
    c.act(charting.chart, nurse, sid, p.Vitals(128, 82, 74, 14, 98, Decimal("36.7"), 5, 2, 0))
    c.act(charting.chart, nurse, sid, p.IvStart("Left antecubital fossa", 22, 2))
    c.later(1)
    c.act(charting.start_infusion, nurse, sid, Decimal("52.5"), Decimal(50))


def _during_infusion(c: Clinic, sid: str) -> None:
    _nausea_and_bp_rise(c, sid)
    _typo_pause_and_stop(c, sid)


def _nausea_and_bp_rise(c: Clinic, sid: str) -> None:
    """14:06-14:23: nausea treated with ondansetron; a BP rise answered by a lower rate."""
    nurse = c.nurse
    c.later(5)
    c.chart_reading(nurse, sid, vitals(132, 84, 76, moaas=4, cadss6=6))
    c.later(5)
    c.chart_reading(nurse, sid, vitals(138, 88, 80, moaas=4, cadss6=10))
    c.later(2)
    nausea = p.SideEffect(
        SideEffectKind.NAUSEA, Severity.MILD, "Queasy, no vomiting", "Ondansetron"
    )
    effect = c.act(charting.chart, nurse, sid, nausea)
    medicine = p.RescueMedicine(
        "Ondansetron", Decimal(4), DoseUnit.MG, Route.IV, "nausea", "Settled in 10 min", effect.id
    )
    c.act(charting.give_rescue_medicine, nurse, sid, medicine)
    c.later(8)
    c.chart_reading(
        nurse,
        sid,
        vitals(172, 104, 96, moaas=3, cadss6=14, pain=1),
        (AlertResponse.PHYSICIAN_NOTIFIED, AlertResponse.RATE_REDUCED),
    )
    c.later(2)
    c.act(charting.change_rate, nurse, sid, Decimal(40), RATE_REASON)


def _typo_pause_and_stop(c: Clinic, sid: str) -> None:
    """14:31-14:55: a mistyped SpO2 corrected, a short pause, the stop, a late note."""
    nurse = c.nurse
    c.later(8)
    typo = c.chart_reading(nurse, sid, vitals(150, 92, 88, spo2=69, moaas=4, cadss6=9))
    c.later(2)
    fixed = vitals(150, 92, 88, spo2=96, moaas=4, cadss6=9)
    c.act(
        corrections.correct_entry, nurse, sid, typo.id, CORRECTION_REASON, fixed, seen_version=None
    )
    c.later(2)
    c.act(charting.chart, nurse, sid, p.Pause(PAUSE_REASON))
    c.later(2)
    c.act(charting.chart, nurse, sid, p.Resume("Calmer; music on"))
    c.later(4)
    c.chart_reading(nurse, sid, vitals(142, 88, 84, moaas=4, cadss6=6))
    c.later(2)
    c.act(charting.chart, nurse, sid, p.InfusionStop(Decimal("31.3"), StopReason.COMPLETED))
    c.later(11)
    late = c.clock.now() - timedelta(minutes=12)
    c.act(charting.chart, nurse, sid, p.Note(LATE_NOTE), occurred_at=late)


def _recovery_and_discharge(c: Clinic, sid: str, kind: ScoreKind) -> None:
    nurse = c.nurse
    c.act(charting.record_controlled_substance, nurse, sid, controlled_substance(), c.nurse2)
    c.later(4)
    first = ALDRETE_9 if kind is ScoreKind.ALDRETE else PADSS_10
    c.act(charting.record_recovery_check, nurse, sid, recovery(first, kind))
    c.later(15)
    last = ALDRETE_10 if kind is ScoreKind.ALDRETE else PADSS_10
    c.act(charting.record_recovery_check, nurse, sid, recovery(last, kind))
    c.later(2)
    c.act(charting.chart, nurse, sid, p.IvRemoved(True, True))
    instructions = p.Discharge(tuple(Instruction), "Leaflet given to the escort as well.")
    c.act(charting.discharge_patient, nurse, sid, instructions, ride=RIDE)


def controlled_substance(
    drawn: str = "35", administered: str = "31.3", vial_ml: str = "2"
) -> p.ControlledSubstance:
    """Drawn from a 50 mg/mL vial; what was drawn and not given is wasted."""
    given, taken = Decimal(administered), Decimal(drawn)
    return p.ControlledSubstance(
        "Ketamine HCl",
        "KT24-0917",
        date(2027, 6, 30),
        Decimal(50),
        Decimal(vial_ml),
        taken,
        given,
        taken - given,
    )


def sign_with_addendum(c: Clinic, sid: str) -> None:
    c.act(
        signing.attest,
        c.nurse,
        sid,
        c.proof(c.nurse, PASSWORDS["nina"], signing.ATTEST_PURPOSE),
        seen_head=c.seen(sid),
    )
    c.later(20)
    c.act(
        signing.sign_session,
        c.physician,
        sid,
        c.proof(c.physician, PASSWORDS["drm"], signing.SIGN_PURPOSE),
        seen_head=c.seen(sid),
    )
    c.later(60 * 23)  # the next morning
    addendum = c.act(signing.add_addendum, c.physician, sid, ADDENDUM_TEXT)
    c.act(
        signing.sign_addendum,
        c.physician,
        sid,
        addendum.id,
        c.proof(c.physician, PASSWORDS["drm"], signing.SIGN_PURPOSE),
        seen_head=c.seen(sid),
    )


def long_session(c: Clinic, entries: int = 120, *, sign: bool = True) -> str:
    """A 4-hour pain infusion with about `entries` entries: vitals, notes, rate changes (one
    above the protocol maximum, approved by the physician), a pause, side effects."""
    sid = c.open_session(2, "70")
    nurse = c.nurse
    c.act(charting.chart, nurse, sid, p.PreChecks(PRE_CHECKS.items))
    c.chart_reading(nurse, sid, vitals(124, 80, 70, pain=7))
    c.act(charting.chart, nurse, sid, p.IvStart("Right forearm", 20, 1))
    c.later(1)
    c.act(charting.start_infusion, nurse, sid, Decimal("17.5"), Decimal(250))
    loop = max(entries - 12, 1)
    loaded = c.act(lambda tx: sessions.load_session(tx, sid))
    for index in range(loop):
        c.later(240 / loop)
        loaded = _long_entry(c, loaded, index)
    _end_long_session(c, sid)
    if sign:
        sign_with_addendum(c, sid)
    return sid


def _long_entry(c: Clinic, loaded: LoadedSession, index: int) -> LoadedSession:
    """Chart entry `index`; plain entries reuse `loaded` (reloading a long chart for every
    entry would make building a 1000-entry session take minutes)."""
    nurse, sid = c.nurse, loaded.row.id
    if index in _SPECIAL_ENTRIES:
        _SPECIAL_ENTRIES[index](c, sid)
        return c.act(lambda tx: sessions.load_session(tx, sid))
    payload: p.Payload = vitals(*_wave(index))
    if index % 9 == 4:
        payload = p.Note(
            f"Observation {index}: resting, conversant; " + "comfortable. " * (index % 4)
        )
    record = c.act(charting.chart, nurse, sid, payload, loaded=loaded)
    return replace(loaded, events=(*loaded.events, record))


def _boost(c: Clinic, sid: str) -> None:
    override = Override("dose.rate", "Pain 8/10 despite 0.5 mg/kg/h; short boost approved")
    c.act(
        charting.change_rate,
        c.nurse,
        sid,
        Decimal(36),
        "Breakthrough pain",
        overrides=(override,),
        approver=c.physician,
    )


def _back_to_protocol(c: Clinic, sid: str) -> None:
    c.act(charting.change_rate, c.nurse, sid, Decimal("17.5"), "Back to the protocol rate")


def _pause(c: Clinic, sid: str) -> None:
    c.act(charting.chart, c.nurse, sid, p.Pause("Patient to the bathroom"))


def _resume(c: Clinic, sid: str) -> None:
    c.act(charting.chart, c.nurse, sid, p.Resume("Back in the chair"))


def _headache(c: Clinic, sid: str) -> None:
    effect = p.SideEffect(SideEffectKind.HEADACHE, Severity.MILD, "Frontal, 3/10", "Water, rest")
    c.act(charting.chart, c.nurse, sid, effect)


_SPECIAL_ENTRIES: dict[int, Callable[[Clinic, str], None]] = {
    20: _boost,
    24: _back_to_protocol,
    40: _pause,
    42: _resume,
    60: _headache,
}


def _wave(index: int) -> tuple[int, int, int, int]:
    """Plausible vitals drifting up and back over the session."""
    rise = (index % 30) if index % 60 < 30 else 30 - (index % 30)
    return 124 + rise, 80 + rise // 2, 70 + rise // 3, 97 + (index // 12) % 2


def _end_long_session(c: Clinic, sid: str) -> None:
    nurse = c.nurse
    c.act(charting.chart, nurse, sid, p.InfusionStop(Decimal("72.0"), StopReason.COMPLETED))
    c.act(
        charting.record_controlled_substance,
        nurse,
        sid,
        controlled_substance("150", "144", "5"),
        c.nurse2,
    )
    for _ in range(4):
        c.later(15)
        c.act(charting.record_recovery_check, nurse, sid, recovery(PADSS_10, ScoreKind.PADSS))
    c.later(1)
    c.act(charting.chart, nurse, sid, p.IvRemoved(True, True))
    c.act(charting.discharge_patient, nurse, sid, p.Discharge(tuple(Instruction)), ride=RIDE)


def renamed(
    clinic: Clinic, family: str, given: str, *, no_known_allergies: bool = False, **changes: str
) -> None:
    """Give the clinic's patient another name (and other details)."""
    row = clinic.patient
    details = patients.PatientDetails(
        changes.get("mrn", row.mrn),
        family,
        given,
        row.date_of_birth,
        row.sex,
        changes.get("allergies", row.allergies),
        no_known_allergies=no_known_allergies,
    )
    clinic.patient = clinic.act(patients.update_patient, clinic.nurse, row.id, details)
