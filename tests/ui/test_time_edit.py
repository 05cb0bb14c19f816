"""The time edit of the charting dialogs around DST changes (New York): what the nurse sees is
what is saved; a wall time that occurs twice is read as the occurrence that is not to come."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import QDateTimeEdit
from pytestqt.qtbot import QtBot

from ketachart.ui.forms import from_qdatetime, to_qdatetime


@pytest.fixture
def new_york() -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def edit_at(qtbot: QtBot, now: datetime) -> QDateTimeEdit:
    edit = QDateTimeEdit(to_qdatetime(now))
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    qtbot.addWidget(edit)
    return edit


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    "instant",
    [
        utc(2026, 3, 8, 6, 59),
        utc(2026, 3, 8, 7, 0),
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 1, 6, 30),
    ],
    ids=["before spring", "after spring", "first 01:30", "second 01:30"],
)
def test_round_trip(new_york: None, instant: datetime) -> None:
    assert from_qdatetime(to_qdatetime(instant), instant) == instant
    assert from_qdatetime(to_qdatetime(instant)) == instant


def test_changing_minutes_in_the_second_0130_hour_stays_in_it(qtbot: QtBot, new_york: None) -> None:
    now = utc(2026, 11, 1, 6, 40)  # 01:40 EST, the second time 01:40 happens
    edit = edit_at(qtbot, now)
    assert edit.text() == "2026-11-01 01:40"
    edit.setTime(QTime(1, 35))
    assert from_qdatetime(edit.dateTime(), now) == utc(2026, 11, 1, 6, 35)  # 5 min ago
    assert from_qdatetime(edit.dateTime()) == utc(2026, 11, 1, 5, 35)  # what Qt alone reads


def test_a_repeated_time_still_to_come_is_the_first_one(qtbot: QtBot, new_york: None) -> None:
    now = utc(2026, 11, 1, 6, 20)  # 01:20 EST; 01:35 EST is still to come
    edit = edit_at(qtbot, now)
    edit.setTime(QTime(1, 35))
    assert from_qdatetime(edit.dateTime(), now) == utc(2026, 11, 1, 5, 35)  # 01:35 EDT


def test_a_missing_time_shows_what_is_saved(qtbot: QtBot, new_york: None) -> None:
    now = utc(2026, 3, 8, 8, 0)  # 04:00 EDT
    edit = edit_at(qtbot, now)
    edit.setDateTime(QDateTime(QDate(2026, 3, 8), QTime(2, 30)))  # does not exist
    assert edit.text() == "2026-03-08 03:30"
    assert from_qdatetime(edit.dateTime(), now) == utc(2026, 3, 8, 7, 30)  # 03:30 EDT
