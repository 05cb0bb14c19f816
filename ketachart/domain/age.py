"""A patient's age, derived in one place for the banner, the lists and the report."""

from __future__ import annotations

from datetime import date


def age_on(born: date, on: date) -> int:
    """Age in whole years on a day (the session's date on the chart and on the report)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
