"""Sections 4-5 of the session summary: vitals (trend chart and table) and scores."""

from __future__ import annotations

from ketachart.domain import payloads as p
from ketachart.domain.acknowledgement import response_text
from ketachart.domain.events import EventKind
from ketachart.domain.timeline import EffectiveEvent
from ketachart.domain.trend import clock_ticks, session_trend
from ketachart.reports.alert_responses import ReadingAlerts
from ketachart.reports.blocks import (
    Block,
    Cell,
    Span,
    TableBlock,
    TextBlock,
    Tone,
    VitalsChartBlock,
)
from ketachart.reports.context import ReportContext
from ketachart.reports.formats import num

MAX_TICKS = 12


def readings(ctx: ReportContext) -> list[EffectiveEvent]:
    """Every charted set of vitals, recovery checks included, voided ones kept."""
    return ctx.of_kind(EventKind.VITALS, EventKind.RECOVERY_CHECK)


def vitals_of(entry: EffectiveEvent) -> p.Vitals:
    payload = entry.payload
    if isinstance(payload, p.RecoveryCheck):
        return payload.vitals
    assert isinstance(payload, p.Vitals)
    return payload


def vitals_section(ctx: ReportContext) -> tuple[Block, ...]:
    entries = readings(ctx)
    if not entries:
        return (TextBlock("No vitals charted."),)
    return (vitals_chart(ctx), vitals_table(ctx, entries))


def _phase(ctx: ReportContext, entry: EffectiveEvent, baseline_id: str | None) -> str:
    start, stop = ctx.state.infusion_started_at, ctx.state.infusion_stopped_at
    if entry.kind is EventKind.RECOVERY_CHECK:
        return "Recovery"
    if start is None or entry.occurred_at <= start:
        return "Baseline" if entry.record.id == baseline_id else "Before"
    return "Infusion" if stop is None or entry.occurred_at <= stop else "After stop"


def vitals_table(ctx: ReportContext, entries: list[EffectiveEvent]) -> TableBlock:
    alerts = ReadingAlerts.of(ctx.state)
    baseline = ctx.model.baseline
    baseline_id = None if baseline is None else baseline.event_id
    rows = tuple(_vitals_row(ctx, entry, alerts, baseline_id) for entry in entries)
    return TableBlock(
        ("Time", "Phase", "BP mmHg", "HR /min", "RR /min", "SpO2 %", "Temp °C", "Alerts", "By"),
        rows,
        (0.8, 1.1, 1.1, 0.8, 0.8, 0.8, 0.8, 1.6, 2.2),
        title="Vitals",
    )


def _vitals_row(
    ctx: ReportContext, entry: EffectiveEvent, alerts: ReadingAlerts, baseline_id: str | None
) -> tuple[Cell, ...]:
    v = vitals_of(entry)
    temperature = num(v.temperature_c) if v.temperature_c is not None else "—"
    flagged = alerts.by_event.get(entry.record.id, ())
    alert_cell: Cell = (Span(", ".join(flagged), bold=True, tone=Tone.ALERT),) if flagged else ""
    if flagged and v.acknowledgement is not None:
        alert_cell = (*alert_cell, Span(f"\nAcknowledged: {response_text(v.acknowledgement)}"))
    values = (f"{v.systolic}/{v.diastolic}", str(v.heart_rate), str(v.resp_rate), str(v.spo2))
    return (
        ctx.when(entry),
        _phase(ctx, entry, baseline_id),
        *(ctx.value(entry, text) for text in (*values, temperature)),
        alert_cell,
        ctx.attribution(entry),
    )


def vitals_chart(ctx: ReportContext) -> VitalsChartBlock:
    """The trend the chart screen shows, as of the report's moment."""
    trend = session_trend(ctx.model)
    ticks = clock_ticks(trend.start, trend.end, MAX_TICKS)
    return VitalsChartBlock(trend, tuple((at, ctx.times.time(at)) for at in ticks))


def scores_section(ctx: ReportContext) -> tuple[Block, ...]:
    scored = [e for e in readings(ctx) if _has_scores(vitals_of(e))]
    rows = tuple(_score_row(ctx, e) for e in scored)
    table = TableBlock(
        ("Time", "MOAA/S (5-0)", "Pain (0-10)", "CADSS-6 (0-24)", "By"),
        rows,
        (0.8, 1.6, 1.6, 1.6, 2.4),
        empty="No sedation, pain or dissociation scores charted.",
    )
    summary = _score_summary([vitals_of(e) for e in scored if not e.voided])
    return (table, TextBlock(summary)) if summary else (table,)


def _has_scores(v: p.Vitals) -> bool:
    return v.moaas is not None or v.pain is not None or v.cadss6 is not None


def _score_row(ctx: ReportContext, entry: EffectiveEvent) -> tuple[Cell, ...]:
    v = vitals_of(entry)
    values = [("—" if value is None else str(value)) for value in (v.moaas, v.pain, v.cadss6)]
    return (
        ctx.when(entry),
        *(ctx.value(entry, value) for value in values),
        ctx.attribution(entry),
    )


def _score_summary(charted: list[p.Vitals]) -> str:
    parts = []
    moaas = [v.moaas for v in charted if v.moaas is not None]
    pain = [v.pain for v in charted if v.pain is not None]
    cadss = [v.cadss6 for v in charted if v.cadss6 is not None]
    if moaas:
        parts.append(f"deepest sedation MOAA/S {min(moaas)}")
    if pain:
        parts.append(f"highest pain {max(pain)}/10")
    if cadss:
        parts.append(f"highest CADSS-6 {max(cadss)}/24")
    return ("Over the session: " + "; ".join(parts) + ".") if parts else ""
