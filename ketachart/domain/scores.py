"""Discharge scores (Modified Aldrete, PADSS): items 0-2 each, total 10."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class CountedScore:
    """A recovery check's discharge score as it counts: items that follow from the check's own
    vitals (SpO2 points, circulation or vital-sign points against the baseline) are computed
    from them; a typed item that disagrees is listed and the computed one counts."""

    kind: ScoreKind
    items: dict[str, int]
    disagreements: tuple[tuple[str, int, int], ...]
    """(item, typed, computed) for every typed item that the vitals contradict."""

    @property
    def total(self) -> int:
        return score_total(self.items)


def counted_score(
    kind: ScoreKind,
    typed: dict[str, int],
    spo2: int,
    systolic: int,
    baseline_systolic: int | None,
) -> CountedScore:
    """The score a recovery check counts for, from its typed items and its own vitals."""
    computed = _computed_items(kind, spo2, systolic, baseline_systolic)
    items = {**typed, **{k: v for k, v in computed.items() if k in SCORE_ITEMS[kind]}}
    disagreements = tuple(
        (name, typed[name], value)
        for name, value in computed.items()
        if name in typed and typed[name] != value
    )
    return CountedScore(kind, items, disagreements)


def _computed_items(
    kind: ScoreKind, spo2: int, systolic: int, baseline_systolic: int | None
) -> dict[str, int]:
    if kind is ScoreKind.ALDRETE:
        items = {"spo2": spo2_points(spo2)}
        if baseline_systolic:
            items["circulation"] = bp_change_points(baseline_systolic, systolic)
        return items
    if baseline_systolic:
        return {"vital_signs": padss_vital_points(baseline_systolic, systolic)}
    return {}
