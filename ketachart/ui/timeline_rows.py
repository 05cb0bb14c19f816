"""The chart's table rows, built from a SessionView: plain data, no Qt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ketachart.domain import payloads as p
from ketachart.domain.codec import from_plain
from ketachart.domain.describe import describe
from ketachart.domain.events import KIND_LABELS, PAYLOAD_TYPES, EventKind, EventRecord
from ketachart.services.sessions import SessionView


@dataclass(frozen=True)
class TimelineRow:
    event_id: str
    occurred_at: datetime
    time_text: str
    kind_text: str
    details: str
    who: str
    struck: bool
    late: bool
    is_correction: bool
    correctable: bool


def local_time(value: datetime) -> str:
    """HH:MM in local time; a time in the hour that occurs twice when clocks go back carries
    its zone abbreviation (01:30 EDT, then 01:30 EST), so the two read differently."""
    local = value.astimezone()
    text = local.strftime("%H:%M")
    return f"{text} {local.tzname()}" if other_occurrence(value) is not None else text


_DST_SHIFTS = tuple(timedelta(minutes=m) for m in (60, -60, 30, -30))


def other_occurrence(value: datetime) -> datetime | None:
    """The other instant with the same local wall time, if `value` is in a repeated hour."""
    wall = value.astimezone().replace(tzinfo=None)
    for shift in _DST_SHIFTS:
        other = value + shift
        if other.astimezone().replace(tzinfo=None) == wall:
            return other
    return None


def timeline_rows(view: SessionView) -> list[TimelineRow]:
    """Every entry in time order; corrected originals are struck through with the reason."""
    by_id = {e.id: e for e in view.events}
    corrections = _corrections_by_target(view.events)
    rows = [_row(view, event, corrections.get(event.id, []), by_id) for event in view.events]
    return sorted(rows, key=lambda r: (r.occurred_at, r.event_id in corrections))


def _corrections_by_target(events: tuple[EventRecord, ...]) -> dict[str, list[EventRecord]]:
    found: dict[str, list[EventRecord]] = {}
    for event in events:
        if isinstance(event.payload, p.Correction):
            found.setdefault(event.payload.corrects, []).append(event)
    return found


def _row(
    view: SessionView,
    event: EventRecord,
    corrected_by: list[EventRecord],
    by_id: dict[str, EventRecord],
) -> TimelineRow:
    who = view.authors.get(event.recorded_by, f"user {event.recorded_by}")
    details = describe(event.payload)
    if isinstance(event.payload, p.Correction):
        details = _correction_details(event.payload, by_id)
    if corrected_by:
        latest = corrected_by[-1]
        assert isinstance(latest.payload, p.Correction)
        details += (
            f"  [corrected {local_time(latest.recorded_at)} by "
            f"{view.authors.get(latest.recorded_by, '?')}: {latest.payload.reason}]"
        )
    late = f" LATE (entered {local_time(event.recorded_at)})" if event.is_late else ""
    return TimelineRow(
        event_id=event.id,
        occurred_at=event.occurred_at,
        time_text=local_time(event.occurred_at) + late,
        kind_text=KIND_LABELS[event.kind],
        details=details,
        who=who,
        struck=bool(corrected_by),
        late=event.is_late,
        is_correction=event.kind is EventKind.CORRECTION,
        correctable=event.kind not in _NOT_CORRECTABLE,
    )


_NOT_CORRECTABLE = frozenset(
    {EventKind.CORRECTION, EventKind.ATTESTATION, EventKind.SIGNATURE, EventKind.ADDENDUM}
)


def _correction_details(correction: p.Correction, by_id: dict[str, EventRecord]) -> str:
    target = by_id.get(correction.corrects)
    if target is None:
        return f"Correction of an unknown entry: {correction.reason}"
    what = f"{KIND_LABELS[target.kind]} of {local_time(target.occurred_at)}"
    if correction.replacement is None:
        return f"{what} entered in error. Reason: {correction.reason}"
    replacement = from_plain(PAYLOAD_TYPES[target.kind], correction.replacement)
    return f"{what} corrected to: {describe(replacement)}. Reason: {correction.reason}"
