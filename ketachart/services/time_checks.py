"""Impossible times on stored entries, for `verify`: what the entry gate refuses
(domain.rules.event_time_problem), found again on rows written or rewritten outside ketachart,
and what no honest clock produces:

- an event before its session was opened, charted before it happened, or more than 24 hours
  late (the entry rule, against the time the entry was recorded);
- an entry recorded more than 5 minutes before the entry before it in its session's chain by
  the same workstation (its clock went back, or the row was forged);
- an entry recorded more than 5 minutes in the future of this machine's clock (the
  PostgreSQL server's clock when there is one: clock_guard.verifying_now).

Each message names the session, the entry (its number in the chain) and the workstation that
recorded it (from the audit entry that names the event); never patient data."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from ketachart.domain.codec import format_instant
from ketachart.domain.findings import Problem
from ketachart.domain.rules import TimeProblem, event_time_problem
from ketachart.services.clock_guard import LIMIT, describe_gap, name_of
from ketachart.storage.workstation import parse_stored

STORED = {
    TimeProblem.FUTURE: "its time is after it was recorded: charted before it happened",
    TimeProblem.TOO_LATE: "its time is more than 24 hours before it was recorded",
    TimeProblem.BEFORE_OPENING: "its time is long before the session was opened",
}


@dataclass(frozen=True, slots=True)
class TimedEntry:
    """One stored event's times and the workstation that recorded it."""

    seq: int
    occurred_at: datetime
    recorded_at: datetime
    workstation: str

    def where(self, session_id: str) -> str:
        return f"session {session_id}, entry {self.seq}"

    def by(self) -> str:
        return f"recorded by {name_of(parse_stored(self.workstation))}"


def session_time_problems(
    session_id: str, entries: Sequence[TimedEntry], opened_at: datetime | None, now: datetime
) -> Iterator[Problem]:
    """Every impossible time among one session's stored entries, in chain order ("the
    future": clock_guard.verifying_now; each entry's workstation: from its audit entry)."""
    last_by: dict[str, TimedEntry] = {}
    for entry in entries:
        where = entry.where(session_id)
        problem = event_time_problem(entry.occurred_at, entry.recorded_at, opened_at)
        if problem is not None:
            yield Problem(where, f"impossible time: {STORED[problem]} ({entry.by()})")
        if entry.recorded_at - now > LIMIT:  # a time charted later still: the rule above
            yield Problem(
                where,
                f"impossible time: recorded at {format_instant(entry.recorded_at)}, "
                f"{describe_gap(entry.recorded_at - now)} in the future of this machine's "
                f"clock ({entry.by()})",
            )
        before = last_by.get(entry.workstation)
        if before is not None and before.recorded_at - entry.recorded_at > LIMIT:
            gap = describe_gap(before.recorded_at - entry.recorded_at)
            yield Problem(
                where,
                f"impossible time: recorded {gap} before entry {before.seq}, which the same "
                f"workstation recorded before it ({entry.by()})",
            )
        last_by[entry.workstation] = entry
