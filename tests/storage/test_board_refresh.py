"""Today's board derives each session once per chain head (issue 14): a refresh re-reads and
re-derives only the sessions a save moved, on this workstation or another, and moves the rest
on to the clock. Derivations are counted by services.board_cache, on real databases."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, timedelta

from ketachart.clock import ManualClock
from ketachart.domain import payloads as p
from ketachart.domain.timeline import SessionStatus
from ketachart.services import charting, patients
from ketachart.services.board import BoardRow, board_rows
from ketachart.services.board_cache import BoardCache
from ketachart.storage.database import Database, open_database
from tests.storage.test_board import DAY, add_patient, board, open_in
from tests.support import BASELINE, Clinic, chart_to_discharged, chart_to_infusing


def derivations(db: Database) -> Counter[str]:
    return Counter(db.caches.of(BoardCache).derivations)


def retimings(db: Database) -> Counter[str]:
    return Counter(db.caches.of(BoardCache).retimings)


def three_sessions(clinic: Clinic) -> tuple[str, str, str]:
    """One waiting, one infusing (since 14:01) and one discharged, in chairs 1, 2 and 3."""
    waiting = clinic.open_session()
    infusing = open_in(clinic, add_patient(clinic, "MRN-0002", "Abara").id, "Chair 2")
    discharged = open_in(clinic, add_patient(clinic, "MRN-0003", "Brandt").id, "Chair 3")
    chart_to_discharged(clinic, discharged)
    chart_to_infusing(clinic, infusing)
    return waiting, infusing, discharged


def cold_board(url: str, clinic: Clinic) -> list[BoardRow]:
    """The board as a workstation that never showed it derives it, from the rows alone."""
    fresh = open_database(url, clinic.clock)
    try:
        with fresh.reading() as tx:
            return board_rows(tx, clinic.nurse, DAY, clinic.clock.now(), tz=UTC)
    finally:
        fresh.dispose()


def test_a_refresh_derives_only_the_session_a_save_moved(clinic: Clinic) -> None:
    waiting, infusing, discharged = three_sessions(clinic)
    board(clinic)
    for _minute in range(3):
        clinic.later(1)
        board(clinic)
    assert derivations(clinic.db) == {waiting: 1, infusing: 1, discharged: 1}
    clinic.act(charting.chart, clinic.nurse, infusing, BASELINE)
    board(clinic)
    board(clinic)
    assert derivations(clinic.db) == {waiting: 1, infusing: 2, discharged: 1}


def test_a_save_on_another_workstation_shows_at_the_next_refresh(
    clinic: Clinic, database_url: str, clock: ManualClock
) -> None:
    waiting, infusing, discharged = three_sessions(clinic)
    by_id = {row.session_id: row for row in board(clinic)}
    assert by_id[infusing].status is SessionStatus.INFUSING
    other = open_database(database_url, clock)  # another workstation: its own caches
    try:
        with other.transaction() as tx:
            charting.chart(tx, clinic.nurse2, infusing, p.Pause("Patient asked for a break"))
    finally:
        other.dispose()
    by_id = {row.session_id: row for row in board(clinic)}
    assert by_id[infusing].status is SessionStatus.PAUSED
    assert derivations(clinic.db) == {waiting: 1, infusing: 2, discharged: 1}


def test_unchanged_rows_moved_on_are_the_rows_derived_afresh(
    clinic: Clinic, database_url: str
) -> None:
    """The countdowns, elapsed times and alerts of rows kept and moved on to the clock are
    what a workstation deriving everything from the rows shows at that moment: overdue, and
    the dose given so far above the maximum once the infusion has run long enough."""
    three_sessions(clinic)
    board(clinic)
    for minutes in (4, 7, 30, 240):
        clinic.later(minutes)
        kept = board(clinic)
        assert kept == cold_board(database_url, clinic)
    infusing = kept[0]
    assert infusing.overdue
    assert infusing.seconds_until_due is not None
    assert any("above the protocol maximum" in alert for alert in infusing.other_alerts)
    assert sum(derivations(clinic.db).values()) == 3


def test_only_a_running_infusion_is_re_timed_and_never_re_read(clinic: Clinic) -> None:
    """Its dose given so far changes with the clock: its row is worked out again from the
    state kept (not read or derived again); the others' rows are only moved on."""
    waiting, infusing, discharged = three_sessions(clinic)
    board(clinic)
    for _refresh in range(3):
        clinic.later(1)
        board(clinic)
    assert retimings(clinic.db) == {infusing: 3}
    assert derivations(clinic.db) == {waiting: 1, infusing: 1, discharged: 1}


def test_a_patient_renamed_shows_without_deriving_the_session_again(clinic: Clinic) -> None:
    session_id = clinic.open_session()
    board(clinic)
    details = patients.PatientDetails(
        "MRN-0001", "Kowalska", "Zoë", clinic.patient.date_of_birth, "female", "Penicillin"
    )
    clinic.act(patients.update_patient, clinic.nurse, clinic.patient.id, details, "married")
    (row,) = board(clinic)
    assert row.patient_name == "Kowalska, Zoë"
    assert derivations(clinic.db) == {session_id: 1}


def test_the_board_keeps_only_its_days(clinic: Clinic) -> None:
    session_id = clinic.open_session()
    board(clinic)
    assert board(clinic, DAY + timedelta(days=3)) == []
    assert derivations(clinic.db) == {}
    board(clinic)
    assert derivations(clinic.db) == {session_id: 1}
