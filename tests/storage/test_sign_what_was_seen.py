"""Signing what was seen (issue 13): an attestation, a signature and an addendum's signature
cover the chain head the signer reviewed. A correction charted in between, here from another
workstation (a second Database object on the same database), refuses the signature with the
entries the signer has not seen, writes nothing, and leaves the password proof usable; the
new version is then signed, and the signature records the head that was reviewed."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ketachart.clock import ManualClock
from ketachart.domain import payloads as p
from ketachart.domain.acknowledgement import answered
from ketachart.domain.codes import ClinicalCode
from ketachart.domain.events import EventKind, EventRecord
from ketachart.domain.reviewed import ChartChangedSinceReview, ReviewedHead
from ketachart.domain.timeline import SessionStatus
from ketachart.domain.vocab import AlertResponse
from ketachart.errors import RuleViolation
from ketachart.services import corrections, signing
from ketachart.services.actors import Actor
from ketachart.services.chains import load_events
from ketachart.services.sign_in import PasswordProof
from ketachart.services.verify import verify_all
from ketachart.storage.database import Database, open_database
from tests.storage.helpers import counts
from tests.support import BASELINE, PASSWORDS, Clinic, chart_to_discharged

SPO2_LOW = (ClinicalCode.SPO2_LOW.value,)
SignIt = Callable[[Clinic, str, PasswordProof, ReviewedHead], EventRecord]
"""One signature by its signer, as one transaction: (clinic, session, proof, head seen)."""


def _attest(c: Clinic, sid: str, proof: PasswordProof, seen: ReviewedHead) -> EventRecord:
    return c.act(signing.attest, c.nurse, sid, proof, seen_head=seen)


def _sign(c: Clinic, sid: str, proof: PasswordProof, seen: ReviewedHead) -> EventRecord:
    return c.act(signing.sign_session, c.physician, sid, proof, seen_head=seen)


def _sign_addendum(c: Clinic, sid: str, proof: PasswordProof, seen: ReviewedHead) -> EventRecord:
    addendum = _first(c, sid, EventKind.ADDENDUM).id
    return c.act(signing.sign_addendum, c.physician, sid, addendum, proof, seen_head=seen)


SIGNINGS: dict[str, tuple[SignIt, str, str]] = {
    "attest": (_attest, "nina", signing.ATTEST_PURPOSE),
    "sign session": (_sign, "drm", signing.SIGN_PURPOSE),
    "sign addendum": (_sign_addendum, "drm", signing.SIGN_PURPOSE),
}


def _first(c: Clinic, sid: str, kind: EventKind) -> EventRecord:
    with c.db.reading() as tx:
        return next(e for e in load_events(tx, sid) if e.kind is kind)


def _events(c: Clinic, sid: str) -> list[EventRecord]:
    with c.db.reading() as tx:
        return load_events(tx, sid)


@pytest.fixture
def ready(clinic: Clinic) -> str:
    """A discharged session with an addendum: ready for each of the three signatures."""
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)
    clinic.act(signing.add_addendum, clinic.nurse, sid, "Patient called: well.")
    return sid


@pytest.fixture
def other_workstation(database_url: str, clock: ManualClock) -> Iterator[Database]:
    """The same database opened a second time, as another workstation has it."""
    database = open_database(database_url, clock)
    yield database
    database.dispose()


def correct_spo2_elsewhere(db: Database, clinic: Clinic, sid: str) -> EventRecord:
    """Another nurse, on another workstation, corrects the baseline SpO2 98 → 85."""
    baseline = next(e for e in _events(clinic, sid) if e.payload == BASELINE)
    fixed = answered(p.Vitals(120, 80, 72, 14, 85), SPO2_LOW, (AlertResponse.OXYGEN,))
    with db.transaction() as tx:
        return corrections.correct_entry(
            tx, clinic.nurse2, sid, baseline.id, "misread", fixed, seen_version=None
        )


def signer(clinic: Clinic, username: str) -> Actor:
    return clinic.nurse if username == "nina" else clinic.physician


@pytest.mark.parametrize("case", list(SIGNINGS))
def test_a_correction_after_review_refuses_the_signature_until_it_is_reviewed(
    clinic: Clinic, ready: str, other_workstation: Database, case: str
) -> None:
    sign_it, username, purpose = SIGNINGS[case]
    reviewed = clinic.seen(ready)
    correction = correct_spo2_elsewhere(other_workstation, clinic, ready)
    proof = clinic.proof(signer(clinic, username), PASSWORDS[username], purpose)
    before = counts(clinic)

    with pytest.raises(ChartChangedSinceReview) as refused:
        sign_it(clinic, ready, proof, reviewed)

    assert refused.value.new_entries == (correction,)
    assert refused.value.message == (
        "Not signed: the chart changed after you opened it (1 new entry: correction). "
        "Review it, then sign again."
    )
    assert counts(clinic) == before  # no signature, no audit of the password's use
    assert clinic.state(ready).status is SessionStatus.DISCHARGED
    now = clinic.seen(ready)
    assert now == ReviewedHead(correction.seq, correction.hash)

    signed = sign_it(clinic, ready, proof, now)  # the same proof: nobody was locked out
    assert isinstance(signed.payload, p.Signature | p.Attestation)
    assert (signed.payload.head_seq, signed.payload.head_hash) == (now.seq, now.hash)
    with clinic.db.reading() as tx:
        assert verify_all(tx) == []


@pytest.mark.parametrize("case", list(SIGNINGS))
def test_signing_the_head_reviewed_records_that_head(clinic: Clinic, ready: str, case: str) -> None:
    sign_it, username, purpose = SIGNINGS[case]
    reviewed = clinic.seen(ready)
    proof = clinic.proof(signer(clinic, username), PASSWORDS[username], purpose)
    signed = sign_it(clinic, ready, proof, reviewed)
    assert isinstance(signed.payload, p.Signature | p.Attestation)
    assert signed.seq == reviewed.seq + 1
    assert (signed.payload.head_seq, signed.payload.head_hash) == (reviewed.seq, reviewed.hash)


def test_a_head_that_is_not_this_chains_shows_every_entry_as_new(
    clinic: Clinic, ready: str
) -> None:
    """A head with the right number but another hash was never shown for this chart: the
    physician has seen none of it as it is."""
    head = clinic.seen(ready)
    proof = clinic.proof(clinic.physician, PASSWORDS["drm"], signing.SIGN_PURPOSE)
    before = counts(clinic)
    with pytest.raises(ChartChangedSinceReview) as refused:
        _sign(clinic, ready, proof, ReviewedHead(head.seq, "0" * 64))
    assert [e.seq for e in refused.value.new_entries] == list(range(1, head.seq + 1))
    assert counts(clinic) == before


def test_a_session_signed_meanwhile_says_so_rather_than_changed(
    clinic: Clinic, ready: str, other_workstation: Database
) -> None:
    """Two physicians reviewing the same session: the second is told it is already signed."""
    reviewed = clinic.seen(ready)
    proof = clinic.proof(clinic.physician, PASSWORDS["drm"], signing.SIGN_PURPOSE)
    with other_workstation.transaction() as tx:
        signing.sign_session(tx, clinic.physician, ready, proof, seen_head=reviewed)
    with pytest.raises(RuleViolation, match="already signed"):
        _sign(clinic, ready, proof, reviewed)


def test_every_entry_since_the_review_is_named_in_chain_order(
    clinic: Clinic, ready: str, other_workstation: Database
) -> None:
    reviewed = clinic.seen(ready)
    with other_workstation.transaction() as tx:
        late = signing.add_addendum(tx, clinic.nurse2, ready, "Called back: fine.")
    correction = correct_spo2_elsewhere(other_workstation, clinic, ready)
    proof = clinic.proof(clinic.physician, PASSWORDS["drm"], signing.SIGN_PURPOSE)
    with pytest.raises(ChartChangedSinceReview) as refused:
        _sign(clinic, ready, proof, reviewed)
    assert refused.value.new_entries == (late, correction)
    assert refused.value.message == (
        "Not signed: the chart changed after you opened it (2 new entries: addendum, "
        "correction). Review them, then sign again."
    )
