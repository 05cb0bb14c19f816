"""Entries as a list shows them: each with the corrections the domain applied to it.

Corrections are applied once, by timeline.apply_corrections; this module reads its result for
screens that list every entry, originals and corrections alike (the chart's timeline)."""

from __future__ import annotations

from collections.abc import Iterable

from ketachart.domain import payloads as p
from ketachart.domain.events import EventRecord, decode_payload
from ketachart.domain.timeline import EffectiveEvent, apply_corrections


def entries_by_id(events: Iterable[EventRecord]) -> dict[str, EffectiveEvent]:
    """Every entry but corrections, with its corrections applied, by entry id."""
    return {entry.record.id: entry for entry in apply_corrections(events)}


def latest_correction(entry: EffectiveEvent) -> tuple[EventRecord, p.Correction] | None:
    """The correction in force for `entry` (its newest), or None if it was never corrected."""
    if not entry.corrections:
        return None
    record = entry.corrections[-1]
    assert isinstance(record.payload, p.Correction)
    return record, record.payload


def replacement_of(target: EventRecord, correction: p.Correction) -> p.Payload | None:
    """The values `correction` gives `target`, as a payload of the target's kind; None when
    it marks the entry entered in error."""
    if correction.replacement is None:
        return None
    return decode_payload(target.kind, correction.replacement)
