"""Sections 6-9 of the session summary: side effects and rescue medicines, the
controlled-substance record, recovery, and discharge with the ride home."""

from __future__ import annotations

from ketachart.domain import payloads as p
from ketachart.domain.describe import vitals_text
from ketachart.domain.discharge import discharge_blockers
from ketachart.domain.events import EventKind
from ketachart.domain.scores import SCORE_ITEMS, SCORE_LABELS
from ketachart.domain.timeline import EffectiveEvent, derive_state
from ketachart.domain.vocab import INSTRUCTION_LABELS, Instruction
from ketachart.reports.blocks import Block, Cell, FactsBlock, Span, TableBlock, Tone
from ketachart.reports.context import ENTRY_HEADER, ENTRY_WEIGHTS, ReportContext
from ketachart.reports.entry_text import label, recovery_score_text
from ketachart.reports.formats import minutes_between, num, yes_no


def _payloads(ctx: ReportContext, kind: EventKind) -> list[tuple[EffectiveEvent, p.Payload]]:
    return [(e, e.payload) for e in ctx.of_kind(kind)]


def side_effects_section(ctx: ReportContext) -> tuple[Block, ...]:
    return (_side_effects(ctx), _rescue_medicines(ctx), _notes(ctx))


def _side_effects(ctx: ReportContext) -> TableBlock:
    rows = []
    for entry, e in _payloads(ctx, EventKind.SIDE_EFFECT):
        assert isinstance(e, p.SideEffect)
        texts = (label(e.kind.value), e.severity.value, e.description or "—", e.intervention or "—")
        rows.append(
            (ctx.when(entry), *(ctx.value(entry, t) for t in texts), ctx.attribution(entry))
        )
    return TableBlock(
        ("Time", "Side effect", "Severity", "Description", "Intervention", "By"),
        tuple(rows),
        (0.8, 1.5, 1.0, 2.6, 2.6, 1.9),
        title="Side effects and interventions",
        empty="No side effects charted.",
    )


def _rescue_medicines(ctx: ReportContext) -> TableBlock:
    rows = []
    for entry, e in _payloads(ctx, EventKind.RESCUE_MEDICINE):
        assert isinstance(e, p.RescueMedicine)
        dose = f"{num(e.dose)} {e.unit.value} {e.route.value}"
        texts = (e.drug, dose, _indication(ctx, e), e.response or "—")
        rows.append(
            (ctx.when(entry), *(ctx.value(entry, t) for t in texts), ctx.attribution(entry))
        )
    return TableBlock(
        ("Time", "Medicine", "Dose, route", "Indication", "Response", "By"),
        tuple(rows),
        (0.8, 1.5, 1.3, 2.4, 2.5, 1.9),
        title="Rescue medicines",
        empty="No rescue medicines given.",
    )


def _indication(ctx: ReportContext, e: p.RescueMedicine) -> str:
    treated = next((x for x in ctx.entries if x.record.id == e.side_effect_id), None)
    if treated is None or not isinstance(treated.payload, p.SideEffect):
        return e.indication or "—"
    kind = label(treated.payload.kind.value)
    return f"{e.indication or kind} (side effect at {ctx.times.time(treated.occurred_at)})"


def _notes(ctx: ReportContext) -> TableBlock:
    rows = [
        (ctx.when(entry), ctx.value(entry, e.text), ctx.attribution(entry))
        for entry, e in _payloads(ctx, EventKind.NOTE)
        if isinstance(e, p.Note)
    ]
    return TableBlock(
        ("Time", "Note", "By"), tuple(rows), (0.8, 7.3, 1.9), title="Notes", empty="No notes."
    )


def controlled_substance_section(ctx: ReportContext) -> tuple[Block, ...]:
    rows = []
    for entry, e in _payloads(ctx, EventKind.CONTROLLED_SUBSTANCE):
        assert isinstance(e, p.ControlledSubstance)
        rows.append(_substance_row(ctx, entry, e))
    table = TableBlock(
        ("Time", "Drug, lot, expiry", "Vial", "Drawn mg", "Given mg", "Wasted mg", "By", "Witness"),
        tuple(rows),
        (0.7, 2.2, 1.4, 1.0, 1.0, 1.0, 1.5, 1.4),
        empty="No controlled-substance record charted.",
    )
    return (table, FactsBlock(_reconciliation(ctx), columns=1), *_reconciliation_entries(ctx))


