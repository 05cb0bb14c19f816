"""Shared test helpers: a small clinic on a real database, and one-action transactions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Concatenate, ParamSpec, TypeVar

from ketachart.clock import ManualClock
from ketachart.domain import payloads as p
from ketachart.domain.acknowledgement import answered
from ketachart.domain.codes import ClinicalCode
from ketachart.domain.events import EventRecord
from ketachart.domain.reviewed import ReviewedHead
from ketachart.domain.vocab import (
    AlertResponse,
    Instruction,
    MentalStatus,
    Nausea,
    PreCheckCode,
    PreCheckStatus,
    Role,
    ScoreKind,
    StopReason,
)
from ketachart.errors import AcknowledgementRequired
from ketachart.services import charting, keys, patients, protocols, sessions, signing, users
from ketachart.services.actors import Actor
from ketachart.services.keys import UnlockedClinicKey
from ketachart.services.protocols import ProtocolRow
from ketachart.services.sign_in import PasswordProof, prove_password
from ketachart.services.users import new_password
from ketachart.storage.database import Database, Tx

P = ParamSpec("P")
R = TypeVar("R")

PASSWORDS = {
    "admin": "lantern-orbit-42",
    "nina": "velvet-canyon-17",
    "wes": "harbor-quill-93",
    "drm": "maple-prism-58x",
}
CLINIC_PASSPHRASE = "copper-lantern-harbor-77"


@dataclass
class Clinic:
    db: Database
    clock: ManualClock
    admin: Actor
    nurse: Actor
    nurse2: Actor
    physician: Actor
    protocols: list[ProtocolRow]
    patient: patients.PatientRow
    clinic_key: UnlockedClinicKey
    """The clinic key, opened by CLINIC_PASSPHRASE as an administrator's action would."""

    def act(self, fn: Callable[Concatenate[Tx, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run one service call as one committed transaction, as the application does."""
        with self.db.transaction() as tx:
            return fn(tx, *args, **kwargs)

    def proof(self, actor: Actor, password: str, purpose: str) -> PasswordProof:
        """`actor` types `password` again for `purpose` (to sign or attest), as the screens do."""
        return prove_password(self.db, actor, password, purpose=purpose)

    def seen(self, session_id: str) -> ReviewedHead:
        """The session's head as a screen opened now would show it (to sign what it shows)."""
        with self.db.reading() as tx:
            return signing.head_to_review(tx, session_id)

    def later(self, minutes: float) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    def open_session(self, protocol_index: int = 0, weight: str = "70") -> str:
        loaded = self.act(
            sessions.open_session,
            self.nurse,
            self.patient.id,
            self.protocols[protocol_index].id,
            "Chair 1",
            Decimal(weight),
        )
        return loaded.row.id

    def chart_reading(
        self,
        actor: Actor,
        session_id: str,
        payload: p.Payload,
        responses: tuple[AlertResponse, ...] = (AlertResponse.RECHECK,),
        **kwargs: Any,
    ) -> EventRecord:
        """Chart vitals (or a recovery check); if they raise alerts, answer the gate's prompt
        as the nurse does (the alerts it names, `responses`) and save them with it."""
        try:
            return self.act(charting.chart, actor, session_id, payload, **kwargs)
        except AcknowledgementRequired as needed:
            answer = answered(payload, needed.codes, responses)
            return self.act(charting.chart, actor, session_id, answer, **kwargs)

    def state(self, session_id: str) -> Any:
        with self.db.reading() as tx:
            return sessions.load_session(tx, session_id).state()


def make_clinic(db: Database, clock: ManualClock) -> Clinic:
    new_key = keys.new_clinic_key(CLINIC_PASSPHRASE)
    with db.transaction() as tx:
        clinic_key = keys.store_clinic_key(tx, new_key)
        admin = users.create_user(
            tx,
            None,
            "admin",
            "Ádám Admin",
            "",
            Role.ADMIN,
            new_password(PASSWORDS["admin"]),
            clinic_key=clinic_key,
        )
        nurse = users.create_user(
            tx,
            admin,
            "nina",
            "Nina Øster",
            "RN",
            Role.NURSE,
            new_password(PASSWORDS["nina"]),
            clinic_key=clinic_key,
        )
        nurse2 = users.create_user(
            tx,
            admin,
            "wes",
            "Wes Ng",
            "RN",
            Role.NURSE,
            new_password(PASSWORDS["wes"]),
            clinic_key=clinic_key,
        )
        physician = users.create_user(
            tx,
            admin,
            "drm",
            "María Núñez",
            "MD",
            Role.PHYSICIAN,
            new_password(PASSWORDS["drm"]),
            clinic_key=clinic_key,
        )
        rows = protocols.install_example_protocols(tx)
        patient = patients.register_patient(
            tx,
            nurse,
            patients.PatientDetails(
                "MRN-0001", "Łukasiewicz", "Zoë", date(1980, 2, 3), "female", "Penicillin"
            ),
        )
    return Clinic(db, clock, admin, nurse, nurse2, physician, rows, patient, clinic_key)


ALL_PRE_CHECKS = p.PreChecks(
    tuple(p.PreCheckItem(code, PreCheckStatus.DONE) for code in PreCheckCode)
)
BASELINE = p.Vitals(systolic=120, diastolic=80, heart_rate=72, resp_rate=14, spo2=98)
DURING = p.Vitals(systolic=128, diastolic=82, heart_rate=76, resp_rate=14, spo2=98, moaas=4)
ALDRETE_FULL = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}
RIDE = p.RideConfirmed("Jürgen Weiß", "spouse", "+1 555 010 0199", "Nina Øster")
ALL_INSTRUCTIONS = p.Discharge(tuple(Instruction))


def acknowledged(vitals: p.Vitals, *codes: ClinicalCode) -> p.Vitals:
    """Vitals that raise the alerts `codes`, acknowledged (rechecked) as the gate asks."""
    ack = p.AlertAcknowledgement(codes, (AlertResponse.RECHECK,))
    return replace(vitals, acknowledgement=ack)


def recovery_check(score: dict[str, int] | None = None) -> p.RecoveryCheck:
    return p.RecoveryCheck(
        p.Vitals(122, 80, 70, 14, 98, moaas=5),
        Nausea.NONE,
        MentalStatus.BASELINE,
        ScoreKind.ALDRETE,
        score or ALDRETE_FULL,
    )


def chart_to_infusing(clinic: Clinic, session_id: str, rate: str = "52.5") -> None:
    """Pre-checks, baseline vitals, IV start and infusion start (at the plan's rate)."""
    nurse = clinic.nurse
    clinic.act(charting.chart, nurse, session_id, ALL_PRE_CHECKS)
    clinic.act(charting.chart, nurse, session_id, BASELINE)
    clinic.act(charting.chart, nurse, session_id, p.IvStart("Left forearm", 22, 1))
    clinic.later(1)
    clinic.act(charting.start_infusion, nurse, session_id, Decimal(rate), Decimal(50))


def chart_to_discharged(clinic: Clinic, session_id: str, *, with_vitals: bool = False) -> None:
    """Infused 40 min, stopped, one recovery check, IV out, discharged. `with_vitals`: vitals
    every 10 min while infusing (the 40-minute peak reading included), so that no check was
    overdue; without, the session's entries (and their seq numbers) are the minimal ones."""
    nurse = clinic.nurse
    chart_to_infusing(clinic, session_id)
    if not with_vitals:
        clinic.later(40)
    for _reading in range(4 if with_vitals else 0):
        clinic.later(10)
        clinic.act(charting.chart, nurse, session_id, DURING)
    clinic.act(
        charting.chart, nurse, session_id, p.InfusionStop(Decimal("35.0"), StopReason.COMPLETED)
    )
    clinic.later(15)
    clinic.act(charting.record_recovery_check, nurse, session_id, recovery_check())
    clinic.later(15)
    clinic.act(charting.chart, nurse, session_id, p.IvRemoved(True, True))
    clinic.act(charting.discharge_patient, nurse, session_id, ALL_INSTRUCTIONS, ride=RIDE)
