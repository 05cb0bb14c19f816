"""A clock that goes backwards is flagged, not trusted.

Every write appends to the audit trail, so its newest entry holds the latest time anything was
recorded. When a write transaction's clock reads earlier than that (a workstation's clock set
back, or running behind another's), the nurse's entry is still saved, never refused, but:

- the transaction's time is moved up to that latest recorded time, so nothing appears to have
  been entered before entries that were really entered earlier (`recorded_at` never goes back);
- if the clock was behind by more than TOLERANCE (small differences between workstations are
  normal), an audit entry `clock.backwards` records how far behind it was and what it read;
- `ketachart verify` prints a warning while such entries exist (`clock_warnings`);
- the screens show a banner while this workstation's clock is behind (`clock_lag`).

Checked once per write transaction, under its write lock, before its first append; never for a
Database opened with `synthetic_history` (the demo generator, which writes past days on purpose).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ketachart.domain.codec import format_instant
from ketachart.models import AuditEntry
from ketachart.storage.database import Tx

log = logging.getLogger(__name__)
CLOCK_BACKWARDS = "clock.backwards"
TOLERANCE = timedelta(seconds=2)
_CHECKED = "clock_guard.checked"
_NEWEST_AUDIT_TIME = select(AuditEntry.at).order_by(AuditEntry.seq.desc()).limit(1)


def check_clock(tx: Tx) -> str | None:
    """Before the transaction's first append: move `tx.now` up to the newest recorded time
    if the clock reads earlier; the audit detail to record when it was behind beyond the
    tolerance, else None."""
    if tx.local.get(_CHECKED) or tx.synthetic_history:
        return None
    tx.local[_CHECKED] = True
    newest = _newest_recorded_time(tx)
    if newest is None or tx.now >= newest:
        return None
    read = tx.now
    tx.now = newest
    gap = (newest - read).total_seconds()
    if newest - read <= TOLERANCE:
        return None
    log.warning("clock %.0f s behind the newest recorded time: recorded at that time", gap)
    return f"gap={gap:.0f}s; clock read {format_instant(read)}; recorded at the last time"


def clock_lag(tx: Tx) -> timedelta | None:
    """How far this workstation's clock reads behind the newest recorded time, if by more
    than the tolerance (for the screen's warning banner); else None."""
    newest = _newest_recorded_time(tx)
    if newest is None or newest - tx.now <= TOLERANCE:
        return None
    return newest - tx.now


def _newest_recorded_time(tx: Tx) -> datetime | None:
    """When the newest audit entry was recorded: every write appends one."""
    newest: datetime | None = tx.orm.connection().execute(_NEWEST_AUDIT_TIME).scalar()
    return newest


def clock_warnings(tx: Tx) -> list[str]:
    """One line for `verify` if entries were made while a clock was behind, else nothing."""
    count, last = tx.orm.execute(
        select(func.count(), func.max(AuditEntry.at)).where(AuditEntry.action == CLOCK_BACKWARDS)
    ).one()
    if not count:
        return []
    when = format_instant(last) if last is not None else "?"
    return [
        f"a workstation's clock was found behind {count} time(s) (last at {when}): those "
        f"entries were saved with the latest recorded time instead; see the audit entries "
        f"'{CLOCK_BACKWARDS}' and check the workstations' clocks"
    ]
