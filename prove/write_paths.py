"""Every user action that writes, for the harness areas that break the database underneath
them (prove.full_disk, prove.read_only): charting verbs, corrections, signatures, addenda,
patients, users, logins, protocols, clinic settings, and the audited reads (login, viewing a
chart, listing sessions, export, print), which write their audit entry.

Each path has `prepare`, which makes a fresh target for it while the database can be
written (a session charted up to the right point, a user), and `act`, the action itself as
the user's one transaction.
"""

from __future__ import annotations

import subprocess
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind
from ketachart.domain.protocol import EXAMPLE_PROTOCOLS
from ketachart.domain.vocab import Role, Severity, SideEffectKind, StopReason
from ketachart.errors import AuthenticationFailed
from ketachart.reports.export import export_session_pdf, print_session_pdf
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
from ketachart.services.clinic import ClinicInfo, set_clinic
from ketachart.services.sign_in import sign_in
from ketachart.services.users import new_password
from tests.storage.helpers import ONDANSETRON, VIAL, chart_to_stopped, event_id
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

IV = p.IvStart("Left hand", 22, 1)
Stage = Callable[[Clinic, str], None]


@dataclass(frozen=True)
class WritePath:
    """One user action that writes: `prepare` makes a fresh target for it (with space),
    `act` is the action itself, as the user's one transaction. `looks`: an audited read or a
    login attempt, which writes only its audit entry (a read-only database cannot record
    it, and lets it happen)."""

    name: str
    act: Callable[[Clinic, str], object]
    prepare: Callable[[Clinic], str] = lambda _clinic: ""
    looks: bool = False


def session(stage: Stage | None = None) -> Callable[[Clinic], str]:
    def prepare(clinic: Clinic) -> str:
        sid = clinic.open_session()
        if stage is not None:
            stage(clinic, sid)
        return sid

    return prepare


def _chart(*payloads: p.Payload) -> Stage:
    def stage(clinic: Clinic, sid: str) -> None:
        for payload in payloads:
            clinic.act(charting.chart, clinic.nurse, sid, payload)

    return stage


def _ready_to_discharge(clinic: Clinic, sid: str) -> None:
    chart_to_stopped(clinic, sid)
    clinic.later(31)
    clinic.act(charting.record_recovery_check, clinic.nurse, sid, recovery_check())
    clinic.act(charting.chart, clinic.nurse, sid, p.IvRemoved(True, True))


def _with_addendum(clinic: Clinic, sid: str) -> None:
    chart_to_discharged(clinic, sid)
    clinic.act(signing.add_addendum, clinic.nurse, sid, "Patient called: well.")


def _stopped(clinic: Clinic, sid: str) -> None:
    chart_to_stopped(clinic, sid)
    clinic.later(31)


def _paused(clinic: Clinic, sid: str) -> None:
    chart_to_infusing(clinic, sid)
    clinic.act(charting.chart, clinic.nurse, sid, p.Pause("restroom"))


def _unique() -> str:
    return uuid.uuid4().hex[:10]


def _new_patient() -> patients.PatientDetails:
    return patients.PatientDetails(f"MRN-{_unique()}", "Full", "Disk", date(1990, 1, 1), "male")


def _edited(clinic: Clinic) -> patients.PatientDetails:
    return replace(clinic.patient.details(), notes=f"note {_unique()}")


def _new_user(clinic: Clinic) -> str:
    name = f"u{_unique()}"
    made = clinic.act(
        users.create_user,
        clinic.admin,
        name,
        "Temp",
        "RN",
        Role.NURSE,
        new_password("quiet-orchard-71"),
        clinic_key=clinic.clinic_key,
    )
    return str(made.id)


def _correct(clinic: Clinic, sid: str) -> object:
    target = event_id(clinic, sid, EventKind.VITALS)
    fixed = p.Vitals(systolic=121, diastolic=80, heart_rate=72, resp_rate=14, spo2=98)
    return clinic.act(
        corrections.correct_entry, clinic.nurse, sid, target, "typo", fixed, seen_version=None
    )


def _failed_login(clinic: Clinic, _target: str) -> object:
    """A wrong password is recorded (and counted towards the lockout) before it is refused."""
    try:
        return sign_in(clinic.db, clinic.nurse2.username, "not-the-password").actor
    except AuthenticationFailed as refused:
        return refused


def _print(clinic: Clinic, sid: str) -> object:
    def spooler(*args: Any, **_kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, 0, "request id is Desk-1 (1 file(s))", "")

    return print_session_pdf(clinic.db, clinic.nurse, sid, "Desk", spooler)


def _export(clinic: Clinic, sid: str) -> object:
    with tempfile.TemporaryDirectory(prefix="ketachart-export-") as folder:
        return export_session_pdf(clinic.db, clinic.nurse, sid, Path(folder) / "s.pdf")


def _sign_addendum(clinic: Clinic, sid: str) -> object:
    addendum = event_id(clinic, sid, EventKind.ADDENDUM)
    doctor = clinic.physician
    return clinic.act(
        signing.sign_addendum,
        doctor,
        sid,
        addendum,
        clinic.proof(doctor, PASSWORDS[doctor.username], signing.SIGN_PURPOSE),
        seen_head=clinic.seen(sid),
    )


