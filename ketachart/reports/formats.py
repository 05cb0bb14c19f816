"""How times and numbers read on a printed chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class LocalTimes:
    """Times in the clinic's local zone (the machine's), named once on every page; a time
    in another offset (a session across a DST change) carries its own abbreviation."""

    zone: str
    offset: timedelta

    @classmethod
    def around(cls, moment: datetime) -> LocalTimes:
        local = moment.astimezone()
        return cls(local.tzname() or "local time", local.utcoffset() or timedelta(0))

    @property
    def label(self) -> str:
        return f"Times in {self.zone} (UTC{_offset_text(self.offset)})"

    def time(self, at: datetime) -> str:
        return self._with_zone(at, "%H:%M")

    def date_time(self, at: datetime) -> str:
        return self._with_zone(at, "%Y-%m-%d %H:%M")

    def date(self, at: datetime) -> date:
        return at.astimezone().date()

    def _with_zone(self, at: datetime, pattern: str) -> str:
        local = at.astimezone()
        text = local.strftime(pattern)
        if local.utcoffset() != self.offset:
            text += f" {local.tzname()}"
        return text


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def num(value: Decimal, places: int | None = None) -> str:
    """A decimal without exponent; `places` fixes the decimals (half up, as people round),
    else trailing zeros go."""
    if places is not None:
        return format(value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP), "f")
    return format(value.normalize(), "f")


def minutes_between(start: datetime, end: datetime) -> str:
    minutes = round((end - start).total_seconds() / 60)
    return f"{minutes} min"


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def short_hash(digest: str) -> str:
    """The first 12 hex digits, enough to match a hash by eye against the full one in §13."""
    return digest[:12]
