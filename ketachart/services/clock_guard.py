"""One wrong clock never poisons the others: each workstation records its own time, and a
clock that disagrees with the reference time is flagged and named, never trusted or followed.

Entries are ordered by their chain (`seq`), never by their recorded time. A workstation a
year ahead therefore cannot make a correct workstation's later entries look late or in the
future: the correct one still records its own time. What this module does about a wrong clock:

- The reference time, read once per write transaction under its write lock: on PostgreSQL,
  the server's clock (for a clock that follows real time: a test's simulated ManualClock is
  compared like SQLite's); on SQLite, the newest recorded time and the workstation that
  recorded it.
- Against the server, a workstation more than LIMIT ahead (or behind) is flagged on each write
  (`clock.ahead` / `clock.behind`, naming it, with the gap) and warned on screen.
- Against the newest recorded time, a clock more than LIMIT behind means one of the two clocks
  is wrong: the entry is saved at this clock's own time and flagged (`clock.disagrees`, naming
  this workstation and, as its target, the one that recorded the newest time); both
  workstations are warned on screen.
- `verify` walks the audit trail in chain order and names each workstation whose recorded
  times run more than LIMIT ahead of the entries other workstations recorded after them
  (`clock_warnings`). It blames one only with evidence: the server flagged it, or its times
  are in the future of the verifying machine's clock; otherwise it says one of two clocks is
  wrong and names both.

Never checked for a Database opened with `synthetic_history` (the demo writes past days).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, select, text

from ketachart.domain.codec import format_instant
from ketachart.domain.rules import CLOCKS_AGREE
from ketachart.models import AuditEntry
from ketachart.storage.database import Tx
from ketachart.storage.workstation import Workstation, parse_stored

log = logging.getLogger(__name__)
CLOCK_AHEAD = "clock.ahead"
CLOCK_BEHIND = "clock.behind"
CLOCK_DISAGREES = "clock.disagrees"
CLOCK_BACKWARDS = "clock.backwards"
"""Written by earlier versions, which moved a clock found behind up to the newest time."""
CLOCK_FLAGS = (CLOCK_AHEAD, CLOCK_BEHIND, CLOCK_DISAGREES, CLOCK_BACKWARDS)
LIMIT = CLOCKS_AGREE
"""How far two clocks may disagree before one is called wrong (clocks drift, and a
workstation synchronised a few minutes late is not an error worth a flag)."""
SERVER = "the database server's clock"
_CHECKED = "clock_guard.checked"
RECENT = 100
"""How many of the newest audit entries give "the newest recorded time" (a read by primary
key, never a scan of the whole audit trail on each write)."""
_NEWEST = select(AuditEntry.seq, AuditEntry.at, AuditEntry.workstation).order_by(
    AuditEntry.seq.desc()
)
_RECENT = _NEWEST.limit(RECENT).subquery()
_LATEST_RECENT = select(_RECENT).order_by(_RECENT.c.at.desc()).limit(1)
"""The entry with the latest time among the RECENT newest: sorted by the database, so that
one row is read per write, not RECENT."""


@dataclass(frozen=True)
class ClockCheck:
    """How this workstation's clock compares with the reference time. `gap` is this clock
    minus the reference (positive: ahead). `other` is the workstation whose recorded time
    is the reference (None for the server's clock, or an entry that names none)."""

    gap: timedelta
    read: datetime
    reference: datetime
    against_server: bool
    other: Workstation | None = None

    @property
    def disagrees(self) -> bool:
        return abs(self.gap) > LIMIT


def describe_gap(gap: timedelta) -> str:
    """A gap in the plainest unit: 42 s, 10 min, 3 h 6 min, 365 days."""
    seconds = round(abs(gap.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} days"


def entries(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def name_of(workstation: Workstation | None) -> str:
    return str(workstation) if workstation is not None else "a workstation not named"


# --- on each write ---------------------------------------------------------------------------


def check_clock(tx: Tx) -> tuple[str, str, str] | None:
    """Once per write transaction, before its first append: the audit flag to record
    (action, target id, detail) if this workstation's clock disagrees with the reference
    time, else None. `tx.now` is never changed."""
    if tx.local.get(_CHECKED) or tx.synthetic_history:
        return None
    tx.local[_CHECKED] = True
    check = _against_reference(tx)
    if check is None or not check.disagrees:
        return None
    me = tx.workstation
    detail = (
        f"gap={check.gap.total_seconds():+.0f}s; {name_of(me)} read {format_instant(check.read)}; "
    )
    if check.against_server:
        action = CLOCK_AHEAD if check.gap > timedelta(0) else CLOCK_BEHIND
        side = "ahead of" if action == CLOCK_AHEAD else "behind"
        log.warning("clock %s %s the server's clock", describe_gap(check.gap), side)
        return action, me.id if me else "", detail + f"server {format_instant(check.reference)}"
    log.warning("clock %s behind the newest recorded time", describe_gap(check.gap))
    return (
        CLOCK_DISAGREES,
        check.other.id if check.other else "",
        detail + f"newest entry {format_instant(check.reference)} by {name_of(check.other)}; "
        "one of the two clocks is wrong; recorded at this clock's own time",
    )


def _against_reference(tx: Tx) -> ClockCheck | None:
    """This clock against the server's (PostgreSQL, real time) or, failing that, against the
    newest recorded time when this clock reads earlier than it (later is only time passing)."""
    if tx.real_time and tx.orm.get_bind().dialect.name == "postgresql":
        server = server_time(tx)
        return ClockCheck(tx.now - server, tx.now, server, True)
    newest = _newest_entry(tx)
    if newest is None or tx.now >= newest[1]:
        return None
    return ClockCheck(tx.now - newest[1], tx.now, newest[1], False, parse_stored(newest[2]))


def verifying_now(tx: Tx) -> datetime:
    """What `verify` takes as now for "in the future": the PostgreSQL server's clock when this
    machine's clock follows real time (one clock for every verifier), else this clock."""
    if tx.real_time and tx.orm.get_bind().dialect.name == "postgresql":
        return server_time(tx)
    return tx.now


def server_time(tx: Tx) -> datetime:
    """The PostgreSQL server's clock now (not the transaction's start time)."""
    value: datetime = tx.orm.connection().execute(text("SELECT clock_timestamp()")).scalar_one()
    return value


def _newest_entry(tx: Tx) -> tuple[int, datetime, str] | None:
    """The latest time recorded among the newest audit entries (every write appends one):
    its seq, time and workstation. Among RECENT entries, not only the last: a workstation
    behind stays flagged on each write, not only on its first after the others'."""
    latest = tx.orm.connection().execute(_LATEST_RECENT).first()
    return None if latest is None else (latest.seq, latest.at, latest.workstation)


# --- on screen -------------------------------------------------------------------------------


def clock_status(tx: Tx) -> ClockCheck | None:
    """For the screen's banner: this workstation's clock, if it disagrees with the reference
    by more than LIMIT; else None. On SQLite, also when another workstation recorded entries
    after this one's last entry at times more than LIMIT before it (this clock may be the
    one ahead: the gap is then positive)."""
    check = _against_reference(tx)
    if check is not None and check.disagrees:
        return check
    if check is not None and check.against_server:
        return None
    return _others_behind_my_last_entry(tx)


def _others_behind_my_last_entry(tx: Tx) -> ClockCheck | None:
    """Among the newest entries: the earliest time another workstation recorded after this
    workstation's last entry, if more than LIMIT before it."""
    me = tx.workstation
    if me is None:
        return None
    rows = tx.orm.connection().execute(_NEWEST.limit(RECENT)).all()
    after: list[tuple[datetime, str]] = []
    for row in rows:  # newest first
        if row.workstation == me.stored:
            if not after:
                return None
            first, other = min(after)
            gap = row.at - first
            return (
                ClockCheck(gap, row.at, first, False, parse_stored(other)) if gap > LIMIT else None
            )
        if row.workstation:
            after.append((row.at, row.workstation))
    return None


# --- in verify -------------------------------------------------------------------------------


@dataclass
class _Ahead:
    """What one workstation recorded ahead of the entries after it."""

    entries: int = 0
    gap: timedelta = timedelta(0)
    in_future: int = 0
    behind_it: set[str] | None = None


def clock_warnings(tx: Tx) -> list[str]:
    """For `verify`: each workstation whose clock ran ahead, named (with evidence), two
    clocks that disagree without evidence which one is wrong, and the flags recorded."""
    rows = tx.orm.execute(
        select(
            AuditEntry.at, AuditEntry.workstation, AuditEntry.action, AuditEntry.target_id
        ).order_by(AuditEntry.seq)
    ).all()
    names = {r.workstation.partition(" ")[0]: r.workstation for r in rows if r.workstation}
    flagged = Counter(names.get(r.target_id, "") for r in rows if r.action == CLOCK_AHEAD)
    ahead = _ahead_of_later_entries([(r.at, r.workstation) for r in rows], verifying_now(tx))
    blamed = {w for w, found in ahead.items() if found.in_future} | (set(flagged) - {""})
    warnings = [_ahead_line(w, ahead.get(w, _Ahead()), flagged[w]) for w in sorted(blamed)]
    warnings.extend(_flag_lines(rows, names, blamed | set(ahead)))
    warnings.extend(
        _unresolved_line(w, found) for w, found in sorted(ahead.items()) if w not in blamed
    )
    return warnings


def _ahead_of_later_entries(
    entries: Sequence[tuple[datetime, str]], now: datetime
) -> dict[str, _Ahead]:
    """Walking back from the newest entry, the earliest time each workstation recorded after
    each point; an entry more than LIMIT later than another workstation's later entry ran
    ahead of it. Entries that name no workstation (written before they were recorded) are
    compared with, never named."""
    earliest_after: dict[str, datetime] = {}
    found: dict[str, _Ahead] = defaultdict(_Ahead)
    for at, stored in reversed(entries):
        others = [(t, w) for w, t in earliest_after.items() if w != stored]
        if stored and others:
            first, who = min(others)
            if at - first > LIMIT:
                record = found[stored]
                record.entries += 1
                record.gap = max(record.gap, at - first)
                record.in_future += at - now > LIMIT
                record.behind_it = (record.behind_it or set()) | {who}
        if stored not in earliest_after or at < earliest_after[stored]:
            earliest_after[stored] = at
    return dict(found)


def _ahead_line(stored: str, found: _Ahead, flagged: int) -> str:
    why = []
    if flagged:
        why.append(f"{SERVER} found it ahead on {flagged} write(s)")
    if found.in_future:
        why.append(f"{found.in_future} of them are in the future of this machine's clock")
    what = (
        f"recorded {entries(found.entries)} up to {describe_gap(found.gap)} ahead of the "
        "entries after them"
        if found.entries
        else "recorded entries ahead of the others"
    )
    return (
        f"{name_of(parse_stored(stored))} {what} ({'; '.join(why)}): its clock is ahead. "
        "The other workstations' entries are not affected; ask IT to set this workstation's "
        "clock"
    )


def _unresolved_line(stored: str, found: _Ahead) -> str:
    others = ", ".join(name_of(parse_stored(w)) for w in sorted(found.behind_it or ()))
    return (
        f"{name_of(parse_stored(stored))} recorded {entries(found.entries)} up to "
        f"{describe_gap(found.gap)} ahead of later entries by {others}: one of these clocks is "
        "wrong; ask IT to check both"
    )


def _flag_lines(
    rows: Sequence[Row[datetime, str, str, str]], names: dict[str, str], named: set[str]
) -> list[str]:
    """The flags recorded on writes, except disagreements with a workstation the lines above
    name already (so the correct workstation that noticed a wrong clock is not named), and
    the ahead flags (in the lines above)."""
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows:
        if row.action == CLOCK_DISAGREES and names.get(row.target_id) in named:
            continue
        if row.action in (CLOCK_BEHIND, CLOCK_DISAGREES, CLOCK_BACKWARDS):
            counts[row.action, row.workstation] += 1
    return [_flag_line(action, w, count) for (action, w), count in sorted(counts.items())]


def _flag_line(action: str, stored: str, count: int) -> str:
    who = name_of(parse_stored(stored))
    if action == CLOCK_BEHIND:
        return (
            f"{who} was found behind {SERVER} on {count} write(s): see the audit entries "
            f"'{action}'; ask IT to set its clock"
        )
    if action == CLOCK_DISAGREES:
        return (
            f"{who} found its clock behind the newest recorded time on {count} write(s): one "
            f"of two clocks is wrong; see the audit entries '{action}' and check both clocks"
        )
    return (
        f"a workstation's clock was found behind {count} time(s) by an earlier version, which "
        f"saved those entries at the latest recorded time; see the audit entries '{action}'"
    )
