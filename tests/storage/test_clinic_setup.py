"""The first-run setup is one service in one transaction: the clinic, its first admin and
physician and the example protocols are made together, or nothing of them is."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ketachart.domain.vocab import Role
from ketachart.errors import KetachartError, RuleViolation, ValidationError
from ketachart.services import clinic, keys, protocols, users
from ketachart.services.key_checks import verify_accounts
from ketachart.storage.database import Database, Tx
from prove.full_disk import snapshot

CLINIC_PASSPHRASE = "orbit-lantern-clinic-42"
FIRST_RUN = clinic.FirstRun(
    clinic.ClinicInfo("Clínica Ñandú", "1 Main St, Portland"),
    clinic.NewAccount("boss", "Ada Admin", "", "lantern-orbit-42"),
    clinic.NewAccount("drz", "Zoë Zając", "MD", "maple-prism-58x"),
    keys.new_clinic_key(CLINIC_PASSPHRASE),  # at import: sealed at the production cost, once
)


def test_the_setup_makes_the_clinic_its_accounts_and_protocols(db: Database) -> None:
    with db.transaction() as tx:
        made = clinic.set_up_clinic(tx, FIRST_RUN)
    assert (made.admin.username, made.admin.role) == ("boss", Role.ADMIN)
    assert (made.physician.signature_name, made.physician.role) == ("Zoë Zając, MD", Role.PHYSICIAN)
    with db.reading() as tx:
        assert clinic.get_clinic(tx) == FIRST_RUN.clinic
        assert [a.username for a in users.list_actors(tx)] == ["boss", "drz"]
        assert len(protocols.current_protocols(tx)) == len(made.protocols) == 3
        assert keys.clinic_public_key(tx) == FIRST_RUN.clinic_key.sealed.public_key
        for account in (made.admin, made.physician):
            assert len(keys.user_certificates(tx, account.id)) == 1
        assert verify_accounts(tx) == []
        stored = keys.clinic_public_key(tx)
    assert keys.unlock_clinic_key(db, CLINIC_PASSPHRASE).public_key == stored
    assert made.physician.signer is not None  # she can sign at once


@pytest.mark.parametrize(
    ("setup", "refusal"),
    [
        (replace(FIRST_RUN, clinic=clinic.ClinicInfo("", "")), "Clinic name"),
        (replace(FIRST_RUN, admin=replace(FIRST_RUN.admin, password="short")), "at least 12"),
        (
            replace(FIRST_RUN, physician=replace(FIRST_RUN.physician, password="short")),
            "at least 12",
        ),
        (replace(FIRST_RUN, physician=replace(FIRST_RUN.physician, username="boss")), "taken"),
    ],
    ids=["no clinic name", "short admin password", "short physician password", "same user name"],
)
def test_a_refused_setup_leaves_nothing_half_made(
    db: Database, setup: clinic.FirstRun, refusal: str
) -> None:
    """A refusal at any step (the last ones come after the clinic and the admin are made)
    rolls back every step; the corrected setup then works from scratch."""
    before = snapshot(db)
    with pytest.raises(ValidationError, match=refusal), db.transaction() as tx:
        clinic.set_up_clinic(tx, setup)
    assert snapshot(db) == before
    with db.transaction() as tx:
        clinic.set_up_clinic(tx, FIRST_RUN)


def test_the_setup_runs_once(db: Database) -> None:
    with db.transaction() as tx:
        clinic.set_up_clinic(tx, FIRST_RUN)
    before = snapshot(db)
    again = replace(FIRST_RUN, admin=replace(FIRST_RUN.admin, username="boss2"))
    with pytest.raises(RuleViolation, match="set up already"), db.transaction() as tx:
        clinic.set_up_clinic(tx, again)
    assert snapshot(db) == before


def test_the_setup_is_part_of_the_callers_transaction(db: Database) -> None:
    before = snapshot(db)

    def set_up_then_refused(tx: Tx) -> None:
        clinic.set_up_clinic(tx, FIRST_RUN)
        raise KetachartError("a later step of the caller's action fails")

    with pytest.raises(KetachartError, match="later"), db.transaction() as tx:
        set_up_then_refused(tx)
    assert snapshot(db) == before
