"""Sections 1-3 of the session summary: patient and session, pre-session checks with every
override, and the infusion with its dose and rate segments."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from ketachart.domain import payloads as p
from ketachart.domain.age import age_on
from ketachart.domain.allergies import AllergyStatus, allergy_text
from ketachart.domain.codes import code_label
from ketachart.domain.describe import escort_text
from ketachart.domain.dose import RateSegment, delivered_mg, to_mg
from ketachart.domain.events import KIND_LABELS, EventKind, EventRecord
from ketachart.domain.timeline import STATUS_LABELS, SessionStatus
from ketachart.domain.vocab import PRE_CHECK_LABELS, PreCheckCode, PreCheckStatus
from ketachart.reports.blocks import Block, Cell, FactsBlock, Span, TableBlock, Tone
from ketachart.reports.context import ENTRY_HEADER, ENTRY_WEIGHTS, ReportContext
from ketachart.reports.formats import minutes_between, num
from ketachart.services.patient_history import PatientChange


def patient_section(ctx: ReportContext) -> tuple[Block, ...]:
    patient, protocol, state = ctx.view.patient, ctx.protocol, ctx.state
    opened = ctx.of_kind(EventKind.SESSION_OPENED)[0]
    facts: tuple[tuple[str, Cell], ...] = (
        ("Patient", (Span(patient.display_name, bold=True),)),
        ("MRN", patient.mrn),
        ("Date of birth", f"{patient.date_of_birth.isoformat()} (age {_age(ctx)})"),
        ("Sex", patient.sex),
        ("Allergies", _allergies(patient.allergies, patient.no_known_allergies_at)),
        ("Weight", ctx.flagged(opened, f"{num(state.weight_kg)} kg (measured today)")),
        ("Protocol", f"{protocol.name} (version {protocol.version})"),
        ("Indication", protocol.indication),
        ("Drug", f"{protocol.drug} {num(protocol.concentration_mg_ml)} mg/mL"),
        ("Chair", ctx.view.session.chair),
        ("Session opened", _opened_text(ctx)),
        ("Status", _status_text(ctx)),
    )
    return (FactsBlock(facts), *_patient_changes(ctx))


def _patient_changes(ctx: ReportContext) -> tuple[Block, ...]:
    """A signed summary prints the patient as signed; each later change is noted under it
    (services.patients.patient_for_chart decides both)."""
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        ((Span(patient_change_note(ctx, change), bold=True, tone=Tone.ALERT),),)
        for change in ctx.view.patient_changes
    )
    if not rows:
        return ()
    return (TableBlock(("Changes to the patient's details",), rows, (1.0,)),)


def patient_change_note(ctx: ReportContext, change: PatientChange) -> str:
    """'Patient details changed after signing on <date> by <name>: allergies, sex'."""
    when = ctx.times.date(change.recorded_at).isoformat()
    who = "unknown" if change.recorded_by is None else ctx.view.authors.get(change.recorded_by)
    return (
        f"Patient details changed after signing on {when} by {who or 'unknown'}: "
        f"{', '.join(change.labels)}. The details above are those the session was signed with."
    )


def _age(ctx: ReportContext) -> int:
    return age_on(ctx.view.patient.date_of_birth, ctx.times.date(ctx.state.opened_at))


def _allergies(text: str, no_known_allergies_at: datetime | None) -> Cell:
    """The words the screens show (one domain function): listed allergies in red bold, 'not
    recorded' in bold (it must be asked), 'no known allergies' with its time, plain."""
    said = allergy_text(text, no_known_allergies_at)
    if said.status is AllergyStatus.LISTED:
        return (Span(said.text, bold=True, tone=Tone.ALERT),)
    if said.status is AllergyStatus.NOT_RECORDED:
        return (Span(said.text, bold=True),)
    return said.text


def _opened_text(ctx: ReportContext) -> str:
    opened = ctx.of_kind(EventKind.SESSION_OPENED)[0]
    return f"{ctx.times.date_time(opened.occurred_at)} by {ctx.author(opened.record.recorded_by)}"


def _status_text(ctx: ReportContext) -> Cell:
    status = ctx.state.status
    if status is SessionStatus.SIGNED:
        return STATUS_LABELS[status]
    return (Span(f"{STATUS_LABELS[status]}: not signed", bold=True, tone=Tone.ALERT),)


def pre_checks_section(ctx: ReportContext) -> tuple[Block, ...]:
    checks = TableBlock(
        ("Time", "Check", "Status", "Detail or reason for override", "Charted by"),
        tuple(_check_rows(ctx)),
        (0.8, 3.0, 1.3, 3.0, 2.0),
    )
    return (checks, overrides_table(ctx))


