"""What a patient's allergy record says, in the same words on every screen and on paper.

Three different clinical statements, never to be confused: allergies are listed; "no known
allergies" was asked and recorded (at a time); or nobody has recorded anything yet, which
means the question must still be asked. An empty text field alone never means "none known".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

NO_KNOWN_ALLERGIES = "No known allergies"
NOT_RECORDED = "Allergies not recorded — ask the patient"
BOTH_GIVEN = "List the allergies or record no known allergies, not both."


class AllergyStatus(StrEnum):
    LISTED = "listed"
    """Allergies are named: shown in red, with a warning icon."""
    NONE_KNOWN = "none_known"
    """'No known allergies' was recorded: neutral, with the time it was recorded."""
    NOT_RECORDED = "not_recorded"
    """Nothing recorded yet: amber, the question must be asked."""


@dataclass(frozen=True)
class AllergyText:
    status: AllergyStatus
    text: str
    """What screens and paper say: the allergies as typed (outer spaces dropped), 'No known
    allergies (recorded …)', or the not-recorded warning."""

    @property
    def listed(self) -> bool:
        return self.status is AllergyStatus.LISTED


def allergy_text(allergies: str, no_known_allergies_at: datetime | None) -> AllergyText:
    """The one reading of a patient's allergy record (typed text wins: the service refuses
    both at once, and a listed allergy must never be hidden by an old 'none known')."""
    typed = allergies.strip()
    if typed:
        return AllergyText(AllergyStatus.LISTED, typed)
    if no_known_allergies_at is not None:
        recorded = no_known_allergies_at.astimezone().strftime("%Y-%m-%d %H:%M")
        return AllergyText(AllergyStatus.NONE_KNOWN, f"{NO_KNOWN_ALLERGIES} (recorded {recorded})")
    return AllergyText(AllergyStatus.NOT_RECORDED, NOT_RECORDED)


def allergy_problem(allergies: str, no_known_allergies: bool) -> str | None:
    """Why a patient form's allergy answer is refused: text and 'none known' exclude each
    other (None: acceptable)."""
    return BOTH_GIVEN if no_known_allergies and allergies.strip() else None


def allergy_count(allergies: str) -> int:
    """How many allergies the text names, counting entries split by ';', ',' or new lines
    (the banner's "12 allergies" when the list does not fit)."""
    return len([part for part in re.split(r"[;,\n]", allergies) if part.strip()])
