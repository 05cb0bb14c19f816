"""The review queue on a real database: what waits for a physician's signature, and what is
only listed on request (a signed session, to add an addendum to it)."""

from __future__ import annotations

from ketachart.domain.timeline import SessionStatus
from ketachart.services import review, signing
from tests.storage.helpers import sign
from tests.support import Clinic, chart_to_discharged


def queue(clinic: Clinic, *, include_signed: bool = False) -> dict[str, review.ReviewRow]:
    with clinic.db.reading() as tx:
        rows = review.review_queue(tx, clinic.physician, include_signed=include_signed)
    return {row.session_id: row for row in rows}


def test_a_discharged_session_waits_and_a_signed_one_only_when_it_has_an_addendum(
    clinic: Clinic,
) -> None:
    discharged = clinic.open_session()
    chart_to_discharged(clinic, discharged)
    signed = clinic.open_session()
    chart_to_discharged(clinic, signed)
    sign(clinic, signed)

    assert list(queue(clinic)) == [discharged]
    assert queue(clinic)[discharged].waiting_for_signature
    listed = queue(clinic, include_signed=True)
    assert listed[signed].status is SessionStatus.SIGNED
    assert not listed[signed].waiting_for_signature  # listed on request, waiting for nothing

    clinic.act(signing.add_addendum, clinic.nurse, signed, "Phoned the next day: well.")
    with_addendum = queue(clinic)
    assert set(with_addendum) == {discharged, signed}
    assert with_addendum[signed].waiting_for_signature
    assert with_addendum[signed].flags.unsigned_addenda == 1
