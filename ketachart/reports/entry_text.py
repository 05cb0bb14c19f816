"""Words for stored vocabulary values; whole entries are described by domain.describe, the
same lines the chart screen shows."""

from __future__ import annotations

from ketachart.domain import payloads as p
from ketachart.domain.scores import SCORE_LABELS, score_total


def label(value: str) -> str:
    """A stored vocabulary value as words: 'stopped_early' -> 'Stopped early'."""
    return value.replace("_", " ").capitalize()


def recovery_score_text(check: p.RecoveryCheck) -> str:
    return f"{SCORE_LABELS[check.score_kind]} {score_total(check.score_items)}/10"
