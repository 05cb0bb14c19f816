"""Registering, editing and finding patients."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from ketachart.domain import limits
from ketachart.domain.access import Action
from ketachart.domain.allergies import allergy_problem
from ketachart.domain.checks import Checks, nfc
from ketachart.domain.events import EventRecord
from ketachart.domain.identifiers import DEFAULT_MRN_RULE, MrnRule, check_mrn
from ketachart.domain.patient_versions import DETAIL_COLUMNS
from ketachart.errors import NotFound, ValidationError
from ketachart.models import Patient
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.services.clinic import clinic_mrn_rule
from ketachart.services.patient_history import (
    PatientChange,
    as_signed,
    last_version_before,
    record_version,
    signature_of,
    versions_of,
)
from ketachart.services.patient_search import keep_searchable, search_statement
from ketachart.storage.database import Tx

SEXES = ("female", "male", "other", "unknown")
TEXT_LIMITS = {
    "mrn": limits.CODE,
    "family_name": limits.PERSON_NAME,
    "given_name": limits.PERSON_NAME,
    "sex": len(max(SEXES, key=len)),
    "allergies": limits.DESCRIPTION,
    "notes": limits.NOTE,
}
"""The longest each typed field of a patient may be: normalising and checking use the same."""


@dataclass(frozen=True)
class PatientDetails:
    """What a person types to register or edit a patient."""

    mrn: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex: str
    allergies: str = ""
    notes: str = ""
    no_known_allergies: bool = False
    """The person asked and the patient knows of none (the time is the server's clock)."""

    def normalised(self) -> PatientDetails:
        """Every text in its composed (NFC) form: one name, however it was typed (a text over
        its limit is left as typed, to be refused by its length)."""
        texts: dict[str, Any] = {
            f.name: nfc(value, TEXT_LIMITS[f.name])
            for f in fields(self)
            if isinstance(value := getattr(self, f.name), str)
        }
        return replace(self, **texts)

    def check(self, today: date, mrn_rule: MrnRule = DEFAULT_MRN_RULE) -> None:
        checks = Checks()
        check_mrn(checks, self.mrn, mrn_rule)
        checks.text(
            "family_name",
            "Family name",
            self.family_name,
            required=True,
            max_len=TEXT_LIMITS["family_name"],
        )
        checks.text(
            "given_name",
            "Given name",
            self.given_name,
            required=True,
            max_len=TEXT_LIMITS["given_name"],
        )
        checks.not_after("date_of_birth", "Date of birth", self.date_of_birth, today)
        if self.date_of_birth < date(today.year - 120, 1, 1):
            checks.fail("date_of_birth", "Date of birth is more than 120 years ago.")
        if self.sex not in SEXES:
            checks.fail("sex", f"Sex must be one of: {', '.join(SEXES)}.")
        checks.text(
            "allergies",
            "Allergies",
            self.allergies,
            max_len=TEXT_LIMITS["allergies"],
            multiline=True,
        )
        problem = allergy_problem(self.allergies, self.no_known_allergies)
        if problem is not None:
            checks.fail("allergies", problem)
        checks.text("notes", "Notes", self.notes, max_len=TEXT_LIMITS["notes"], multiline=True)
        checks.done()


@dataclass(frozen=True)
class PatientRow:
    id: int
    mrn: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex: str
    allergies: str
    notes: str
    no_known_allergies_at: datetime | None = None
    """When "no known allergies" was recorded (None: not recorded, or allergies listed)."""

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"

    def details(self) -> PatientDetails:
        """What an edit starts from: the details as stored, "no known allergies" kept."""
        return PatientDetails(
            self.mrn,
            self.family_name,
            self.given_name,
            self.date_of_birth,
            self.sex,
            self.allergies,
            self.notes,
            no_known_allergies=self.no_known_allergies_at is not None,
        )


def _row(patient: Patient) -> PatientRow:
    return PatientRow(
        patient.id,
        patient.mrn,
        patient.family_name,
        patient.given_name,
        patient.date_of_birth,
        patient.sex,
        patient.allergies,
        patient.notes,
        patient.no_known_allergies_at,
    )


def register_patient(tx: Tx, actor: Actor, details: PatientDetails) -> PatientRow:
    actor.require(Action.MANAGE_PATIENTS)
    details = details.normalised()
    details.check(tx.now.date(), clinic_mrn_rule(tx))
    _require_unique_mrn(tx, details.mrn, None)
    patient = Patient(**_columns(details), created_at=tx.now, updated_at=tx.now)
    patient.no_known_allergies_at = _none_known_since(details, None, tx.now)
    tx.orm.add(patient)
    keep_searchable(tx, patient)
    version = record_version(tx, actor, patient)
    audit(tx, actor, "patient.create", "patient", str(patient.id), version)
    return _row(patient)


def update_patient(
    tx: Tx, actor: Actor, patient_id: int, details: PatientDetails, reason: str = ""
) -> PatientRow:
    """Change a patient's details: the row shows the new ones, and they are appended as the
    next version, the old ones kept (a signed session prints those it was signed with)."""
    actor.require(Action.MANAGE_PATIENTS)
    details = details.normalised()
    details.check(tx.now.date(), clinic_mrn_rule(tx))
    patient = _get(tx, patient_id)
    _require_unique_mrn(tx, details.mrn, patient_id)
    columns = {
        **_columns(details),
        "no_known_allergies_at": _none_known_since(details, patient.no_known_allergies_at, tx.now),
    }
    changed = sorted(k for k, v in columns.items() if getattr(patient, k) != v)
    for key, value in columns.items():
        setattr(patient, key, value)
    patient.updated_at = tx.now
    keep_searchable(tx, patient)
    version = record_version(tx, actor, patient, _checked_reason(reason))
    detail = f"fields={','.join(changed)} {version}"
    audit(tx, actor, "patient.update", "patient", str(patient_id), detail)
    return _row(patient)


def _checked_reason(reason: str) -> str:
    """Why the details were changed (optional), kept with the version."""
    reason = nfc(reason, limits.DESCRIPTION)
    checks = Checks()
    checks.text("reason", "Reason", reason, max_len=limits.DESCRIPTION, multiline=True)
    checks.done()
    return reason


def _columns(details: PatientDetails) -> dict[str, object]:
    """The typed details as patient columns ('no known allergies' is stored as a time)."""
    fields = dict(vars(details))
    del fields["no_known_allergies"]
    return fields


def _none_known_since(
    details: PatientDetails, recorded: datetime | None, now: datetime
) -> datetime | None:
    """When 'no known allergies' was recorded: kept from before if it still holds (an edit
    of the name does not re-ask), now if newly recorded, None once unticked."""
    if not details.no_known_allergies:
        return None
    return recorded if recorded is not None else now


def _require_unique_mrn(tx: Tx, mrn: str, own_id: int | None) -> None:
    found = tx.orm.scalar(select(Patient).where(Patient.mrn == mrn))
    if found is not None and found.id != own_id:
        raise ValidationError.single("mrn", f"MRN {mrn} belongs to another patient.")


def _get(tx: Tx, patient_id: int) -> Patient:
    patient = tx.orm.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"No patient with id {patient_id}.")
    return patient


