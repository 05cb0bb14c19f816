"""Time comes from an injectable clock so tests can move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


def follows_real_time(clock: Clock) -> bool:
    """Whether `clock` runs with real time (a workstation's clock, right or wrong), so that
    comparing it with the PostgreSQL server's clock means something; a ManualClock's
    simulated time never is (tests and the demo set it wherever they need)."""
    return bool(getattr(clock, "real_time", False))


class SystemClock:
    """This machine's clock."""

    real_time = True

    def now(self) -> datetime:
        return datetime.now(UTC)


class SkewedClock:
    """This machine's clock plus a fixed `offset`: a workstation whose clock is set wrong
    (tests and proofs of the clock checks, which need a clock that follows real time)."""

    real_time = True

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class ManualClock:
    """A clock that only moves when told to (tests, demo data, benchmarks)."""

    real_time = False

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)
