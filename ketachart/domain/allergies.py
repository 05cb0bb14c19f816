"""What a patient's allergy field says, in the same words on every screen and on paper.

Today the field is free text: an empty field is shown as 'No known allergies', as the
screens have always shown it. (A recorded 'no known allergies' state, distinct from 'not
asked', is the screens issue's work; when it comes, this is the one place that changes.)
"""

from __future__ import annotations

from dataclasses import dataclass

NO_KNOWN_ALLERGIES = "No known allergies"


@dataclass(frozen=True)
class AllergyText:
    listed: bool
    """The field names allergies (shown in red, with a warning)."""
    text: str
    """The allergies as typed (outer spaces dropped), or NO_KNOWN_ALLERGIES."""


def allergy_text(allergies: str) -> AllergyText:
    typed = allergies.strip()
    return AllergyText(True, typed) if typed else AllergyText(False, NO_KNOWN_ALLERGIES)