def _reconciliation_entries(ctx: ReportContext) -> tuple[Block, ...]:
    """The reconciliation entries, with who recorded and who co-signed each (none: nothing)."""
    entries = ctx.of_kind(EventKind.DOSE_RECONCILIATION)
    if not entries:
        return ()
    rows = tuple(ctx.entry_row(entry) for entry in entries)
    return (TableBlock(ENTRY_HEADER, rows, ENTRY_WEIGHTS, title="Dose reconciliation"),)


def _substance_row(
    ctx: ReportContext, entry: EffectiveEvent, e: p.ControlledSubstance
) -> tuple[Cell, ...]:
    vial = f"{num(e.container_ml)} mL × {num(e.concentration_mg_ml)} mg/mL"
    drug = f"{e.drug}, lot {e.lot}, exp. {e.expiry.isoformat()}"
    amounts = (num(e.drawn_mg), num(e.administered_mg), num(e.wasted_mg))
    texts = (drug, vial, *amounts)
    return (
        ctx.when(entry),
        *(ctx.value(entry, t) for t in texts),
        ctx.attribution(entry),
        ctx.value(entry, e.witness_name),
    )


def _reconciliation(ctx: ReportContext) -> tuple[tuple[str, Cell], ...]:
    verdict = ctx.model.reconciliation
    if verdict.recorded_mg is None:
        return (("Reconciliation", (Span("No controlled-substance record", tone=Tone.ALERT),)),)
    text = (
        f"administered per record {num(verdict.recorded_mg, 1)} mg; delivered per charted "
        f"rates {num(verdict.delivered_mg, 1)} mg"
    )
    if verdict.pump_mg is not None:
        text += f"; by pump volume {num(verdict.pump_mg, 1)} mg"
    if verdict.agrees:
        return (("Reconciliation", text + ": agree"),)
    resolved = ctx.model.dose_resolution_text
    if resolved is not None:
        return (("Reconciliation", f"{text}: differ, {resolved}"),)
    return (("Reconciliation", (Span(text + ": differ, reconcile", tone=Tone.ALERT),)),)


def recovery_section(ctx: ReportContext) -> tuple[Block, ...]:
    rows = []
    for entry, e in _payloads(ctx, EventKind.RECOVERY_CHECK):
        assert isinstance(e, p.RecoveryCheck)
        texts = (vitals_text(e.vitals), e.nausea.value, e.mental_status.value, _score_items(e))
        rows.append(
            (ctx.when(entry), *(ctx.value(entry, t) for t in texts), ctx.attribution(entry))
        )
    table = TableBlock(
        ("Time", "Vitals", "Nausea", "Mental status", "Discharge score", "By"),
        tuple(rows),
        (0.8, 2.8, 0.9, 1.2, 2.5, 1.8),
        empty="No recovery checks charted.",
    )
    return (table, FactsBlock(_recovery_facts(ctx), columns=1))


def _score_items(e: p.RecoveryCheck) -> str:
    items = ", ".join(
        f"{name.replace('_', ' ')} {e.score_items.get(name, '—')}"
        for name in SCORE_ITEMS[e.score_kind]
    )
    return f"{recovery_score_text(e)} ({items})"


def _recovery_facts(ctx: ReportContext) -> tuple[tuple[str, Cell], ...]:
    state, protocol = ctx.state, ctx.protocol
    score = state.discharge_score
    rule = f"{SCORE_LABELS[protocol.discharge_score]} ≥ {protocol.discharge_threshold}"
    last: Cell = "No recovery check yet" if score is None else f"{score}/10 (discharge at {rule})"
    if score is not None and score < protocol.discharge_threshold:
        last = (Span(f"{score}/10: below the discharge rule {rule}", bold=True, tone=Tone.ALERT),)
    observed = "Infusion not stopped"
    if state.infusion_stopped_at is not None:
        end = state.discharged_at or ctx.now
        observed = minutes_between(state.infusion_stopped_at, end) + " after infusion stop"
    minimum = (
        f"{protocol.min_observation_min} min; checks every {protocol.recovery_interval_min} min"
    )
    return (
        ("Last discharge score", last),
        ("Observation", observed),
        ("Protocol minimum", minimum),
    )


