"""The chart's table rows, built from a SessionView: plain data, no Qt."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from ketachart.domain import payloads as p
from ketachart.domain.describe import describe
from ketachart.domain.entries import entries_by_id, latest_correction, replacement_of
from ketachart.domain.events import CORRECTABLE, KIND_LABELS, EventKind, EventRecord
from ketachart.domain.monitoring import vitals_alerts
from ketachart.domain.timeline import EffectiveEvent
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
    alerts: tuple[str, ...] = ()
    """What this reading raised against the thresholds and the baseline (the domain's words),
    so the row can be marked and its tooltip can say why."""
    new: bool = False
    """Charted after the signer's screen showed the chart (a refused signature): marked so
    that the signer reviews it before signing again."""


def local_time(value: datetime) -> str:
    """HH:MM in local time; a time in the hour that occurs twice when clocks go back carries
    its zone abbreviation (01:30 EDT, then 01:30 EST), so the two read differently."""
    local = value.astimezone()
    text = f"{local.hour:02d}:{local.minute:02d}"  # as strftime("%H:%M"), at a fraction of the cost
    return f"{text} {local.tzname()}" if other_occurrence(value) is not None else text


_DST_SHIFTS = tuple(timedelta(minutes=m) for m in (60, -60, 30, -30))


def other_occurrence(value: datetime) -> datetime | None:
    """The other instant with the same local wall time, if `value` is in a repeated hour."""
    if _steady_offset(value.replace(minute=0, second=0, microsecond=0), _zone()):
        return None  # no clock change near: the usual case, answered once per hour
    wall = value.astimezone().replace(tzinfo=None)
    for shift in _DST_SHIFTS:
        other = value + shift
        if other.astimezone().replace(tzinfo=None) == wall:
            return other
    return None


def _zone() -> tuple[object, ...]:
    """The machine's zone as the time module has it (a test may change it)."""
    return (time.tzname, time.timezone, time.altzone)


@lru_cache(maxsize=512)
def _steady_offset(hour: datetime, _zone: tuple[object, ...]) -> bool:
    """Whether the local offset is the same from an hour before `hour` to two hours after: then
    no instant in that hour has a twin an hour or half an hour away. (A long timeline asks
    this once per hour, not once per entry.)"""
    offsets = {(hour + timedelta(hours=h)).astimezone().utcoffset() for h in (-1, 0, 1, 2)}
    return len(offsets) == 1


def timeline_rows(view: SessionView, new: frozenset[str] = frozenset()) -> list[TimelineRow]:
    """Every entry in time order; corrected originals are struck through with the reason of
    the correction in force (as domain.timeline applied it), each correction on its own row.
    The entries whose ids are in `new` are marked as new since the signer's review."""
    entries = entries_by_id(view.events)
    alerts = alerts_by_entry(view)
    rows = [
        _row(view, event, entries, alerts.get(event.id, ()), event.id in new)
        for event in view.events
    ]
    return sorted(rows, key=lambda r: (r.occurred_at, r.struck))


def alerts_by_entry(view: SessionView) -> dict[str, tuple[str, ...]]:
    """The alert messages of each reading that raised any, by the id of its entry."""
    found: dict[str, tuple[str, ...]] = {}
    for alert in vitals_alerts(view.state):
        if alert.event_id is not None:
            found[alert.event_id] = (*found.get(alert.event_id, ()), alert.message)
    return found


def _row(
    view: SessionView,
    event: EventRecord,
    entries: dict[str, EffectiveEvent],
    alerts: tuple[str, ...],
    new: bool,
) -> TimelineRow:
    details = describe(event.payload)
    if isinstance(event.payload, p.Correction):
        details = _correction_details(event.payload, entries)
    entry = entries.get(event.id)
    latest = None if entry is None else latest_correction(entry)
    if latest is not None:
        record, correction = latest
        details += (
            f"  [corrected {local_time(record.recorded_at)} by "
            f"{view.authors.get(record.recorded_by, '?')}: {correction.reason}]"
        )
    late = f" LATE (entered {local_time(event.recorded_at)})" if event.is_late else ""
    return TimelineRow(
        event_id=event.id,
        occurred_at=event.occurred_at,
        time_text=local_time(event.occurred_at) + late,
        kind_text=KIND_LABELS[event.kind],
        details=details,
        who=view.authors.get(event.recorded_by, f"user {event.recorded_by}"),
        struck=latest is not None,
        late=event.is_late,
        is_correction=event.kind is EventKind.CORRECTION,
        correctable=event.kind in CORRECTABLE,
        alerts=alerts,
        new=new,
    )


def _correction_details(correction: p.Correction, entries: dict[str, EffectiveEvent]) -> str:
    entry = entries.get(correction.corrects)
    if entry is None:
        return f"Correction of an unknown entry: {correction.reason}"
    target = entry.record
    what = f"{KIND_LABELS[target.kind]} of {local_time(target.occurred_at)}"
    replacement = replacement_of(target, correction)
    if replacement is None:
        return f"{what} entered in error. Reason: {correction.reason}"
    return f"{what} corrected to: {describe(replacement)}. Reason: {correction.reason}"
