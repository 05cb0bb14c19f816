"""Every service call tried as every role: only the allowed ones succeed (admins manage users
and protocols but cannot chart or read charts; nurses chart but cannot sign or manage users)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind, Override
from ketachart.domain.protocol import EXAMPLE_PROTOCOLS
from ketachart.domain.vocab import Role
from ketachart.errors import OverrideRequired, PermissionDenied
from ketachart.services import (
    charting,
    corrections,
    patients,
    protocols,
    sessions,
    signing,
    staff,
    users,
)
from ketachart.services.actors import Actor
from ketachart.services.clinic import ClinicInfo, set_clinic
from ketachart.services.users import new_password
from tests.storage.helpers import ONDANSETRON, VIAL, chart_to_stopped, event_id, sign
from tests.support import (
    ALL_INSTRUCTIONS,
    ALL_PRE_CHECKS,
    BASELINE,
    PASSWORDS,
    RIDE,
    Clinic,
    chart_to_discharged,
    chart_to_infusing,
    recovery_check,
)

CLINICAL = frozenset({Role.NURSE, Role.PHYSICIAN})
PHYSICIAN = frozenset({Role.PHYSICIAN})
ADMIN = frozenset({Role.ADMIN})
RoleCall = Callable[[Clinic, Actor], object]


def session_at(clinic: Clinic, stage: Callable[[Clinic, str], None] | None = None) -> str:
    """A fresh session, charted by the nurse up to `stage`."""
    sid = clinic.open_session()
    if stage is not None:
        stage(clinic, sid)
    return sid


def ready_to_discharge(clinic: Clinic, sid: str) -> None:
    chart_to_stopped(clinic, sid)
    clinic.later(31)
    clinic.act(charting.record_recovery_check, clinic.nurse, sid, recovery_check())
    clinic.act(charting.chart, clinic.nurse, sid, p.IvRemoved(True, True))


def ready_to_start(clinic: Clinic, sid: str) -> None:
    for payload in (ALL_PRE_CHECKS, BASELINE, p.IvStart("Left forearm", 22, 1)):
        clinic.act(charting.chart, clinic.nurse, sid, payload)


def signed_with_addendum(clinic: Clinic, sid: str) -> None:
    chart_to_discharged(clinic, sid)
    sign(clinic, sid)
    clinic.act(signing.add_addendum, clinic.nurse, sid, "Patient called: well.")


def details(a: Actor) -> patients.PatientDetails:
    return patients.PatientDetails(f"MRN-{a.username}", "Doe", "Jo", date(1990, 1, 1), "male")


def with_note(patient: patients.PatientRow) -> patients.PatientDetails:
    return replace(patient.details(), notes="Prefers the window chair")


def correct_note(c: Clinic, a: Actor) -> object:
    sid = session_at(c)
    target = c.act(charting.chart, c.nurse, sid, p.Note("typo")).id
    fixed = p.Note("fixed")
    return c.act(corrections.correct_entry, a, sid, target, "typo", fixed, seen_version=None)


def attest(c: Clinic, a: Actor) -> object:
    sid = session_at(c, chart_to_discharged)
    proof = c.proof(a, PASSWORDS[a.username], signing.ATTEST_PURPOSE)
    return c.act(signing.attest, a, sid, proof, seen_head=c.seen(sid))


def sign_session(c: Clinic, a: Actor) -> object:
    sid = session_at(c, chart_to_discharged)
    proof = c.proof(a, PASSWORDS[a.username], signing.SIGN_PURPOSE)
    return c.act(signing.sign_session, a, sid, proof, seen_head=c.seen(sid))


def sign_addendum(c: Clinic, a: Actor) -> object:
    sid = session_at(c, signed_with_addendum)
    addendum = event_id(c, sid, EventKind.ADDENDUM)
    return c.act(
        signing.sign_addendum,
        a,
        sid,
        addendum,
        c.proof(a, PASSWORDS[a.username], signing.SIGN_PURPOSE),
        seen_head=c.seen(sid),
    )


def over_max_rate(c: Clinic, a: Actor) -> object:
    sid = session_at(c, chart_to_infusing)
    reason = (Override("dose.rate", "ordered"),)
    return c.act(charting.change_rate, a, sid, Decimal(110), "order", overrides=reason)


CALLS: dict[str, tuple[frozenset[Role], RoleCall]] = {
    "create user": (
        ADMIN,
        lambda c, a: c.act(
            users.create_user,
            a,
            f"new.{a.username}",
            "New Person",
            "RN",
            Role.NURSE,
            new_password("quiet-orchard-71"),
            clinic_key=c.clinic_key,
        ),
    ),
    "change role": (
        ADMIN,
        lambda c, a: c.act(staff.change_role, a, c.nurse2.id, Role.NURSE, clinic_key=c.clinic_key),
    ),
    "deactivate user": (
        ADMIN,
        lambda c, a: c.act(staff.disable, a, c.nurse2.id, clinic_key=c.clinic_key),
    ),
    "clinic settings": (
        ADMIN,
        lambda c, a: c.act(set_clinic, a, ClinicInfo("K", "")),
    ),
    "save protocol": (ADMIN, lambda c, a: c.act(protocols.save_protocol, a, EXAMPLE_PROTOCOLS[0])),
    "register patient": (CLINICAL, lambda c, a: c.act(patients.register_patient, a, details(a))),
    "update patient": (
        CLINICAL,
        lambda c, a: c.act(patients.update_patient, a, c.patient.id, with_note(c.patient)),
    ),
    "find patients": (CLINICAL, lambda c, a: c.act(patients.find_patients, a, "MRN")),
    "open session": (
        CLINICAL,
        lambda c, a: c.act(
            sessions.open_session, a, c.patient.id, c.protocols[0].id, "Chair 9", Decimal(70)
        ),
    ),
    "view chart": (CLINICAL, lambda c, a: c.act(sessions.view_session, a, session_at(c))),
    "chart": (CLINICAL, lambda c, a: c.act(charting.chart, a, session_at(c), p.Note("hello"))),
    "start infusion": (
        CLINICAL,
        lambda c, a: c.act(
            charting.start_infusion, a, session_at(c, ready_to_start), Decimal("52.5"), Decimal(50)
        ),
    ),
    "change rate": (
        CLINICAL,
        lambda c, a: c.act(
            charting.change_rate, a, session_at(c, chart_to_infusing), Decimal(40), "BP"
        ),
    ),
    "override max rate": (PHYSICIAN, over_max_rate),
    "rescue medicine": (
        CLINICAL,
        lambda c, a: c.act(charting.give_rescue_medicine, a, session_at(c), ONDANSETRON),
    ),
    "recovery check": (
        CLINICAL,
        lambda c, a: c.act(
            charting.record_recovery_check, a, session_at(c, chart_to_stopped), recovery_check()
        ),
    ),
    "discharge": (
        CLINICAL,
        lambda c, a: c.act(
            charting.discharge_patient,
            a,
            session_at(c, ready_to_discharge),
            ALL_INSTRUCTIONS,
            ride=RIDE,
        ),
    ),
    "controlled substance": (
        CLINICAL,
        lambda c, a: c.act(charting.record_controlled_substance, a, session_at(c), VIAL, c.nurse2),
    ),
    "correct entry": (CLINICAL, correct_note),
    "attest": (CLINICAL, attest),
    "add addendum": (
        CLINICAL,
        lambda c, a: c.act(signing.add_addendum, a, session_at(c, chart_to_discharged), "later"),
    ),
    "sign session": (PHYSICIAN, sign_session),
    "sign addendum": (PHYSICIAN, sign_addendum),
}


@pytest.mark.parametrize("role", list(Role))
def test_every_service_call_as_every_role(clinic: Clinic, role: Role) -> None:
    actor = {Role.NURSE: clinic.nurse, Role.PHYSICIAN: clinic.physician, Role.ADMIN: clinic.admin}[
        role
    ]
    outcome: dict[str, str] = {}
    for name, (_allowed, call) in CALLS.items():
        try:
            call(clinic, actor)
            outcome[name] = "allowed"
        except (PermissionDenied, OverrideRequired):  # the latter: "only a physician can"
            outcome[name] = "denied"
    expected = {
        name: "allowed" if role in allowed else "denied" for name, (allowed, _) in CALLS.items()
    }
    assert outcome == expected
