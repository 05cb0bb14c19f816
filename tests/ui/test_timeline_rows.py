"""The chart's timeline rows: originals struck through with their latest correction, each
correction's own row, late marks. The rows render what the domain derived."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from ketachart.domain import payloads as p
from ketachart.services import charting, corrections
from ketachart.services.sessions import view_session
from ketachart.ui.timeline_rows import TimelineRow, timeline_rows
from tests.support import BASELINE, Clinic


@pytest.fixture
def utc() -> Iterator[None]:
    """Wall times read as UTC, whatever the machine's zone."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def corrected_chart(clinic: Clinic) -> str:
    """Vitals corrected twice (the second time by another nurse, moving it), a note marked
    entered in error with another note at the same time, and a note charted late."""
    sid = clinic.open_session()
    vitals = clinic.act(charting.chart, clinic.nurse, sid, BASELINE)
    clinic.later(2)
    note = clinic.act(charting.chart, clinic.nurse, sid, p.Note("Calm, chatting"))
    clinic.act(
        charting.chart, clinic.nurse, sid, p.Note("Warm blanket"), occurred_at=note.occurred_at
    )
    clinic.later(1)
    first = clinic.act(
        corrections.correct_entry,
        clinic.nurse,
        sid,
        vitals.id,
        "Systolic mistyped",
        p.Vitals(118, 80, 72, 14, 98),
        seen_version=None,
    )
    clinic.later(1)
    clinic.act(
        corrections.correct_entry,
        clinic.nurse2,
        sid,
        vitals.id,
        "Heart rate too",
        p.Vitals(118, 80, 66, 14, 98),
        seen_version=first.id,
        replacement_occurred_at=vitals.occurred_at + timedelta(minutes=1),
    )
    clinic.later(1)
    clinic.act(
        corrections.correct_entry,
        clinic.nurse,
        sid,
        note.id,
        "Wrong patient",
        None,
        seen_version=None,
    )
    clinic.later(15)
    clinic.act(
        charting.chart,
        clinic.nurse,
        sid,
        p.Note("Asked for water"),
        occurred_at=clinic.clock.now() - timedelta(minutes=14),
    )
    return sid


def shown(row: TimelineRow) -> tuple[object, ...]:
    return (
        row.time_text,
        row.kind_text,
        row.details,
        row.who,
        row.struck,
        row.late,
        row.is_correction,
        row.correctable,
    )


def test_corrections_strike_the_original_and_name_the_latest(ui_clinic: Clinic, utc: None) -> None:
    sid = corrected_chart(ui_clinic)
    with ui_clinic.db.reading() as tx:
        rows = timeline_rows(view_session(tx, ui_clinic.nurse, sid, audited=False))

    nina, wes = "Nina Øster, RN", "Wes Ng, RN"
    assert [shown(r) for r in rows] == [
        ("14:00", "Session opened", "Weight 70 kg", nina, False, False, False, True),
        (
            "14:00",
            "Vitals",
            f"BP 120/80, HR 72, RR 14, SpO2 98 %  [corrected 14:04 by {wes}: Heart rate too]",
            nina,
            True,
            False,
            False,
            True,
        ),
        ("14:02", "Note", "Warm blanket", nina, False, False, False, True),
        (
            "14:02",
            "Note",
            "Calm, chatting  [corrected 14:05 by " + nina + ": Wrong patient]",
            nina,
            True,
            False,
            False,
            True,
        ),
        (
            "14:03",
            "Correction",
            "Vitals of 14:00 corrected to: BP 118/80, HR 72, RR 14, SpO2 98 %. "
            "Reason: Systolic mistyped",
            nina,
            False,
            False,
            True,
            False,
        ),
        (
            "14:04",
            "Correction",
            "Vitals of 14:00 corrected to: BP 118/80, HR 66, RR 14, SpO2 98 %. "
            "Reason: Heart rate too",
            wes,
            False,
            False,
            True,
            False,
        ),
        (
            "14:05",
            "Correction",
            "Note of 14:02 entered in error. Reason: Wrong patient",
            nina,
            False,
            False,
            True,
            False,
        ),
        ("14:06 LATE (entered 14:20)", "Note", "Asked for water", nina, False, True, False, True),
    ]
