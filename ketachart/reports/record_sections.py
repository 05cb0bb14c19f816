"""Sections 10-13 of the session summary: alerts and their answers, corrections and late
entries, signatures and addenda, and the hashes that tie this paper to the stored record."""

from __future__ import annotations

from ketachart.domain import payloads as p
from ketachart.domain.describe import describe
from ketachart.domain.events import KIND_LABELS, EventKind, EventRecord, decode_payload
from ketachart.domain.labels import signer_label
from ketachart.domain.timeline import EffectiveEvent, SessionStatus
from ketachart.reports.alert_responses import alerts_table
from ketachart.reports.blocks import Block, Cell, Span, TableBlock, TextBlock, Tone
from ketachart.reports.context import ReportContext, clinic_key_line
from ketachart.reports.formats import short_hash

SIGNATURE_KINDS = (EventKind.ATTESTATION, EventKind.SIGNATURE)


def alerts_section(ctx: ReportContext) -> tuple[Block, ...]:
    return (alerts_table(ctx),)


def corrections_section(ctx: ReportContext) -> tuple[Block, ...]:
    rows = [row for entry in ctx.entries for row in _correction_rows(ctx, entry)]
    corrections = TableBlock(
        ("Entry", "Original (struck through)", "Correction", "Corrected by, when", "Reason"),
        tuple(rows),
        (1.3, 2.6, 2.6, 1.7, 1.8),
        title="Corrections: the original stays visible",
        empty="No entry was corrected.",
    )
    return (corrections, _late_entries(ctx))


def _correction_rows(ctx: ReportContext, entry: EffectiveEvent) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = []
    before, before_at = entry.record.payload, entry.record.occurred_at
    name = f"{KIND_LABELS[entry.kind]}\n(entry {entry.record.seq})"
    for correction in entry.corrections:
        c = correction.payload
        assert isinstance(c, p.Correction)
        original = (Span(f"{ctx.times.time(before_at)} {describe(before)}", struck=True),)
        if c.replacement is None:
            change: Cell = (Span("ENTERED IN ERROR", bold=True, tone=Tone.ALERT), Span(": voided"))
        else:
            before = decode_payload(entry.kind, c.replacement)
            before_at = c.replacement_occurred_at or before_at
            new = f" {ctx.times.time(before_at)} {describe(before)}"
            change = (Span("CORRECTED TO", bold=True, tone=Tone.ALERT), Span(new))
        who = f"{ctx.author(correction.recorded_by)}\n{ctx.times.date_time(correction.recorded_at)}"
        rows.append((name, original, change, who, c.reason))
    return rows


def _late_entries(ctx: ReportContext) -> TableBlock:
    rows = tuple(_late_row(ctx, record) for record in ctx.view.events if record.is_late)
    return TableBlock(
        ("Entry", "Happened", "Recorded", "Late by", "Recorded by"),
        rows,
        (2.6, 1.6, 1.6, 1.0, 2.2),
        title="Late entries (recorded more than 10 min after they happened)",
        empty="No late entries.",
    )


def _late_row(ctx: ReportContext, record: EventRecord) -> tuple[Cell, ...]:
    late = round((record.recorded_at - record.occurred_at).total_seconds() / 60)
    return (
        f"{KIND_LABELS[record.kind]} (entry {record.seq})",
        ctx.times.date_time(record.occurred_at),
        ctx.times.date_time(record.recorded_at),
        f"{late} min",
        ctx.author(record.recorded_by),
    )


def _signatures(ctx: ReportContext) -> list[tuple[EventRecord, p.Attestation | p.Signature]]:
    found = []
    for record in ctx.view.events:
        if isinstance(record.payload, p.Attestation | p.Signature):
            found.append((record, record.payload))
    return found


def signatures_section(ctx: ReportContext) -> tuple[Block, ...]:
    rows = tuple(
        (
            (Span(sig.meaning.capitalize(), bold=True),),
            signer_label(sig),
            ctx.times.date_time(record.occurred_at),
            f"entries 1-{sig.head_seq} · hash {short_hash(sig.content_hash)}…",
        )
        for record, sig in _signatures(ctx)
    )
    table = TableBlock(
        ("Meaning", "Printed name, credentials", "Date and time", "Covers"),
        rows,
        (2.5, 2.4, 1.7, 3.0),
        title="Signatures",
        empty="Not signed.",
    )
    notice = draft_notice(ctx)
    return (table, _addenda(ctx)) if notice is None else (notice, table, _addenda(ctx))


def _addenda(ctx: ReportContext) -> TableBlock:
    rows = tuple(
        (
            ctx.times.date_time(record.occurred_at),
            describe(record.payload),
            ctx.author(record.recorded_by),
            _addendum_signature(ctx, record),
        )
        for record in ctx.records(EventKind.ADDENDUM)
    )
    return TableBlock(
        ("Time", "Addendum", "Written by", "Signature"),
        rows,
        (1.3, 4.5, 1.8, 2.4),
        title="Addenda (later information, each signed on its own)",
        empty="No addenda.",
    )


def _addendum_signature(ctx: ReportContext, addendum: EventRecord) -> Cell:
    for record, sig in _signatures(ctx):
        if isinstance(sig, p.Signature) and sig.addendum_id == addendum.id:
            when = ctx.times.date_time(record.occurred_at)
            return f"{sig.meaning.capitalize()}: {signer_label(sig)}, {when}"
    return (Span("Not yet signed", bold=True, tone=Tone.ALERT),)


def integrity_section(ctx: ReportContext) -> tuple[Block, ...]:
    rows: list[tuple[Cell, ...]] = []
    for record, sig in _signatures(ctx):
        who = f"{sig.meaning.capitalize()}: {signer_label(sig)} (entry {record.seq})"
        rows.append((who, "Content hash", sig.content_hash))
        rows.append(("", f"Covers entry {sig.head_seq}", sig.head_hash))
    head = ctx.view.events[-1]
    current = "Chain head at printing" if _is_signed(ctx) else "Current chain head (unsigned)"
    rows.append(((Span(current, bold=True),), f"Entry {head.seq}", head.hash))
    table = TableBlock(("Signature", "Hash of", "SHA-256"), tuple(rows), (2.4, 1.4, 6.2), title="")
    note = (
        "Each entry's hash covers the entry before it, so any change to the stored record "
        "after signing no longer matches these values; `ketachart verify` checks every "
        "chain and signature. The signers' keys are certified by the clinic key named at "
        f"the foot of every page ({clinic_key_line(ctx.clinic_key)})."
    )
    return (table, TextBlock((Span(note, tone=Tone.MUTED),)))


def _is_signed(ctx: ReportContext) -> bool:
    return ctx.state.status is SessionStatus.SIGNED


def draft_notice(ctx: ReportContext) -> Block | None:
    if _is_signed(ctx):
        return None
    text = (
        "DRAFT — NOT SIGNED. This summary has not been signed by a physician and may change; "
        "do not rely on it as the final record."
    )
    return TextBlock((Span(text, bold=True, tone=Tone.ALERT),))
