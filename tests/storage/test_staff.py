"""Staff management: every operation is an audited event in the admin's transaction, never
with a password in it; the clinic always keeps an active administrator."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ketachart.domain.vocab import Role
from ketachart.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from ketachart.models import AuditEntry
from ketachart.services import sign_in, staff
from ketachart.services.users import new_password
from tests.support import PASSWORDS, Clinic

TEMPORARY = "copper-kettle-dawn"


def last_audit(clinic: Clinic) -> tuple[str, str, str, str]:
    with clinic.db.reading() as tx:
        entry = tx.orm.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        return entry.action, entry.username, entry.target_id, entry.detail


def all_audit_text(clinic: Clinic) -> str:
    with clinic.db.reading() as tx:
        rows = tx.orm.scalars(select(AuditEntry))
        return " ".join(f"{r.username} {r.action} {r.target_id} {r.detail}" for r in rows)


def row(clinic: Clinic, username: str) -> staff.StaffRow:
    with clinic.db.reading() as tx:
        return staff.find_staff(tx, clinic.admin, username)


def test_list_staff_shows_every_account_as_plain_rows(clinic: Clinic) -> None:
    with clinic.db.reading() as tx:
        rows = staff.list_staff(tx, clinic.admin)
    assert [r.username for r in rows] == ["admin", "drm", "nina", "wes"]
    nina = rows[2]
    assert (nina.display_name, nina.credentials, nina.role) == ("Nina Øster", "RN", Role.NURSE)
    assert (nina.active, nina.locked, nina.must_change_password) == (True, False, False)
    assert (nina.last_sign_in_at, nina.created_at) == (None, clinic.clock.now())


def test_find_staff_names_a_missing_account(clinic: Clinic) -> None:
    with pytest.raises(NotFound, match="no account with the user name 'zed'"):
        row(clinic, "zed")


def test_add_staff_must_change_the_temporary_password_at_first_sign_in(clinic: Clinic) -> None:
    added = clinic.act(
        staff.add_staff,
        clinic.admin,
        "olu",
        "Olu Bello",
        "RN",
        Role.NURSE,
        new_password(TEMPORARY),
        clinic_key=clinic.clinic_key,
    )
    assert (added.username, added.role, added.must_change_password) == ("olu", Role.NURSE, True)
    assert last_audit(clinic) == ("user.create", "admin", str(added.id), "role=nurse")
    signed = sign_in.sign_in(clinic.db, "olu", TEMPORARY)
    assert (signed.must_change_password, signed.actor.id) == (True, added.id)
    assert TEMPORARY not in all_audit_text(clinic)


@pytest.mark.parametrize("password", ["password", "passwordpassword", "olu-bello-night"])
def test_add_staff_refuses_a_weak_temporary_password_on_its_field(
    clinic: Clinic, password: str
) -> None:
    with pytest.raises(ValidationError) as invalid:
        clinic.act(
            staff.add_staff,
            clinic.admin,
            "olu",
            "Olu Bello",
            "RN",
            Role.NURSE,
            new_password(password),
            clinic_key=clinic.clinic_key,
        )
    assert [p.field for p in invalid.value.problems] == ["temporary_password"]


def test_reset_password_sets_must_change_and_unlocks(clinic: Clinic) -> None:
    for _ in range(sign_in.MAX_FAILED_LOGINS):
        with pytest.raises(sign_in.SignInRefused):
            sign_in.sign_in(clinic.db, "nina", "not-the-password")
    assert row(clinic, "nina").locked
    clinic.act(
        staff.reset_password,
        clinic.admin,
        clinic.nurse.id,
        new_password(TEMPORARY),
        clinic_key=clinic.clinic_key,
    )
    after = row(clinic, "nina")
    assert (after.must_change_password, after.locked) == (True, False)
    assert last_audit(clinic) == ("user.password_reset", "admin", str(clinic.nurse.id), "")
    assert sign_in.sign_in(clinic.db, "nina", TEMPORARY).must_change_password
    with pytest.raises(sign_in.SignInRefused):
        sign_in.sign_in(clinic.db, "nina", PASSWORDS["nina"])
    assert TEMPORARY not in all_audit_text(clinic)


def test_change_role_is_audited_with_old_and_new(clinic: Clinic) -> None:
    clinic.act(
        staff.change_role,
        clinic.admin,
        clinic.nurse2.id,
        Role.PHYSICIAN,
        clinic_key=clinic.clinic_key,
    )
    assert row(clinic, "wes").role is Role.PHYSICIAN
    expected = ("user.role_change", "admin", str(clinic.nurse2.id), "nurse -> physician")
    assert last_audit(clinic) == expected


def test_disable_and_enable_are_audited_and_stop_sign_in(clinic: Clinic) -> None:
    clinic.act(staff.disable, clinic.admin, clinic.nurse2.id, clinic_key=clinic.clinic_key)
    assert not row(clinic, "wes").active
    assert last_audit(clinic) == ("user.deactivate", "admin", str(clinic.nurse2.id), "")
    with pytest.raises(sign_in.SignInRefused):
        sign_in.sign_in(clinic.db, "wes", PASSWORDS["wes"])
    clinic.act(staff.enable, clinic.admin, clinic.nurse2.id, clinic_key=clinic.clinic_key)
    assert last_audit(clinic) == ("user.activate", "admin", str(clinic.nurse2.id), "")
    assert sign_in.sign_in(clinic.db, "wes", PASSWORDS["wes"]).actor == clinic.nurse2


def test_unlock_is_audited(clinic: Clinic) -> None:
    for _ in range(sign_in.MAX_FAILED_LOGINS):
        with pytest.raises(sign_in.SignInRefused):
            sign_in.sign_in(clinic.db, "wes", "not-the-password")
    clinic.act(staff.unlock, clinic.admin, clinic.nurse2.id)
    assert not row(clinic, "wes").locked
    assert last_audit(clinic) == ("user.unlock", "admin", str(clinic.nurse2.id), "")


def test_the_last_active_admin_cannot_be_demoted_or_disabled(clinic: Clinic) -> None:
    admin_id = clinic.admin.id
    with pytest.raises(RuleViolation, match="last active administrator"):
        clinic.act(
            staff.change_role, clinic.admin, admin_id, Role.NURSE, clinic_key=clinic.clinic_key
        )
    second = clinic.act(
        staff.add_staff,
        clinic.admin,
        "boss2",
        "Bea Boss",
        "",
        Role.ADMIN,
        new_password(TEMPORARY),
        clinic_key=clinic.clinic_key,
    )
    boss2 = sign_in.sign_in(clinic.db, "boss2", TEMPORARY).actor
    with pytest.raises(RuleViolation, match="your own account"):
        clinic.act(staff.disable, clinic.admin, admin_id, clinic_key=clinic.clinic_key)
    clinic.act(staff.disable, boss2, admin_id, clinic_key=clinic.clinic_key)
    with pytest.raises(RuleViolation, match="last active administrator"):
        clinic.act(
            staff.change_role, boss2, second.id, Role.PHYSICIAN, clinic_key=clinic.clinic_key
        )
    assert row(clinic, "admin").role is Role.ADMIN


def test_only_an_admin_manages_staff(clinic: Clinic) -> None:
    with clinic.db.reading() as tx, pytest.raises(PermissionDenied):
        staff.list_staff(tx, clinic.nurse)
    with pytest.raises(PermissionDenied):
        clinic.act(staff.unlock, clinic.physician, clinic.nurse.id)


def test_huge_account_fields_are_refused_by_their_length(clinic: Clinic) -> None:
    """Issue 13: a pasted 10 MB name or password is refused on its field, naming the limit,
    and the account is not created (the huge password is not even hashed)."""
    huge = "é" * 10_000_000
    with pytest.raises(ValidationError) as invalid:
        clinic.act(
            staff.add_staff,
            clinic.admin,
            "olu",
            huge,
            "RN",
            Role.NURSE,
            new_password(huge),
            clinic_key=clinic.clinic_key,
        )
    problems = {p.field: p.message for p in invalid.value.problems}
    assert problems == {
        "display_name": "Full name is too long (10000000 characters, at most 120).",
        "temporary_password": "The password is too long (10000000 characters, at most 1024).",
    }
    with clinic.db.reading() as tx, pytest.raises(NotFound):
        staff.find_staff(tx, clinic.admin, "olu")