def get_patient(tx: Tx, patient_id: int) -> PatientRow:
    return _row(_get(tx, patient_id))


def get_patients(tx: Tx, patient_ids: set[int]) -> dict[int, PatientRow]:
    """Several patients in one query (a screen listing many sessions), by id."""
    found = tx.orm.scalars(select(Patient).where(Patient.id.in_(patient_ids)))
    return {patient.id: _row(patient) for patient in found}


def patient_for_chart(
    tx: Tx, patient_id: int, events: Sequence[EventRecord]
) -> tuple[PatientRow, tuple[PatientChange, ...]]:
    """The patient as a chart shows them, and the changes to note: a signed chart shows the
    details as they were when it was signed, with every later change; any other chart the
    current details. The one place this is decided: the screen and the PDF both render it."""
    current = get_patient(tx, patient_id)
    signature = signature_of(events)
    if signature is None:
        return current, ()
    before = last_version_before(tx, patient_id, signature)
    at_signing, changes = as_signed(versions_of(tx, patient_id), signature, before)
    if at_signing is None:
        return current, ()
    return replace(current, **{c: getattr(at_signing, c) for c in DETAIL_COLUMNS}), changes


def find_patients(tx: Tx, actor: Actor, query: str, limit: int = 50) -> list[PatientRow]:
    """Search by MRN (its start, any case), the start of any word of the names (any case or
    accents) or date of birth (YYYY-MM-DD), ordered by name: see services.patient_search."""
    actor.require(Action.MANAGE_PATIENTS)
    text = nfc(query.strip()[: limits.SEARCH])
    return [_row(p) for p in tx.orm.scalars(search_statement(text, limit))]
