"""Discharge scores (Modified Aldrete, PADSS): items 0-2 each, total 10."""

from __future__ import annotations

from decimal import Decimal

from ketachart.domain.checks import Checks
from ketachart.domain.vocab import ScoreKind

SCORE_ITEMS: dict[ScoreKind, tuple[str, ...]] = {
    ScoreKind.ALDRETE: ("activity", "respiration", "circulation", "consciousness", "spo2"),
    ScoreKind.PADSS: (
        "vital_signs",
        "activity_mental_status",
        "pain_nausea_vomiting",
        "bleeding",
        "intake_output",
    ),
}

SCORE_LABELS: dict[ScoreKind, str] = {
    ScoreKind.ALDRETE: "Modified Aldrete",
    ScoreKind.PADSS: "PADSS",
}


def check_score_items(checks: Checks, kind: ScoreKind, items: dict[str, int]) -> None:
    """Every item of the chosen score present, each 0-2, nothing extra."""
    expected = SCORE_ITEMS[kind]
    for name in expected:
        if name not in items:
            checks.fail(f"score.{name}", f"{SCORE_LABELS[kind]} item '{name}' is required (0-2).")
        else:
            checks.in_range(f"score.{name}", f"{SCORE_LABELS[kind]} {name}", items[name], 0, 2, "")
    for name in items:
        if name not in expected:
            checks.fail(f"score.{name}", f"'{name}' is not an item of {SCORE_LABELS[kind]}.")


def score_total(items: dict[str, int]) -> int:
    return sum(items.values())


def bp_change_points(baseline_systolic: int, systolic: int) -> int:
    """Circulation points: within 20 % of baseline = 2, 20-49 % = 1, 50 % or more = 0."""
    change = abs(Decimal(systolic - baseline_systolic)) / Decimal(baseline_systolic)
    if change < Decimal("0.20"):
        return 2
    if change < Decimal("0.50"):
        return 1
    return 0


def padss_vital_points(baseline_systolic: int, systolic: int) -> int:
    """PADSS vital signs: within 20 % = 2, 20-40 % = 1, over 40 % = 0."""
    change = abs(Decimal(systolic - baseline_systolic)) / Decimal(baseline_systolic)
    if change <= Decimal("0.20"):
        return 2
    if change <= Decimal("0.40"):
        return 1
    return 0


def spo2_points(spo2: int) -> int:
    """Aldrete SpO2 on room air: above 92 % = 2, 90-92 % = 1, below 90 % = 0."""
    if spo2 > 92:
        return 2
    if spo2 >= 90:
        return 1
    return 0
