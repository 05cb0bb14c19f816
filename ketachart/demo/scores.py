"""Recovery readings and the discharge score items they earn, for demo charts."""

from __future__ import annotations

import random

from ketachart.domain import payloads as p
from ketachart.domain.scores import bp_change_points, padss_vital_points, spo2_points
from ketachart.domain.vocab import Nausea, ScoreKind


def recovery_vitals(rng: random.Random, baseline: p.Vitals, *, last: bool) -> p.Vitals:
    """Back near baseline; the last check before discharge is always within 20 %."""
    return p.Vitals(
        systolic=baseline.systolic + rng.randint(-6, 10),
        diastolic=baseline.diastolic + rng.randint(-4, 6),
        heart_rate=baseline.heart_rate + rng.randint(-4, 6),
        resp_rate=baseline.resp_rate,
        spo2=rng.randint(95, 99),
        moaas=5 if last else rng.choice((4, 5)),
        pain=baseline.pain,
    )


def score_items(
    kind: ScoreKind, baseline: p.Vitals, vitals: p.Vitals, *, awake: bool, nausea: Nausea
) -> dict[str, int]:
    """Modified Aldrete or PADSS items (0-2 each) as a nurse would score this reading."""
    alert = 2 if awake else 1
    if kind is ScoreKind.ALDRETE:
        return {
            "activity": 2,
            "respiration": 2,
            "circulation": bp_change_points(baseline.systolic, vitals.systolic),
            "consciousness": alert,
            "spo2": spo2_points(vitals.spo2),
        }
    return {
        "vital_signs": padss_vital_points(baseline.systolic, vitals.systolic),
        "activity_mental_status": alert,
        "pain_nausea_vomiting": 2 if nausea is Nausea.NONE else 1,
        "bleeding": 2,
        "intake_output": alert,
    }