def discharge_section(ctx: ReportContext) -> tuple[Block, ...]:
    return (FactsBlock(_iv_facts(ctx) + _ride_facts(ctx) + _discharge_facts(ctx), columns=1),)


def _latest(ctx: ReportContext, kind: EventKind) -> EffectiveEvent | None:
    entries = ctx.of_kind(kind)
    counted = [e for e in entries if not e.voided] or entries
    return counted[-1] if counted else None


def _charted(ctx: ReportContext, entry: EffectiveEvent) -> str:
    return f"{ctx.times.date_time(entry.occurred_at)} by {ctx.author(entry.record.recorded_by)}"


def _iv_facts(ctx: ReportContext) -> tuple[tuple[str, Cell], ...]:
    entry = _latest(ctx, EventKind.IV_REMOVED)
    if entry is None:
        return (("IV removed", (Span("Not charted", tone=Tone.ALERT),)),)
    e = entry.payload
    assert isinstance(e, p.IvRemoved)
    text = f"{_charted(ctx, entry)}; catheter intact: {yes_no(e.catheter_intact)}, " + (
        f"site OK: {yes_no(e.site_ok)}" + (f"; {e.note}" if e.note else "")
    )
    return (("IV removed", ctx.flagged(entry, text)),)


def _ride_facts(ctx: ReportContext) -> tuple[tuple[str, Cell], ...]:
    entry = _latest(ctx, EventKind.RIDE_CONFIRMED)
    if entry is None:
        return (("Ride home", (Span("No ride confirmed", bold=True, tone=Tone.ALERT),)),)
    e = entry.payload
    assert isinstance(e, p.RideConfirmed)
    return (
        ("Escort", ctx.flagged(entry, f"{e.escort_name} ({e.relationship})")),
        ("Escort phone", ctx.value(entry, e.phone)),
        (
            "Ride confirmed",
            ctx.value(entry, f"by {e.confirmed_by}; charted {_charted(ctx, entry)}"),
        ),
    )


def _discharge_facts(ctx: ReportContext) -> tuple[tuple[str, Cell], ...]:
    entry = _latest(ctx, EventKind.DISCHARGE)
    if entry is None:
        return (("Discharge", (Span("Not discharged", bold=True, tone=Tone.ALERT),)),)
    e = entry.payload
    assert isinstance(e, p.Discharge)
    facts: list[tuple[str, Cell]] = [("Discharged", ctx.flagged(entry, _charted(ctx, entry)))]
    facts.append(("Instructions given", _instructions(e.instructions)))
    if e.note:
        facts.append(("Discharge note", ctx.value(entry, e.note)))
    facts.append(("Criteria at discharge", _criteria(ctx, entry)))
    return tuple(facts)


def _instructions(given: tuple[Instruction, ...]) -> Cell:
    lines = [
        Span(
            ("\n" if i else "") + ("✓ " if item in given else "✗ ") + INSTRUCTION_LABELS[item],
            tone=Tone.NORMAL if item in given else Tone.ALERT,
        )
        for i, item in enumerate(Instruction)
    ]
    return tuple(lines)


def _criteria(ctx: ReportContext, entry: EffectiveEvent) -> Cell:
    """What still blocked discharge at its time; anything listed was overridden."""
    at = entry.occurred_at
    # A ride given with the discharge is charted at the same moment, so include `at`.
    blockers = discharge_blockers(derive_state(ctx.protocol, ctx.view.events, until=at), at)
    if not blockers:
        return "All met (observation time, discharge score, IV removed, ride confirmed)"
    text = "Overridden: " + " ".join(b.message for b in blockers)
    return (Span(text, bold=True, tone=Tone.ALERT),)
