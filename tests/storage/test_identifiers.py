"""Identifiers on a real database (issue 12): a look-alike MRN is refused, not registered beside
the real one; names are stored composed (NFC) and found however they are typed; the clinic
sets its MRN pattern; accounts, the clinic and the chair refuse invisible characters too."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ketachart.domain import payloads as p
from ketachart.domain.events import Override
from ketachart.domain.identifiers import MrnRule
from ketachart.domain.vocab import Role
from ketachart.errors import PermissionDenied, ValidationError
from ketachart.models import AuditEntry, Patient
from ketachart.services import charting, patients, sessions, users
from ketachart.services import clinic as settings
from ketachart.services.actors import Actor
from ketachart.services.sign_in import sign_in
from ketachart.services.users import new_password
from ketachart.storage.database import Tx
from tests.support import PASSWORDS, Clinic

LOOK_ALIKES = {
    "zero-width space": "MRN-\u200b0001",
    "right-to-left override": "MRN-\u202e0001",
    "word joiner": "MRN\u2060-0001",
    "escape sequence": "MRN-0001\x1b[8m",
}


def new_patient(mrn: str, family: str = "Okafor", given: str = "Ada") -> patients.PatientDetails:
    return patients.PatientDetails(mrn, family, given, date(1975, 5, 6), "female")


def patient_count(c: Clinic) -> int:
    with c.db.reading() as tx:
        return tx.orm.scalar(select(func.count()).select_from(Patient)) or 0


@pytest.mark.parametrize("mrn", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_a_look_alike_mrn_is_refused(clinic: Clinic, mrn: str) -> None:
    before = patient_count(clinic)
    with pytest.raises(ValidationError) as raised:
        clinic.act(patients.register_patient, clinic.nurse, new_patient(mrn))
    assert [problem.field for problem in raised.value.problems] == ["mrn"]
    assert raised.value.message.startswith("MRN contains ")
    assert patient_count(clinic) == before


def test_a_look_alike_name_is_refused_on_edit_too(clinic: Clinic) -> None:
    row = clinic.patient
    edited = patients.PatientDetails(
        row.mrn, row.family_name, "Zo\u200bë", row.date_of_birth, row.sex, row.allergies
    )
    with pytest.raises(ValidationError, match="Given name contains an invisible character"):
        clinic.act(patients.update_patient, clinic.nurse, row.id, edited)


def test_names_are_stored_composed_and_found_either_way(clinic: Clinic) -> None:
    decomposed = new_patient("MRN-0002", "Nguye\u0302\u0303n", "Chloe\u0308")
    row = clinic.act(patients.register_patient, clinic.nurse, decomposed)
    assert (row.family_name, row.given_name) == ("Nguyễn", "Chloë")
    with clinic.db.reading() as tx:
        stored = tx.orm.get(Patient, row.id)
        assert stored is not None
        assert (stored.family_name, stored.given_name) == ("Nguyễn", "Chloë")
        for query in ("Nguyễn", "Nguye\u0302\u0303n", "Chloe\u0308"):
            found = patients.find_patients(tx, clinic.nurse, query)
            assert [r.id for r in found] == [row.id], query


def test_the_same_name_typed_two_ways_is_one_mrn(clinic: Clinic) -> None:
    clinic.act(patients.register_patient, clinic.nurse, new_patient("MRN-É1"))
    with pytest.raises(ValidationError, match="belongs to another patient"):
        clinic.act(patients.register_patient, clinic.nurse, new_patient("MRN-E\u03011"))


def test_the_clinic_sets_its_mrn_pattern(clinic: Clinic) -> None:
    rule = clinic.act(clinic_rule, clinic.admin)
    assert rule.description == "KC- and six digits"
    clinic.act(patients.register_patient, clinic.nurse, new_patient("KC-000042"))
    with pytest.raises(ValidationError, match=r"^MRN may only use KC- and six digits\.$"):
        clinic.act(patients.register_patient, clinic.nurse, new_patient("MRN-0042"))
    # a patient registered before keeps the MRN: the pattern applies when it is edited
    row = clinic.patient
    with pytest.raises(ValidationError, match="KC- and six digits"):
        clinic.act(patients.update_patient, clinic.nurse, row.id, new_patient(row.mrn))
    with clinic.db.reading() as tx:
        audited = tx.orm.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "clinic.mrn_pattern")
        )
        assert audited.all() == ["clinic.mrn_pattern"]


def clinic_rule(tx: Tx, actor: Actor) -> MrnRule:
    return settings.set_mrn_rule(tx, actor, r"KC-[0-9]{6}", "KC- and six digits")


def test_only_an_admin_sets_the_mrn_pattern(clinic: Clinic) -> None:
    with pytest.raises(PermissionDenied):
        clinic.act(clinic_rule, clinic.nurse)
    with clinic.db.reading() as tx:
        assert settings.clinic_mrn_rule(tx).description == "letters, digits and '-'"


def test_a_bad_mrn_pattern_is_refused(clinic: Clinic) -> None:
    with pytest.raises(ValidationError, match="not a regular expression"):
        clinic.act(settings.set_mrn_rule, clinic.admin, "KC-[0-9", "KC- and digits")


def test_accounts_refuse_invisible_characters_and_are_composed(clinic: Clinic) -> None:
    for username, name, credentials, field in (
        ("n\u200bina2", "Nina Two", "RN", "username"),
        ("nina2", "Nina\u202e Two", "RN", "display_name"),
        ("nina2", "Nina Two", "R\x07N", "credentials"),
    ):
        with pytest.raises(ValidationError) as raised:
            clinic.act(
                users.create_user,
                clinic.admin,
                username,
                name,
                credentials,
                Role.NURSE,
                new_password("quiet-orchard-71"),
                clinic_key=clinic.clinic_key,
            )
        assert [problem.field for problem in raised.value.problems] == [field]
    made = clinic.act(
        users.create_user,
        clinic.admin,
        "zoe\u0308",
        "Zoe\u0308 N",
        "RN",
        Role.NURSE,
        new_password("quiet-orchard-71"),
        clinic_key=clinic.clinic_key,
    )
    assert (made.username, made.display_name) == ("zoë", "Zoë N")
    signed_in = sign_in(clinic.db, "zoe\u0308", "quiet-orchard-71").actor
    assert signed_in.id == made.id


def test_the_clinic_name_and_the_chair_refuse_invisible_characters(clinic: Clinic) -> None:
    info = settings.ClinicInfo("Lindenhof\u200b Clinic", "")
    with pytest.raises(ValidationError, match="Clinic name contains an invisible character"):
        clinic.act(settings.set_clinic, clinic.admin, info)
    clinic.act(settings.set_clinic, clinic.admin, replace(info, name="Lindenhof", address="1\n2"))
    with pytest.raises(ValidationError, match="Chair or room contains an invisible character"):
        clinic.act(
            sessions.open_session,
            clinic.nurse,
            clinic.patient.id,
            clinic.protocols[0].id,
            "Chair\u202e 1",
            Decimal(70),
        )


def test_an_override_reason_with_an_invisible_character_is_refused(clinic: Clinic) -> None:
    session_id = clinic.open_session()
    override = Override("any", "fine\u202e")
    with pytest.raises(ValidationError, match="Reason for the override contains"):
        clinic.act(
            charting.chart,
            clinic.physician,
            session_id,
            p.Note("x"),
            overrides=(override,),
        )


def test_the_password_is_what_was_typed(clinic: Clinic) -> None:
    """Passwords are never normalised or refused for their characters: only hashed."""
    assert sign_in(clinic.db, "nina", PASSWORDS["nina"]).actor.id == clinic.nurse.id
