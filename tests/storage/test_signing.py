"""Signing, addenda, the signed-session lock, and logins with lockout, on real databases."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind
from ketachart.domain.timeline import SessionStatus
from ketachart.domain.vocab import Severity, SideEffectKind, StopReason
from ketachart.errors import AuthenticationFailed, PermissionDenied, RuleViolation
from ketachart.services import charting, corrections, signing
from ketachart.services.actors import Actor
from ketachart.services.chains import load_events
from ketachart.services.sign_in import MAX_FAILED_LOGINS, PasswordProof, sign_in
from ketachart.services.verify import verify_all
from ketachart.storage.database import Tx
from tests.storage.helpers import (
    ONDANSETRON,
    VIAL,
    Call,
    audit_actions,
    counts,
    event_id,
    sign,
)
from tests.support import (
    ALL_INSTRUCTIONS,
    ALL_PRE_CHECKS,
    BASELINE,
    PASSWORDS,
    RIDE,
    Clinic,
    chart_to_discharged,
    recovery_check,
)

# --- signing --------------------------------------------------------------------------------


@pytest.fixture
def signed(clinic: Clinic) -> str:
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)
    sign(clinic, sid)
    return sid


def correct_vitals(c: Clinic, s: str) -> object:
    target = event_id(c, s, EventKind.VITALS)
    fixed = p.Vitals(118, 78, 72, 14, 98)
    return c.act(corrections.correct_entry, c.nurse, s, target, "typo", fixed, seen_version=None)


CHARTING_VERBS: dict[str, Call] = {
    "note": lambda c, s: c.act(charting.chart, c.nurse, s, p.Note("late thought")),
    "vitals": lambda c, s: c.act(charting.chart, c.physician, s, BASELINE),
    "pre-checks": lambda c, s: c.act(charting.chart, c.nurse, s, ALL_PRE_CHECKS),
    "iv start": lambda c, s: c.act(charting.chart, c.nurse, s, p.IvStart("Left hand", 22, 1)),
    "start infusion": lambda c, s: c.act(
        charting.start_infusion, c.nurse, s, Decimal(50), Decimal(50)
    ),
    "rate change": lambda c, s: c.act(charting.change_rate, c.nurse, s, Decimal(40), "lower"),
    "pause": lambda c, s: c.act(charting.chart, c.nurse, s, p.Pause("agitation")),
    "resume": lambda c, s: c.act(charting.chart, c.nurse, s, p.Resume()),
    "stop": lambda c, s: c.act(
        charting.chart, c.nurse, s, p.InfusionStop(Decimal(1), StopReason.COMPLETED)
    ),
    "side effect": lambda c, s: c.act(
        charting.chart, c.nurse, s, p.SideEffect(SideEffectKind.NAUSEA, Severity.MILD)
    ),
    "rescue": lambda c, s: c.act(charting.give_rescue_medicine, c.nurse, s, ONDANSETRON),
    "recovery": lambda c, s: c.act(charting.record_recovery_check, c.nurse, s, recovery_check()),
    "iv removed": lambda c, s: c.act(charting.chart, c.nurse, s, p.IvRemoved(True, True)),
    "ride": lambda c, s: c.act(charting.chart, c.nurse, s, RIDE),
    "discharge": lambda c, s: c.act(charting.discharge_patient, c.nurse, s, ALL_INSTRUCTIONS),
    "vial": lambda c, s: c.act(charting.record_controlled_substance, c.nurse, s, VIAL, c.nurse2),
    "correction": correct_vitals,
}


def test_signed_session_refuses_every_charting_verb(clinic: Clinic, signed: str) -> None:
    before = counts(clinic)
    refused: dict[str, str] = {}
    for verb, call in CHARTING_VERBS.items():
        with pytest.raises(RuleViolation) as raised:
            call(clinic, signed)
        refused[verb] = f"{type(raised.value).__name__}: {raised.value}"
    locked = "SessionLocked: This session is signed and locked; add an addendum instead."
    assert refused == dict.fromkeys(CHARTING_VERBS, locked)
    assert counts(clinic) == before


def test_signed_session_refuses_attest_and_second_signature(clinic: Clinic, signed: str) -> None:
    with pytest.raises(RuleViolation, match="before signing"):
        clinic.act(
            signing.attest,
            clinic.nurse,
            signed,
            clinic.proof(clinic.nurse, PASSWORDS["nina"], signing.ATTEST_PURPOSE),
            seen_head=clinic.seen(signed),
        )
    with pytest.raises(RuleViolation, match="already signed"):
        sign(clinic, signed)


def test_signed_session_takes_a_signed_addendum(clinic: Clinic, signed: str) -> None:
    addendum = clinic.act(signing.add_addendum, clinic.nurse, signed, "Patient called: well.")
    physician = clinic.physician
    signature = clinic.act(
        signing.sign_addendum,
        physician,
        signed,
        addendum.id,
        clinic.proof(physician, PASSWORDS[physician.username], signing.SIGN_PURPOSE),
        seen_head=clinic.seen(signed),
    )
    assert isinstance(signature.payload, p.Signature)
    assert signature.payload.addendum_id == addendum.id
    assert signature.payload.head_hash == addendum.hash
    assert clinic.state(signed).status is SessionStatus.SIGNED
    with pytest.raises(RuleViolation, match="already signed"):
        clinic.act(
            signing.sign_addendum,
            physician,
            signed,
            addendum.id,
            clinic.proof(physician, PASSWORDS[physician.username], signing.SIGN_PURPOSE),
            seen_head=clinic.seen(signed),
        )
    with clinic.db.reading() as tx:
        assert verify_all(tx) == []


def test_nurse_cannot_sign(clinic: Clinic) -> None:
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)
    before = counts(clinic)
    with pytest.raises(PermissionDenied, match="may not sign"):
        clinic.act(
            signing.sign_session,
            clinic.nurse,
            sid,
            clinic.proof(clinic.nurse, PASSWORDS["nina"], signing.SIGN_PURPOSE),
            seen_head=clinic.seen(sid),
        )
    assert counts(clinic) == before


def test_wrong_password_does_not_sign(clinic: Clinic) -> None:
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)
    events, audits = counts(clinic)
    with pytest.raises(AuthenticationFailed, match=REFUSED):
        clinic.act(
            signing.sign_session,
            clinic.physician,
            sid,
            clinic.proof(clinic.physician, "not-the-password", signing.SIGN_PURPOSE),
            seen_head=clinic.seen(sid),
        )
    assert counts(clinic) == (events, audits + 1)
    assert audit_actions(clinic)[-1] == ("sign.failed", "wrong password, attempt 1")
    assert clinic.state(sid).status is SessionStatus.DISCHARGED


def test_someone_elses_password_does_not_sign(clinic: Clinic) -> None:
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)
    with pytest.raises(AuthenticationFailed):
        clinic.act(
            signing.sign_session,
            clinic.physician,
            sid,
            clinic.proof(clinic.physician, PASSWORDS["nina"], signing.SIGN_PURPOSE),
            seen_head=clinic.seen(sid),
        )
    assert clinic.state(sid).status is SessionStatus.DISCHARGED


REFUSED = "user name or password is not right"


class Abandoned(Exception):
    """The rest of the caller's action failed after the signature."""


