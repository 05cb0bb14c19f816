"""The alerts a session raised, found again from its entries, and what was charted in answer.

A reviewer wants to see that every alarming reading was acted on: the answer is taken to be
what the nurse charted in the 15 minutes after it (a rate change, pause, side effect, rescue
medicine, note or stop), or, for an overdue check, the reading that ended the wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ketachart.domain.acknowledgement import acknowledgement_of, response_text
from ketachart.domain.codes import code_label
from ketachart.domain.describe import describe
from ketachart.domain.events import KIND_LABELS, EventKind
from ketachart.domain.monitoring import (
    Alert,
    AlertCode,
    vitals_alerts,
)
from ketachart.domain.timeline import EffectiveEvent, SessionState
from ketachart.reports.blocks import Cell, Span, TableBlock, Tone
from ketachart.reports.context import ReportContext

RESPONSE_WINDOW = timedelta(minutes=15)
RESPONSE_KINDS = frozenset(
    {
        EventKind.RATE_CHANGE,
        EventKind.PAUSE,
        EventKind.SIDE_EFFECT,
        EventKind.RESCUE_MEDICINE,
        EventKind.NOTE,
        EventKind.INFUSION_STOP,
    }
)
OVERDUE_CODES = (AlertCode.VITALS_OVERDUE, AlertCode.RECOVERY_OVERDUE)


def session_alerts(ctx: ReportContext) -> list[Alert]:
    """Every alert the session's entries raised, in time order (the session model's)."""
    return list(ctx.model.alert_history)


def alerts_table(ctx: ReportContext) -> TableBlock:
    rows = tuple(
        (ctx.times.time(alert.at), _alert_cell(alert), _answer(ctx, alert))
        for alert in session_alerts(ctx)
    )
    return TableBlock(
        ("Time", "Alert", "Charted in answer (within 15 min; for overdue checks, the next one)"),
        rows,
        (0.8, 3.6, 5.6),
        empty="No alerts were raised.",
    )


def _alert_cell(alert: Alert) -> Cell:
    return (Span(code_label(alert.code), bold=True), Span(f"\n{alert.message}"))


def _answer(ctx: ReportContext, alert: Alert) -> Cell:
    answers = _overdue_answer(ctx, alert) if alert.code in OVERDUE_CODES else _responses(ctx, alert)
    if not answers:
        return (Span("No charted response", bold=True, tone=Tone.ALERT),)
    return tuple(Span(("\n" if i else "") + text) for i, text in enumerate(answers))


def _responses(ctx: ReportContext, alert: Alert) -> list[str]:
    return [*_acknowledged(ctx, alert)] + [
        _response_text(ctx, entry)
        for entry in ctx.entries
        if entry.kind in RESPONSE_KINDS
        and not entry.voided
        and alert.at <= entry.occurred_at <= alert.at + RESPONSE_WINDOW
    ]


def _acknowledged(ctx: ReportContext, alert: Alert) -> list[str]:
    """The acknowledgement saved with the reading that raised the alert, if any."""
    for entry in ctx.entries:
        if entry.record.id == alert.event_id and not entry.voided:
            ack = acknowledgement_of(entry.payload)
            if ack is not None and alert.code in ack.codes:
                by = ctx.author(entry.record.recorded_by)
                return [f"Acknowledged with the reading: {response_text(ack)} ({by})"]
    return []


def _overdue_answer(ctx: ReportContext, alert: Alert) -> list[str]:
    kind = EventKind.VITALS if alert.code is AlertCode.VITALS_OVERDUE else EventKind.RECOVERY_CHECK
    later = [e for e in ctx.of_kind(kind) if not e.voided and e.occurred_at > alert.at]
    if not later:
        return []
    late_by = round((later[0].occurred_at - alert.at).total_seconds() / 60)
    return [f"{_response_text(ctx, later[0])} ({late_by} min after due)"]


def _response_text(ctx: ReportContext, entry: EffectiveEvent) -> str:
    by = ctx.author(entry.record.recorded_by)
    time = ctx.times.time(entry.occurred_at)
    return f"{time} {KIND_LABELS[entry.kind]}: {describe(entry.payload)} ({by})"


@dataclass(frozen=True)
class ReadingAlerts:
    """The alert labels of each reading, by event id, for the vitals table."""

    by_event: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, state: SessionState) -> ReadingAlerts:
        found: dict[str, tuple[str, ...]] = {}
        for alert in vitals_alerts(state):
            if alert.event_id is not None:
                found[alert.event_id] = (*found.get(alert.event_id, ()), code_label(alert.code))
        return cls(found)