def _check_rows(ctx: ReportContext) -> list[tuple[Cell, ...]]:
    """Each charted check as it was charted, then every check never charted."""
    rows: list[tuple[Cell, ...]] = []
    for entry in ctx.of_kind(EventKind.PRE_CHECKS):
        assert isinstance(entry.payload, p.PreChecks)
        for item in entry.payload.items:
            label, detail = PRE_CHECK_LABELS[item.code], _detail(entry.payload, item)
            check = (ctx.value(entry, label), _check_status(item), ctx.value(entry, detail))
            rows.append((ctx.when(entry), *check, ctx.attribution(entry)))
    missing = (Span("Not charted", bold=True, tone=Tone.ALERT),)
    rows += [("", PRE_CHECK_LABELS[c], missing, "", "") for c in ctx.state.pre_checks_missing]
    return rows


def _detail(checks: p.PreChecks, item: p.PreCheckItem) -> str:
    """The check's detail; the ride home's names the escort arranged with it."""
    escort = checks.escort
    if item.code is not PreCheckCode.RIDE_ARRANGED or escort is None:
        return item.detail
    return "; ".join(part for part in (item.detail, f"Escort {escort_text(escort)}") if part)


def _check_status(item: p.PreCheckItem) -> Cell:
    if item.status is PreCheckStatus.OVERRIDDEN:
        return (Span("Overridden", bold=True, tone=Tone.ALERT),)
    return "Done" if item.status is PreCheckStatus.DONE else "Not applicable"


def overrides_table(ctx: ReportContext) -> TableBlock:
    """Every rule passed on purpose: overrides on entries and overridden pre-checks."""
    rows: list[tuple[Cell, ...]] = []
    for entry in ctx.entries:
        for override in entry.record.overrides:
            approver = ctx.author(override.approved_by) or "—"
            rule = code_label(override.code)
            rows.append(_override_row(ctx, entry.record, rule, override.reason, approver))
        if isinstance(entry.payload, p.PreChecks):
            for item in entry.payload.items:
                if item.status is PreCheckStatus.OVERRIDDEN:
                    rule = f"pre-check: {PRE_CHECK_LABELS[item.code]}"
                    rows.append(_override_row(ctx, entry.record, rule, item.detail, "—"))
    return TableBlock(
        ("Time", "Entry", "Rule overridden", "Reason", "Charted by", "Approved by"),
        tuple(rows),
        (0.8, 1.4, 2.4, 3.0, 1.7, 1.7),
        title="Overrides and confirmations",
        empty="No rule was overridden.",
    )


def _override_row(
    ctx: ReportContext, record: EventRecord, rule: str, reason: str, approver: str
) -> tuple[Cell, ...]:
    by = ctx.author(record.recorded_by)
    return (
        ctx.times.time(record.occurred_at),
        KIND_LABELS[record.kind],
        rule,
        reason,
        by,
        approver,
    )


INFUSION_KINDS = (
    EventKind.IV_START,
    EventKind.INFUSION_START,
    EventKind.RATE_CHANGE,
    EventKind.PAUSE,
    EventKind.RESUME,
    EventKind.INFUSION_STOP,
)


def infusion_section(ctx: ReportContext) -> tuple[Block, ...]:
    entries = TableBlock(
        ENTRY_HEADER,
        tuple(ctx.entry_row(e) for e in ctx.of_kind(*INFUSION_KINDS)),
        ENTRY_WEIGHTS,
        title="IV and infusion entries",
    )
    return (FactsBlock(_dose_facts(ctx)), entries, segments_table(ctx))


def delivered(ctx: ReportContext) -> Decimal:
    return delivered_mg(ctx.state.segments, ctx.infusion_end)


def _dose_facts(ctx: ReportContext) -> tuple[tuple[str, Cell], ...]:
    state = ctx.state
    return (
        ("Planned dose", _plan_text(ctx)),
        ("Protocol maximum", _maximum_text(ctx)),
        ("Delivered dose", _delivered_text(ctx)),
        ("Pump volume", _pump_text(ctx)),
        ("Infusion start", _moment(ctx, state.infusion_started_at)),
        ("Infusion stop", _stop_text(ctx)),
        ("Running time", _running_text(ctx)),
    )


def _plan_text(ctx: ReportContext) -> str:
    plan, per_kg = ctx.state.plan, ctx.protocol.planned_total_mg_per_kg
    return (
        f"{num(plan.total_mg, 1)} mg ({num(per_kg)} mg/kg) at {num(plan.rate_ml_h)} mL/h "
        f"over {plan.duration_min} min"
    )


def _maximum_text(ctx: ReportContext) -> str:
    protocol = ctx.protocol
    return (
        f"{num(ctx.state.plan.max_total_mg, 1)} mg ({num(protocol.max_total_mg_per_kg)} mg/kg); "
        f"rate at most {num(protocol.max_rate_mg_per_kg_h)} mg/kg/h"
    )