Signing = Callable[[Clinic, Tx, str, PasswordProof], object]
"""A signature by the right user, in the caller's transaction: (clinic, tx, session, proof)."""


def _attest(c: Clinic, tx: Tx, sid: str, proof: PasswordProof) -> object:
    return signing.attest(tx, c.nurse, sid, proof, seen_head=signing.head_to_review(tx, sid))


def _sign(c: Clinic, tx: Tx, sid: str, proof: PasswordProof) -> object:
    return signing.sign_session(
        tx, c.physician, sid, proof, seen_head=signing.head_to_review(tx, sid)
    )


def _sign_addendum(c: Clinic, tx: Tx, sid: str, proof: PasswordProof) -> object:
    addendum = _addendum_of(tx, sid)
    seen = signing.head_to_review(tx, sid)
    return signing.sign_addendum(tx, c.physician, sid, addendum, proof, seen_head=seen)


def _addendum_of(tx: Tx, sid: str) -> str:
    return next(e.id for e in load_events(tx, sid) if e.kind is EventKind.ADDENDUM)


SIGNINGS: dict[str, tuple[Signing, str, str]] = {
    "attest": (_attest, "nina", "attest"),
    "sign session": (_sign, "drm", "sign"),
    "sign addendum": (_sign_addendum, "drm", "sign"),
}


