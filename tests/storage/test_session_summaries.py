"""Session summary rows on a real database: each follows its timeline in the transaction of
every event, `verify` finds one changed or deleted in SQL, the review queue finds its
sessions through them while showing what the timeline says, and migration 0010 fills them
for sessions charted before it (issue 14)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind
from ketachart.domain.findings import Problem
from ketachart.domain.status_summary import status_summary
from ketachart.domain.timeline import SessionStatus
from ketachart.domain.vocab import StopReason
from ketachart.services import charting, corrections, review, signing
from ketachart.services.session_summaries import stored_summaries, summary_values
from ketachart.services.sessions import load_session
from ketachart.services.verify import SUMMARY_MISSING, verify_all, verify_session_summaries
from ketachart.storage.database import Database
from tests.storage.helpers import event_id, sign
from tests.storage.test_verify import tamper
from tests.support import (
    ALL_INSTRUCTIONS,
    PASSWORDS,
    RIDE,
    Clinic,
    chart_to_discharged,
    chart_to_infusing,
    recovery_check,
)


def stored(clinic: Clinic, session_id: str) -> dict[str, object] | None:
    with clinic.db.reading() as tx:
        return stored_summaries(tx, [session_id]).get(session_id)


def derived(clinic: Clinic, session_id: str) -> dict[str, object]:
    with clinic.db.reading() as tx:
        loaded = load_session(tx, session_id)
        return summary_values(status_summary(loaded.state(), loaded.events))


def follows(clinic: Clinic, session_id: str, status: SessionStatus) -> dict[str, object]:
    """The stored row, checked to be what the timeline derives and to have `status`."""
    row = stored(clinic, session_id)
    assert row == derived(clinic, session_id)
    assert row["status"] == status.value
    return row


def sign_addendum(clinic: Clinic, session_id: str) -> None:
    physician = clinic.physician
    clinic.act(
        signing.sign_addendum,
        physician,
        session_id,
        event_id(clinic, session_id, EventKind.ADDENDUM),
        clinic.proof(physician, PASSWORDS[physician.username], signing.SIGN_PURPOSE),
        seen_head=clinic.seen(session_id),
    )


def finish_to_discharged(clinic: Clinic, session_id: str) -> None:
    """From infusing to discharged, as chart_to_discharged charts it."""
    nurse = clinic.nurse
    clinic.later(40)
    stop = p.InfusionStop(Decimal("35.0"), StopReason.COMPLETED)
    clinic.act(charting.chart, nurse, session_id, stop)
    assert follows(clinic, session_id, SessionStatus.RECOVERY)["waiting"] is False
    clinic.later(15)
    clinic.act(charting.record_recovery_check, nurse, session_id, recovery_check())
    clinic.later(15)
    clinic.act(charting.chart, nurse, session_id, p.IvRemoved(True, True))
    clinic.act(charting.discharge_patient, nurse, session_id, ALL_INSTRUCTIONS, ride=RIDE)


def discharge_again(clinic: Clinic, session_id: str) -> None:
    clinic.act(charting.record_recovery_check, clinic.nurse, session_id, recovery_check())
    clinic.act(charting.discharge_patient, clinic.nurse, session_id, ALL_INSTRUCTIONS)


def void_discharge(clinic: Clinic, session_id: str) -> None:
    target = event_id(clinic, session_id, EventKind.DISCHARGE)
    clinic.act(
        corrections.correct_entry,
        clinic.nurse,
        session_id,
        target,
        "Charted before the ride arrived",
        None,
        seen_version=None,
    )


def summary_problems(clinic: Clinic) -> list[Problem]:
    with clinic.db.reading() as tx:
        return verify_session_summaries(tx)


def test_the_summary_follows_every_kind_of_change(clinic: Clinic) -> None:
    session_id = clinic.open_session()
    opened = follows(clinic, session_id, SessionStatus.SCHEDULED)
    assert (opened["waiting"], opened["discharged_at"], opened["unsigned_addenda"]) == (
        False,
        None,
        0,
    )
    chart_to_infusing(clinic, session_id)
    assert follows(clinic, session_id, SessionStatus.INFUSING)["waiting"] is False

    finish_to_discharged(clinic, session_id)
    discharged = follows(clinic, session_id, SessionStatus.DISCHARGED)
    assert discharged["waiting"] is True
    assert isinstance(discharged["discharged_at"], datetime)
    assert discharged["signed_at"] is None

    void_discharge(clinic, session_id)  # a correction takes the session out of the queue
    voided = follows(clinic, session_id, SessionStatus.RECOVERY)
    assert (voided["waiting"], voided["discharged_at"]) == (False, None)

    clinic.later(5)
    discharge_again(clinic, session_id)
    again = follows(clinic, session_id, SessionStatus.DISCHARGED)
    assert again["waiting"] is True
    assert again["discharged_at"] != discharged["discharged_at"]

    sign(clinic, session_id)
    signed = follows(clinic, session_id, SessionStatus.SIGNED)
    assert (signed["waiting"], signed["unsigned_addenda"]) == (False, 0)
    assert isinstance(signed["signed_at"], datetime)

    clinic.act(signing.add_addendum, clinic.nurse, session_id, "Phoned the next day: well.")
    addendum = follows(clinic, session_id, SessionStatus.SIGNED)
    assert (addendum["waiting"], addendum["unsigned_addenda"]) == (True, 1)

    sign_addendum(clinic, session_id)
    countersigned = follows(clinic, session_id, SessionStatus.SIGNED)
    assert (countersigned["waiting"], countersigned["unsigned_addenda"]) == (False, 0)
    assert countersigned["signed_at"] == signed["signed_at"]
    assert summary_problems(clinic) == []


@pytest.fixture
def discharged(clinic: Clinic) -> str:
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    return session_id


def test_verify_reports_a_summary_row_changed_in_sql(clinic: Clinic, discharged: str) -> None:
    tamper(
        clinic.db,
        "UPDATE session_summaries SET waiting = :no, status = 'signed' WHERE session_id = :sid",
        no=False,
        sid=discharged,
    )
    expected = Problem(
        f"session {discharged}",
        "its summary row (status, waiting) differs from what its timeline says: "
        "one of the two was changed outside ketachart",
    )
    assert summary_problems(clinic) == [expected]
    assert expected in problems_of(clinic.db)


def test_verify_reports_a_summary_row_deleted_in_sql(clinic: Clinic, discharged: str) -> None:
    other = clinic.open_session()
    tamper(clinic.db, "DELETE FROM session_summaries WHERE session_id = :sid", sid=discharged)
    assert summary_problems(clinic) == [Problem(f"session {discharged}", SUMMARY_MISSING)]
    assert stored(clinic, other) is not None


def problems_of(db: Database) -> list[Problem]:
    with db.reading() as tx:
        return verify_all(tx)


def queue(clinic: Clinic, *, include_signed: bool = False) -> dict[str, review.ReviewRow]:
    with clinic.db.reading() as tx:
        rows = review.review_queue(tx, clinic.physician, include_signed=include_signed)
    return {row.session_id: row for row in rows}


def test_the_queue_lists_the_waiting_sessions_oldest_first_with_their_counts(
    clinic: Clinic,
) -> None:
    first, second, signed, open_ = (clinic.open_session() for _ in range(4))
    for session_id in (first, second, signed):
        chart_to_discharged(clinic, session_id)
        clinic.later(1)
    sign(clinic, signed)
    clinic.act(signing.add_addendum, clinic.nurse, signed, "Phoned: well.")
    clinic.act(signing.add_addendum, clinic.nurse, signed, "Phoned again: still well.")

    listed = queue(clinic)
    assert list(listed) == [first, second, signed]  # by discharge time; the open one is not
    assert [r.status for r in listed.values()] == [
        SessionStatus.DISCHARGED,
        SessionStatus.DISCHARGED,
        SessionStatus.SIGNED,
    ]
    assert listed[signed].flags.unsigned_addenda == 2
    assert listed[first].flags.unsigned_addenda == 0
    assert open_ not in queue(clinic, include_signed=True)


def test_the_queue_shows_the_timeline_not_a_summary_row_that_contradicts_it(
    clinic: Clinic, discharged: str
) -> None:
    signed = clinic.open_session()
    chart_to_discharged(clinic, signed)
    sign(clinic, signed)
    tamper(  # the signed session's row claims it waits: the timeline says it does not
        clinic.db,
        "UPDATE session_summaries SET waiting = :yes, status = 'discharged' "
        "WHERE session_id = :sid",
        yes=True,
        sid=signed,
    )
    assert list(queue(clinic)) == [discharged]
    assert queue(clinic, include_signed=False)[discharged].status is SessionStatus.DISCHARGED


def test_the_queue_lists_at_most_a_page(clinic: Clinic) -> None:
    sessions = [clinic.open_session() for _ in range(3)]
    for session_id in sessions:
        chart_to_discharged(clinic, session_id)
        clinic.later(1)
    with clinic.db.reading() as tx:
        rows = review.review_queue(tx, clinic.physician, page=2)
    assert [r.session_id for r in rows] == sessions[:2]  # the two waiting longest
