"""Today's weight: what makes it worth a second look before the dose is planned on it
(a pounds mix-up against the last session or, with no session to compare with, above the
protocol's pounds-question weight; a change over the protocol's fraction; an implausible value)."""

from __future__ import annotations

from decimal import Decimal

from ketachart.domain.codes import ClinicalCode, Concern, first_per_code
from ketachart.domain.protocol import AlertThresholds

LB_PER_KG = Decimal("2.20462")


def weight_concerns(
    weight_kg: Decimal, earlier_kg: Decimal | None, limits: AlertThresholds
) -> list[Concern]:
    """Every confirmation a charted weight needs; `earlier_kg` is the last session's weight."""
    detail = f"{weight_kg}/{earlier_kg}"
    concerns = _against_earlier(weight_kg, earlier_kg, limits, detail)
    if weight_kg > limits.weight_max_kg:
        kg = (weight_kg / LB_PER_KG).quantize(Decimal("0.1"))
        concerns.append(
            Concern(
                ClinicalCode.WEIGHT_POUNDS,
                f"{weight_kg} kg is implausible for an adult; if it was in pounds it is {kg} kg.",
                detail,
            )
        )
    elif weight_kg < limits.weight_min_kg:
        concerns.append(
            Concern(ClinicalCode.WEIGHT_LOW, f"{weight_kg} kg is implausibly low for an adult.")
        )
    return first_per_code(concerns)


def _against_earlier(
    weight_kg: Decimal, earlier_kg: Decimal | None, limits: AlertThresholds, detail: str
) -> list[Concern]:
    if earlier_kg is None or earlier_kg <= 0:
        # Above the implausible maximum, that concern asks the same question.
        if limits.pounds_question_above_kg < weight_kg <= limits.weight_max_kg:
            kg = (weight_kg / LB_PER_KG).quantize(Decimal("0.1"))
            return [
                Concern(
                    ClinicalCode.WEIGHT_POUNDS,
                    f"{weight_kg} kg with no earlier session to compare with: is this in "
                    f"pounds? ({weight_kg} lb would be {kg} kg.)",
                    detail,
                )
            ]
        return []
    ratio = weight_kg / earlier_kg
    if abs(ratio - LB_PER_KG) <= Decimal("0.25"):
        message = (
            f"{weight_kg} kg is about {LB_PER_KG:.1f} times the last weight "
            f"({earlier_kg} kg): was it entered in pounds?"
        )
        return [Concern(ClinicalCode.WEIGHT_POUNDS, message, detail)]
    if abs(ratio - 1) > limits.weight_change_fraction:
        percent = ((ratio - 1) * 100).quantize(Decimal(1))
        message = (
            f"Weight changed {percent:+} % since the last session ({earlier_kg} kg): "
            "please confirm."
        )
        return [Concern(ClinicalCode.WEIGHT_CHANGE, message, detail)]
    return []
