"""Today's board on a real database: sessions of the day by chair, due times, overdue."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from ketachart.domain import payloads as p
from ketachart.domain.codes import ClinicalCode
from ketachart.domain.timeline import SessionStatus
from ketachart.domain.vocab import StopReason
from ketachart.errors import PermissionDenied
from ketachart.services import charting, patients, sessions
from ketachart.services.board import (
    BoardRow,
    board_rows,
    by_urgency,
    chair_sort_key,
    duration_words,
    format_duration,
    urgency_rank,
)
from ketachart.storage.database import Database
from tests.support import (
    BASELINE,
    Clinic,
    acknowledged,
    chart_to_discharged,
    chart_to_infusing,
    recovery_check,
)

DAY = date(2026, 3, 10)  # the clinic clock starts 2026-03-10 14:00 UTC


def board(clinic: Clinic, day: date = DAY, **kwargs: Any) -> list[BoardRow]:
    with clinic.db.reading() as tx:
        return board_rows(tx, clinic.nurse, day, clinic.clock.now(), tz=kwargs.pop("tz", UTC))


def add_patient(clinic: Clinic, mrn: str, family: str) -> patients.PatientRow:
    details = patients.PatientDetails(mrn, family, "Sam", date(1975, 5, 6), "male")
    return clinic.act(patients.register_patient, clinic.nurse, details)


def open_in(clinic: Clinic, patient_id: int, chair: str, weight: str = "80") -> str:
    loaded = clinic.act(
        sessions.open_session,
        clinic.nurse,
        patient_id,
        clinic.protocols[0].id,
        chair,
        Decimal(weight),
    )
    return loaded.row.id


def test_empty_day_has_no_rows(clinic: Clinic) -> None:
    assert board(clinic) == []


def test_sessions_of_the_day_by_chair_with_patient_and_protocol(clinic: Clinic) -> None:
    other = add_patient(clinic, "MRN-0002", "Abara")
    third = add_patient(clinic, "MRN-0003", "Brandt")
    in_ten = open_in(clinic, other.id, "Chair 10")
    in_one = clinic.open_session()
    in_two = open_in(clinic, third.id, "chair 2")
    rows = board(clinic)
    assert [r.session_id for r in rows] == [in_one, in_two, in_ten]
    first = rows[0]
    assert first.chair == "Chair 1"
    assert first.patient_name == "Łukasiewicz, Zoë"
    assert first.mrn == "MRN-0001"
    assert first.protocol_name == clinic.protocols[0].spec.name
    assert first.protocol_is_example
    assert first.status is SessionStatus.SCHEDULED
    assert first.status_label == "Scheduled"
    assert (first.elapsed_text, first.next_due_at, first.due_what) == ("", None, "")
    assert (first.seconds_until_due, first.overdue, first.alert_count) == (None, False, 0)


def test_other_days_are_not_on_the_board(clinic: Clinic) -> None:
    clinic.open_session()
    clinic.later(24 * 60)
    tomorrow = clinic.open_session()
    assert [r.session_id for r in board(clinic, DAY + timedelta(days=1))] == [tomorrow]
    assert len(board(clinic, DAY)) == 1
    assert board(clinic, DAY + timedelta(days=2)) == []


def test_local_day_decides_not_the_utc_day(clinic: Clinic) -> None:
    new_york = ZoneInfo("America/New_York")
    clinic.clock.set(datetime(2026, 3, 11, 2, 0, tzinfo=UTC))  # 22:00 on the 10th in New York
    late = clinic.open_session()
    assert [r.session_id for r in board(clinic, DAY, tz=new_york)] == [late]
    assert board(clinic, DAY + timedelta(days=1), tz=new_york) == []
    assert [r.session_id for r in board(clinic, DAY + timedelta(days=1), tz=UTC)] == [late]


def test_infusing_counts_down_to_vitals_then_overdue_until_charted(clinic: Clinic) -> None:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)  # infusion starts at 14:01, vitals every 10 min
    clinic.later(4)
    (row,) = board(clinic)
    assert row.status is SessionStatus.INFUSING
    assert row.elapsed_text == "Infusion 04:00"
    assert row.due_what == "vitals"
    assert row.next_due_at == datetime(2026, 3, 10, 14, 11, tzinfo=UTC)
    assert (row.seconds_until_due, row.overdue) == (6 * 60, False)
    clinic.later(7)
    (row,) = board(clinic)
    assert (row.seconds_until_due, row.overdue, row.alert_count) == (-60, True, 1)
    clinic.act(charting.chart, clinic.nurse, session_id, BASELINE)
    (row,) = board(clinic)
    assert (row.seconds_until_due, row.overdue, row.alert_count) == (10 * 60, False, 0)


def test_recovery_shows_recovery_elapsed_and_the_next_check(clinic: Clinic) -> None:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    clinic.later(40)
    stop = p.InfusionStop(Decimal("35.0"), StopReason.COMPLETED)
    clinic.act(charting.chart, clinic.nurse, session_id, stop)
    clinic.later(5)
    (row,) = board(clinic)
    assert row.status is SessionStatus.RECOVERY
    assert (row.elapsed_text, row.due_what, row.seconds_until_due) == (
        "Recovery 05:00",
        "recovery check",
        10 * 60,
    )
    clinic.later(11)
    assert board(clinic)[0].overdue
    clinic.act(charting.record_recovery_check, clinic.nurse, session_id, recovery_check())
    assert not board(clinic)[0].overdue


def test_discharged_session_has_nothing_due_and_a_fixed_elapsed(clinic: Clinic) -> None:
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    (row,) = board(clinic)
    assert row.status is SessionStatus.DISCHARGED
    assert (row.next_due_at, row.overdue, row.elapsed_running) == (None, False, False)
    assert row.at(row.as_of + timedelta(hours=1)).elapsed == row.elapsed


def test_at_moves_the_countdown_without_a_reload(clinic: Clinic) -> None:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    (row,) = board(clinic)
    moved = row.at(row.as_of + timedelta(minutes=10, seconds=0.5))
    assert (moved.seconds_until_due, moved.overdue, moved.alert_count) == (-1, True, 1)
    assert moved.elapsed == row.elapsed + timedelta(minutes=10, seconds=0.5)


def test_alerts_of_the_latest_reading_are_counted(clinic: Clinic) -> None:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    low_spo2 = acknowledged(
        p.Vitals(systolic=124, diastolic=80, heart_rate=72, resp_rate=14, spo2=88),
        ClinicalCode.SPO2_LOW,
    )
    clinic.act(charting.chart, clinic.nurse, session_id, low_spo2)
    (row,) = board(clinic)
    assert row.alert_count == 1
    assert "SpO2 88 %" in row.other_alerts[0]


def test_admin_may_not_read_the_board(clinic: Clinic) -> None:
    with clinic.db.reading() as tx, pytest.raises(PermissionDenied):
        board_rows(tx, clinic.admin, DAY, clinic.clock.now())


@contextmanager
def counted_statements(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_queries_do_not_grow_with_the_number_of_sessions(clinic: Clinic) -> None:
    def queries() -> int:
        with counted_statements(clinic.db) as statements:
            board(clinic)
        return len(statements)

    clinic.open_session()
    one = queries()
    for number in range(2, 7):
        patient = add_patient(clinic, f"MRN-10{number}", f"Family{number}")
        chart_to_infusing(clinic, open_in(clinic, patient.id, f"Chair {number}"))
    assert queries() == one


def test_format_duration_and_chair_order() -> None:
    assert format_duration(timedelta(seconds=65)) == "01:05"
    assert format_duration(timedelta(hours=1, minutes=2, seconds=3)) == "1:02:03"
    assert format_duration(timedelta(seconds=-5)) == "00:00"
    chairs = ["Chair 10", "Room B", "chair 2", "Chair 1"]
    assert sorted(chairs, key=chair_sort_key) == ["Chair 1", "chair 2", "Chair 10", "Room B"]


def test_duration_in_words_never_reads_as_a_clock_time() -> None:
    assert duration_words(timedelta(seconds=45)) == "45 s"
    assert duration_words(timedelta(minutes=8, seconds=8)) == "8 min 08 s"
    assert duration_words(timedelta(hours=1, minutes=2, seconds=3)) == "1 h 02 min 03 s"
    assert duration_words(timedelta(seconds=-5)) == "0 s"


def test_overdue_first_then_alerts_then_the_rest_each_by_chair(clinic: Clinic) -> None:
    plain_two = open_in(clinic, add_patient(clinic, "MRN-0002", "Abara").id, "Chair 2")
    alerting_ten = open_in(clinic, add_patient(clinic, "MRN-0003", "Brandt").id, "Chair 10")
    overdue_three = open_in(clinic, add_patient(clinic, "MRN-0004", "Chen").id, "Chair 3")
    for session_id in (plain_two, alerting_ten, overdue_three):
        chart_to_infusing(clinic, session_id)
    clinic.later(8)
    low_spo2 = acknowledged(
        p.Vitals(systolic=124, diastolic=80, heart_rate=72, resp_rate=14, spo2=88),
        ClinicalCode.SPO2_LOW,
    )
    clinic.act(charting.chart, clinic.nurse, alerting_ten, low_spo2)
    clinic.act(charting.chart, clinic.nurse, plain_two, BASELINE)
    clinic.later(4)  # Chair 3's first vitals are overdue
    scheduled_one = clinic.open_session()
    rows = board(clinic)
    assert [r.session_id for r in rows] == [overdue_three, alerting_ten, scheduled_one, plain_two]
    assert [urgency_rank(r) for r in rows] == [0, 1, 2, 2]
    assert by_urgency(reversed(rows)) == rows
