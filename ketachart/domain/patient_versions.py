"""One version of a patient's details, and the hash that chains it to the one before.

Patient details change only by appending a version (services.patient_history), so a signed
session can print the details as they were when it was signed, and a row rewritten outside
ketachart shows up in `verify`. The migration that brings existing patients under the chain
uses the same hash, so it lives here, below storage and services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ketachart.domain.codec import format_instant
from ketachart.domain.events import chain_hash

DETAIL_COLUMNS = (
    "mrn",
    "family_name",
    "given_name",
    "date_of_birth",
    "sex",
    "allergies",
    "notes",
    "no_known_allergies_at",
)
"""The patients columns a version keeps: every detail a person types (plus when "no known
allergies" was recorded)."""

DETAIL_LABELS = {
    "mrn": "MRN",
    "family_name": "family name",
    "given_name": "given name",
    "date_of_birth": "date of birth",
    "sex": "sex",
    "allergies": "allergies",
    "notes": "notes",
    "no_known_allergies_at": "no known allergies",
}
"""How a changed column is named to a reader ("changed after signing: allergies, ...")."""


@dataclass(frozen=True)
class PatientVersionContent:
    """What one version's hash covers: the details, whose they are, who recorded them, when."""

    patient_id: int
    version: int
    mrn: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex: str
    allergies: str
    notes: str
    no_known_allergies_at: datetime | None
    recorded_at: datetime
    recorded_by: int | None
    reason: str

    def details(self) -> tuple[object, ...]:
        return tuple(getattr(self, column) for column in DETAIL_COLUMNS)

    def compute_hash(self, prev_hash: str) -> str:
        none_known = self.no_known_allergies_at
        return chain_hash(
            {
                "patient_id": self.patient_id,
                "version": self.version,
                "mrn": self.mrn,
                "family_name": self.family_name,
                "given_name": self.given_name,
                "date_of_birth": self.date_of_birth.isoformat(),
                "sex": self.sex,
                "allergies": self.allergies,
                "notes": self.notes,
                "no_known_allergies_at": None if none_known is None else format_instant(none_known),
                "recorded_at": format_instant(self.recorded_at),
                "recorded_by": self.recorded_by,
                "reason": self.reason,
            },
            prev_hash,
        )


def changed_columns(before: tuple[object, ...], after: tuple[object, ...]) -> tuple[str, ...]:
    """The detail columns that differ between two `details()` tuples, in column order."""
    return tuple(c for c, old, new in zip(DETAIL_COLUMNS, before, after, strict=True) if old != new)