@pytest.fixture(params=list(SIGNINGS))
def signing_case(request: pytest.FixtureRequest, clinic: Clinic) -> tuple[Signing, str, str, str]:
    """(signature, signer's user name, audit purpose, a session ready for it)."""
    sign_it, username, purpose = SIGNINGS[request.param]
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)
    clinic.act(signing.add_addendum, clinic.nurse, sid, "Patient called: well.")
    return sign_it, username, purpose, sid


def signer_of(clinic: Clinic, username: str) -> Actor:
    return clinic.nurse if username == "nina" else clinic.physician


def test_a_signature_is_kept_only_when_the_callers_transaction_commits(
    clinic: Clinic, signing_case: tuple[Signing, str, str, str]
) -> None:
    sign_it, username, purpose, sid = signing_case
    signer = signer_of(clinic, username)
    before = counts(clinic)

    proof = clinic.proof(signer, PASSWORDS[username], purpose)

    def signed_then_abandoned(tx: Tx) -> None:
        sign_it(clinic, tx, sid, proof)
        raise Abandoned

    with pytest.raises(Abandoned):
        clinic.act(signed_then_abandoned)
    assert counts(clinic) == before  # neither the signature nor its password's audit entry
    clinic.act(lambda tx: sign_it(clinic, tx, sid, proof))
    assert counts(clinic)[0] == before[0] + 1
    assert (purpose, "") in audit_actions(clinic)[-3:]


def test_a_wrong_signing_password_is_refused_and_recorded_before_any_action(
    clinic: Clinic, signing_case: tuple[Signing, str, str, str]
) -> None:
    _sign_it, username, purpose, _sid = signing_case
    events, audits = counts(clinic)
    with pytest.raises(AuthenticationFailed, match=REFUSED):
        clinic.proof(signer_of(clinic, username), "not-the-password", purpose)
    assert counts(clinic) == (events, audits + 1)
    assert audit_actions(clinic)[-1] == (f"{purpose}.failed", "wrong password, attempt 1")


def test_wrong_signing_passwords_lock_the_account(clinic: Clinic) -> None:
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(AuthenticationFailed, match=REFUSED):
            clinic.proof(clinic.physician, "not-the-password", signing.SIGN_PURPOSE)
    with pytest.raises(AuthenticationFailed, match=REFUSED):
        clinic.proof(clinic.physician, PASSWORDS["drm"], signing.SIGN_PURPOSE)
    with pytest.raises(AuthenticationFailed, match=REFUSED):
        sign_in(clinic.db, "drm", PASSWORDS["drm"])
    assert audit_actions(clinic)[-3:] == [
        ("sign.failed", "wrong password, attempt 5, account locked"),
        ("sign.refused", "account locked"),
        ("login.refused", "account locked"),
    ]
    assert clinic.state(sid).status is SessionStatus.DISCHARGED


# --- logins ---------------------------------------------------------------------------------


def test_five_failed_logins_lock_the_account_for_five_minutes(clinic: Clinic) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailed, match=REFUSED):
            sign_in(clinic.db, "nina", "wrong-password")
    with pytest.raises(AuthenticationFailed, match=REFUSED):
        sign_in(clinic.db, "nina", PASSWORDS["nina"])
    clinic.later(4.9)
    with pytest.raises(AuthenticationFailed, match=REFUSED):
        sign_in(clinic.db, "nina", PASSWORDS["nina"])
    clinic.later(0.1)
    assert sign_in(clinic.db, "nina", PASSWORDS["nina"]).actor == clinic.nurse
    assert audit_actions(clinic)[-8:] == [
        ("login.failed", "wrong password, attempt 1"),
        ("login.failed", "wrong password, attempt 2"),
        ("login.failed", "wrong password, attempt 3"),
        ("login.failed", "wrong password, attempt 4"),
        ("login.failed", "wrong password, attempt 5, account locked"),
        ("login.refused", "account locked"),
        ("login.refused", "account locked"),
        ("login", ""),
    ]


def test_unknown_user_login_is_audited(clinic: Clinic) -> None:
    with pytest.raises(AuthenticationFailed, match=REFUSED):
        sign_in(clinic.db, "nobody", "whatever-1")
    assert audit_actions(clinic)[-1] == ("login.failed", "unknown user")