def _delivered_text(ctx: ReportContext) -> Cell:
    given = delivered(ctx)
    per_kg = given / ctx.state.weight_kg
    as_of = "" if ctx.state.infusion_stopped_at else f" so far (at {ctx.times.time(ctx.now)})"
    return (
        Span(f"{num(given, 1)} mg ({num(per_kg, 2)} mg/kg)", bold=True),
        Span(f"{as_of}; {_of_plan(given, ctx.state.plan.total_mg)}"),
    )


def _of_plan(given: Decimal, planned: Decimal) -> str:
    if planned <= 0:
        return "no planned dose"
    return f"{num(given / planned * 100, 0)} % of the planned dose (by the charted rates)"


def _pump_text(ctx: ReportContext) -> Cell:
    state = ctx.state
    if state.pump_volume_ml is None or state.concentration_mg_ml is None:
        return "Not charted (infusion not stopped)"
    by_pump = state.pump_volume_ml * state.concentration_mg_ml
    text = (
        f"{num(state.pump_volume_ml)} mL × {num(state.concentration_mg_ml)} mg/mL = "
        f"{num(by_pump, 1)} mg"
    )
    verdict = ctx.model.reconciliation
    if verdict.agrees:
        return f"{text}; the dose amounts agree"
    differ = f"; the dose amounts differ by up to {num(verdict.largest_difference_mg, 1)} mg: "
    resolved = ctx.model.dose_resolution_text
    if resolved is not None:
        return (Span(text), Span(differ + resolved, bold=True))
    return (Span(text), Span(differ + "reconcile", bold=True, tone=Tone.ALERT))


def _moment(ctx: ReportContext, at: datetime | None) -> str:
    return ctx.times.date_time(at) if at is not None else "Not charted"


def _stop_text(ctx: ReportContext) -> str:
    stops = [e for e in ctx.of_kind(EventKind.INFUSION_STOP) if not e.voided]
    if not stops or ctx.state.infusion_stopped_at is None:
        return "Not stopped"
    stop = stops[-1].payload
    assert isinstance(stop, p.InfusionStop)
    reason = stop.reason.value.replace("_", " ") + (f": {stop.detail}" if stop.detail else "")
    return f"{ctx.times.date_time(ctx.state.infusion_stopped_at)} ({reason})"


def _running_text(ctx: ReportContext) -> str:
    state = ctx.state
    if state.infusion_started_at is None:
        return "Not started"
    total = ctx.infusion_end - state.infusion_started_at
    pumping = sum(((s.end or ctx.infusion_end) - s.start for s in state.segments), timedelta(0))
    paused = round((total - pumping).total_seconds() / 60)
    return f"{minutes_between(state.infusion_started_at, ctx.infusion_end)}, paused {paused} min"


def segments_table(ctx: ReportContext) -> TableBlock:
    rows: list[tuple[Cell, ...]] = []
    segments = ctx.state.segments
    for index, segment in enumerate(segments):
        if index and segments[index - 1].end != segment.start:
            rows.append(_pause_row(ctx, segments[index - 1].end, segment.start))
        rows.append(_segment_row(ctx, index + 1, segment))
    if segments and segments[-1].end is not None and segments[-1].end < ctx.infusion_end:
        rows.append(_pause_row(ctx, segments[-1].end, ctx.infusion_end))
    return TableBlock(
        ("#", "From", "To", "Duration", "Rate mL/h", "mg/h", "mg/kg/h", "Delivered mg"),
        tuple(rows),
        (0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.2),
        title="Rate segments (delivered dose = rate × time, pauses excluded)",
        empty="The infusion has not started.",
    )


def _segment_row(ctx: ReportContext, number: int, segment: RateSegment) -> tuple[Cell, ...]:
    end = segment.end or ctx.infusion_end
    mg_h = segment.rate_ml_h * segment.concentration_mg_ml
    mg = to_mg(segment.mg_until(ctx.infusion_end))
    until = ctx.times.time(end) if segment.end else f"running ({ctx.times.time(end)})"
    return (
        str(number),
        ctx.times.time(segment.start),
        until,
        minutes_between(segment.start, end),
        num(segment.rate_ml_h),
        num(mg_h),
        num(to_mg(Fraction(mg_h) / Fraction(ctx.state.weight_kg)), 3),
        num(mg, 1),
    )


def _pause_row(ctx: ReportContext, start: datetime | None, end: datetime) -> tuple[Cell, ...]:
    assert start is not None
    paused = (Span("Paused", tone=Tone.MUTED),)
    gap = minutes_between(start, end)
    return ("", ctx.times.time(start), ctx.times.time(end), gap, paused, "0", "0", "0")