def _verb(fn: Callable[..., object], *args: Any, **kwargs: Any) -> Callable[[Clinic, str], object]:
    """A charting call by the nurse on the target session: fn(tx, nurse, sid, *args)."""
    return lambda c, sid: c.act(fn, c.nurse, sid, *args, **kwargs)


def _note(clinic: Clinic, sid: str) -> object:
    return clinic.act(charting.chart, clinic.nurse, sid, p.Note(f"note {_unique()}"))


def _controlled(clinic: Clinic, sid: str) -> object:
    nurse, witness = clinic.nurse, clinic.nurse2
    return clinic.act(charting.record_controlled_substance, nurse, sid, VIAL, witness)


def _attest(clinic: Clinic, sid: str) -> object:
    nurse = clinic.nurse
    return clinic.act(
        signing.attest,
        nurse,
        sid,
        clinic.proof(nurse, PASSWORDS[nurse.username], signing.ATTEST_PURPOSE),
        seen_head=clinic.seen(sid),
    )


def _sign(clinic: Clinic, sid: str) -> object:
    doctor = clinic.physician
    return clinic.act(
        signing.sign_session,
        doctor,
        sid,
        clinic.proof(doctor, PASSWORDS[doctor.username], signing.SIGN_PURPOSE),
        seen_head=clinic.seen(sid),
    )


WRITE_PATHS: tuple[WritePath, ...] = (
    WritePath("open session", lambda c, _t: c.open_session()),
    WritePath("pre-checks", _verb(charting.chart, ALL_PRE_CHECKS), session()),
    WritePath("vitals", _verb(charting.chart, BASELINE), session()),
    WritePath("IV start", _verb(charting.chart, IV), session()),
    WritePath(
        "infusion start",
        _verb(charting.start_infusion, Decimal("52.5"), Decimal(50)),
        session(_chart(ALL_PRE_CHECKS, BASELINE, IV)),
    ),
    WritePath(
        "rate change", _verb(charting.change_rate, Decimal(45), "BP"), session(chart_to_infusing)
    ),
    WritePath("pause", _verb(charting.chart, p.Pause("restroom")), session(chart_to_infusing)),
    WritePath("resume", _verb(charting.chart, p.Resume()), session(_paused)),
    WritePath(
        "side effect",
        _verb(charting.chart, p.SideEffect(SideEffectKind.NAUSEA, Severity.MILD)),
        session(chart_to_infusing),
    ),
    WritePath("rescue medicine", _verb(charting.give_rescue_medicine, ONDANSETRON), session()),
    WritePath("note", _note, session()),
    WritePath(
        "infusion stop",
        _verb(charting.chart, p.InfusionStop(Decimal(30), StopReason.COMPLETED)),
        session(chart_to_infusing),
    ),
    WritePath(
        "recovery check",
        _verb(charting.record_recovery_check, recovery_check()),
        session(chart_to_stopped),
    ),
    WritePath("IV removed", _verb(charting.chart, p.IvRemoved(True, True)), session(_stopped)),
    WritePath("ride home", _verb(charting.chart, RIDE), session()),
    WritePath(
        "discharge",
        _verb(charting.discharge_patient, ALL_INSTRUCTIONS, ride=RIDE),
        session(_ready_to_discharge),
    ),
    WritePath("controlled substance", _controlled, session()),
    WritePath("correction", _correct, session(_chart(BASELINE))),
    WritePath("attestation", _attest, session(chart_to_discharged)),
    WritePath("signature", _sign, session(chart_to_discharged)),
    WritePath(
        "addendum", _verb(signing.add_addendum, "Called: well."), session(chart_to_discharged)
    ),
    WritePath("addendum signature", _sign_addendum, session(_with_addendum)),
    WritePath(
        "register patient", lambda c, _t: c.act(patients.register_patient, c.nurse, _new_patient())
    ),
    WritePath(
        "update patient",
        lambda c, _t: c.act(patients.update_patient, c.nurse, c.patient.id, _edited(c)),
    ),
    WritePath("create user", lambda c, _t: _new_user(c)),
    WritePath(
        "change role",
        lambda c, uid: c.act(
            staff.change_role, c.admin, int(uid), Role.PHYSICIAN, clinic_key=c.clinic_key
        ),
        _new_user,
    ),
    WritePath(
        "deactivate user",
        lambda c, uid: c.act(staff.disable, c.admin, int(uid), clinic_key=c.clinic_key),
        _new_user,
    ),
    WritePath("failed login", _failed_login, looks=True),
    WritePath(
        "protocol save",
        lambda c, _t: c.act(protocols.save_protocol, c.admin, EXAMPLE_PROTOCOLS[0]),
    ),
    WritePath(
        "clinic settings",
        lambda c, _t: c.act(set_clinic, c.admin, ClinicInfo(f"Clinic {_unique()}", "")),
    ),
    WritePath(
        "login",
        lambda c, _t: sign_in(c.db, "drm", PASSWORDS["drm"]).actor,
        looks=True,
    ),
    WritePath("view chart", _verb(sessions.view_session), session(), looks=True),
    WritePath("list sessions", lambda c, _t: c.act(sessions.list_sessions, c.nurse), looks=True),
    WritePath("export PDF", _export, session(_chart(BASELINE)), looks=True),
    WritePath("print", _print, session(_chart(BASELINE)), looks=True),
)
