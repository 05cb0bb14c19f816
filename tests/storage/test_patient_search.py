"""Finding patients on both databases: folded names by the start of any word, the MRN by its
start in any case, the date of birth; an edit re-keys the patient, and verify is content."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from ketachart.models import Patient, PatientSearchKey
from ketachart.services import patients
from ketachart.services.patient_search import SEARCH_AID_DIFFERS
from ketachart.services.verify import verify_all
from tests.postgres import privileged
from tests.support import Clinic

NAMES = [
    ("MRN-0002", "Núñez", "María José"),
    ("MRN-0003", "Øster", "Nina"),
    ("mrn-0100", "王", "小明"),
    ("KC-7", "محمّد", "علي"),
    ("KC-8", "García Márquez", "Gabriel"),
    ("KC-9", "Nguyễn", "Văn An"),
]


def register(clinic: Clinic, mrn: str, family: str, given: str) -> patients.PatientRow:
    details = patients.PatientDetails(mrn, family, given, date(1975, 5, 6), "female")
    return clinic.act(patients.register_patient, clinic.nurse, details)


def found(clinic: Clinic, query: str, limit: int = 50) -> list[str]:
    with clinic.db.reading() as tx:
        return [row.mrn for row in patients.find_patients(tx, clinic.nurse, query, limit)]


@pytest.fixture
def registered(clinic: Clinic) -> Clinic:
    for mrn, family, given in NAMES:
        register(clinic, mrn, family, given)
    return clinic


@pytest.mark.parametrize(
    ("query", "mrns"),
    [
        ("lukasiewicz", ["MRN-0001"]),
        ("ŁUK", ["MRN-0001"]),
        ("zoe", ["MRN-0001"]),
        ("nunez", ["MRN-0002"]),
        ("NÚÑ", ["MRN-0002"]),
        ("jose", ["MRN-0002"]),
        ("oster", ["MRN-0003"]),
        ("小明", ["mrn-0100"]),
        ("王 小", ["mrn-0100"]),
        ("محمد", ["KC-7"]),
        ("marquez", ["KC-8"]),
        ("garcia marq", ["KC-8"]),
        ("an nguy", ["KC-9"]),
        ("nguyen zoe", []),
        ("mrn-000", ["MRN-0001", "MRN-0002", "MRN-0003"]),
        ("MRN-0100", ["mrn-0100"]),
        ("kc-", ["KC-8", "KC-9", "KC-7"]),
        ("1975-05-06", ["KC-8", "KC-9", "MRN-0002", "MRN-0003", "KC-7", "mrn-0100"]),
        ("ukasiewicz", []),
    ],
)
def test_search_finds_by_the_start_of_words_mrn_or_birth_date(
    registered: Clinic, query: str, mrns: list[str]
) -> None:
    assert found(registered, query) == mrns


def test_the_empty_search_lists_patients_by_folded_name_up_to_the_limit(
    registered: Clinic,
) -> None:
    everyone = found(registered, "")
    assert everyone == ["KC-8", "MRN-0001", "KC-9", "MRN-0002", "MRN-0003", "KC-7", "mrn-0100"]
    assert found(registered, "", limit=3) == everyone[:3]


def test_an_edit_re_keys_the_patient_and_verify_is_content(registered: Clinic) -> None:
    row = registered.patient
    renamed = patients.PatientDetails(
        "MRN-0001", "Abara", "Zoë", row.date_of_birth, row.sex, row.allergies
    )
    registered.act(patients.update_patient, registered.nurse, row.id, renamed)
    assert found(registered, "lukas") == []
    assert found(registered, "abara") == ["MRN-0001"]
    with registered.db.reading() as tx:
        keys = tx.orm.scalars(
            select(PatientSearchKey.key)
            .where(PatientSearchKey.patient_id == row.id)
            .order_by(PatientSearchKey.position)
        ).all()
        assert keys == ["mrn-0001", "abara", "zoe"]
        assert verify_all(tx) == []
    longer = patients.PatientDetails(
        "MRN-0001", "de la Cruz", "Zoë Ann", row.date_of_birth, row.sex, row.allergies
    )
    registered.act(patients.update_patient, registered.nurse, row.id, longer)
    assert found(registered, "cruz ann") == ["MRN-0001"]
    assert found(registered, "abara") == []
    registered.act(patients.update_patient, registered.nurse, row.id, renamed)
    assert found(registered, "cruz") == []
    with registered.db.reading() as tx:
        keys = tx.orm.scalars(
            select(PatientSearchKey.key)
            .where(PatientSearchKey.patient_id == row.id)
            .order_by(PatientSearchKey.position)
        ).all()
        assert keys == ["mrn-0001", "abara", "zoe", "", "", ""]  # places kept, matching nothing
        assert verify_all(tx) == []


def _search_problems(clinic: Clinic) -> list[str]:
    with clinic.db.reading() as tx:
        return [str(p) for p in verify_all(tx) if "search keys" in p.message]


def test_verify_reports_a_search_key_changed_in_sql(registered: Clinic) -> None:
    """A key rewritten behind ketachart's back hides the patient from a search by their
    name (and would show them for another's): verify names the patient."""
    assert _search_problems(registered) == []
    patient_id = registered.patient.id
    with privileged(registered.db) as connection:
        connection.execute(
            update(PatientSearchKey)
            .where(PatientSearchKey.patient_id == patient_id, PatientSearchKey.position == 1)
            .values(key="someoneelse")
        )
    assert _search_problems(registered) == [f"patient {patient_id}: {SEARCH_AID_DIFFERS}"]


def test_verify_reports_a_folded_name_changed_in_sql(registered: Clinic) -> None:
    patient_id = registered.patient.id
    with privileged(registered.db) as connection:
        connection.execute(
            update(Patient).where(Patient.id == patient_id).values(family_fold="zzz")
        )
    assert _search_problems(registered) == [f"patient {patient_id}: {SEARCH_AID_DIFFERS}"]
