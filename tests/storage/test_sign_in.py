"""Sign-in, re-proving a password and changing one's own: the same answer whatever the
reason for a refusal, the typed name never stored, and no transaction open during argon2."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import astuple, dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.pool import QueuePool

from ketachart.errors import ValidationError
from ketachart.models import AuditEntry, User
from ketachart.services import sign_in as s
from ketachart.services import staff
from ketachart.services.users import new_password, password_matches
from ketachart.storage.database import Database
from tests.support import PASSWORDS, Clinic

TYPED_NAME = "hunter2-is-my-secret"


def refusal(attempt: Callable[[], object]) -> str:
    with pytest.raises(s.SignInRefused) as refused:
        attempt()
    return refused.value.message


@dataclass(frozen=True)
class Audited:
    action: str
    detail: str
    username: str
    user_id: int | None
    target_id: str


def audit_rows(db: Database) -> list[Audited]:
    """The audit trail as plain rows (every column a person could read)."""
    with db.reading() as tx:
        rows = tx.orm.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        return [Audited(r.action, r.detail, r.username, r.user_id, r.target_id) for r in rows]


def lock_out(clinic: Clinic, username: str) -> None:
    for _ in range(s.MAX_FAILED_LOGINS):
        refusal(lambda: s.sign_in(clinic.db, username, "not-the-password"))


def test_sign_in_returns_the_actor_and_records_the_time(clinic: Clinic) -> None:
    signed = s.sign_in(clinic.db, "nina", PASSWORDS["nina"])
    assert signed == s.SignedIn(clinic.nurse, must_change_password=False)
    with clinic.db.reading() as tx:
        row = staff.find_staff(tx, clinic.admin, "nina")
    assert row.last_sign_in_at == clinic.clock.now()
    assert audit_rows(clinic.db)[-1].action == "login"


def test_every_refusal_gives_the_same_message(clinic: Clinic) -> None:
    clinic.act(staff.disable, clinic.admin, clinic.nurse2.id, clinic_key=clinic.clinic_key)
    lock_out(clinic, "drm")
    messages = {
        "unknown": refusal(lambda: s.sign_in(clinic.db, "nobody", "whatever-it-is")),
        "wrong password": refusal(lambda: s.sign_in(clinic.db, "nina", "not-the-password")),
        "disabled": refusal(lambda: s.sign_in(clinic.db, "wes", PASSWORDS["wes"])),
        "locked, right password": refusal(lambda: s.sign_in(clinic.db, "drm", PASSWORDS["drm"])),
    }
    assert set(messages.values()) == {s.REFUSED_MESSAGE}


def test_an_unknown_name_is_audited_as_unknown_user_without_the_typed_text(
    clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        refusal(lambda: s.sign_in(clinic.db, TYPED_NAME, "whatever-it-is"))
    assert TYPED_NAME not in caplog.text
    entry = audit_rows(clinic.db)[-1]
    assert (entry.action, entry.detail, entry.username, entry.user_id) == (
        "login.failed",
        s.UNKNOWN_USER,
        "",
        None,
    )
    for row in audit_rows(clinic.db):
        assert TYPED_NAME not in " ".join(map(str, astuple(row)))


def test_an_unknown_name_never_locks_and_a_real_one_does_silently(clinic: Clinic) -> None:
    lock_out(clinic, "nina")
    lock_out(clinic, "ghost")
    with clinic.db.reading() as tx:
        assert staff.find_staff(tx, clinic.admin, "nina").locked
    assert audit_rows(clinic.db)[-1].detail == s.UNKNOWN_USER


def test_a_locked_account_is_refused_even_with_the_right_password_until_unlocked(
    clinic: Clinic,
) -> None:
    lock_out(clinic, "nina")
    refusal(lambda: s.sign_in(clinic.db, "nina", PASSWORDS["nina"]))
    assert audit_rows(clinic.db)[-1].action == "login.refused"
    clinic.act(staff.unlock, clinic.admin, clinic.nurse.id)
    assert s.sign_in(clinic.db, "nina", PASSWORDS["nina"]).actor == clinic.nurse


def test_a_lock_passes_after_its_time(clinic: Clinic) -> None:
    lock_out(clinic, "nina")
    clinic.later(s.LOCKOUT.total_seconds() / 60 + 1)
    assert s.sign_in(clinic.db, "nina", PASSWORDS["nina"]).actor == clinic.nurse


def test_prove_password_gives_a_proof_the_action_takes_and_audits(clinic: Clinic) -> None:
    proof = s.prove_password(clinic.db, clinic.physician, PASSWORDS["drm"], purpose="sign")
    signer = clinic.act(s.use_proof, proof, purpose="sign", actor=clinic.physician)
    assert signer == clinic.physician
    assert audit_rows(clinic.db)[-1].action == "sign"


def test_a_proof_is_for_its_purpose_and_person_only(clinic: Clinic) -> None:
    proof = s.prove_password(clinic.db, clinic.physician, PASSWORDS["drm"], purpose="sign")
    refusal(lambda: clinic.act(s.use_proof, proof, purpose="attest"))
    refusal(lambda: clinic.act(s.use_proof, proof, purpose="sign", actor=clinic.nurse))
    clinic.later(s.PROOF_LIFETIME.total_seconds() / 60 + 1)
    refusal(lambda: clinic.act(s.use_proof, proof, purpose="sign"))
    with pytest.raises(TypeError):
        s.PasswordProof(clinic.physician, "sign", clinic.clock.now())


def test_a_wrong_proof_is_recorded_and_counts_towards_the_lock_out(clinic: Clinic) -> None:
    for _ in range(s.MAX_FAILED_LOGINS):
        refusal(
            lambda: s.prove_password(clinic.db, clinic.nurse, "not-it-at-all", purpose="attest")
        )
    assert audit_rows(clinic.db)[-1].action == "attest.failed"
    refusal(lambda: s.sign_in(clinic.db, "nina", PASSWORDS["nina"]))


def test_change_own_password_clears_the_must_change_flag(clinic: Clinic) -> None:
    clinic.act(
        staff.reset_password,
        clinic.admin,
        clinic.nurse.id,
        new_password("pale-otter-harbour"),
        clinic_key=clinic.clinic_key,
    )
    assert s.sign_in(clinic.db, "nina", "pale-otter-harbour").must_change_password
    s.change_own_password(clinic.db, clinic.nurse, "pale-otter-harbour", "brisk-fjord-lantern")
    signed = s.sign_in(clinic.db, "nina", "brisk-fjord-lantern")
    assert not signed.must_change_password
    assert audit_rows(clinic.db)[-2].action == "user.password_change"


def test_change_own_password_refuses_a_wrong_current_password_like_sign_in(
    clinic: Clinic,
) -> None:
    message = refusal(
        lambda: s.change_own_password(
            clinic.db, clinic.nurse, "wrong-one-here", "brisk-fjord-lantern"
        )
    )
    assert message == s.REFUSED_MESSAGE
    assert s.sign_in(clinic.db, "nina", PASSWORDS["nina"]).actor == clinic.nurse


@pytest.mark.parametrize("new", ["password", "passwordpassword", "nina-velvet-road", "short"])
def test_change_own_password_refuses_a_weak_new_one_on_its_field(clinic: Clinic, new: str) -> None:
    with pytest.raises(ValidationError) as invalid:
        s.change_own_password(clinic.db, clinic.nurse, PASSWORDS["nina"], new)
    assert [p.field for p in invalid.value.problems] == ["new_password"]
    with clinic.db.reading() as tx:
        user = tx.orm.get(User, clinic.nurse.id)
        assert user is not None
        assert password_matches(user.password_hash, PASSWORDS["nina"])


def test_argon2_runs_while_another_connection_writes(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the password is being checked, a save from another connection commits: the
    check holds no transaction (and so no write lock) open."""
    saved: list[str] = []

    def check_while_someone_saves(password_hash: str, password: str) -> bool:
        pool = clinic.db.engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.checkedout() == 0, "a connection (and so a transaction) is held"

        def save() -> None:
            clinic.act(staff.unlock, clinic.admin, clinic.nurse2.id)
            saved.append("saved")

        writer = threading.Thread(target=save)
        writer.start()
        writer.join(timeout=10)
        assert saved == ["saved"], "a save waited for the password check"
        return password_matches(password_hash, password)

    monkeypatch.setattr(s, "password_matches", check_while_someone_saves)
    assert s.sign_in(clinic.db, "nina", PASSWORDS["nina"]).actor == clinic.nurse
    assert saved == ["saved"]


def test_a_huge_name_or_password_is_refused_like_any_other(clinic: Clinic) -> None:
    """Over their limits (domain.limits), a pasted name or password is no account's: the one
    refusal, and the wrong password counts towards the lock-out (issue 13)."""
    huge = "é" * 10_000_000
    messages = {
        refusal(lambda: s.sign_in(clinic.db, huge, PASSWORDS["nina"])),
        refusal(lambda: s.sign_in(clinic.db, "nina", huge)),
        refusal(lambda: s.prove_password(clinic.db, clinic.nurse, huge, purpose="sign")),
    }
    assert messages == {s.REFUSED_MESSAGE}
    with clinic.db.reading() as tx:
        failed = tx.orm.scalar(select(User.failed_logins).where(User.username == "nina"))
    assert failed == 2
    assert all(len(field) < 200 for row in audit_rows(clinic.db) for field in astuple(row)[:3])
