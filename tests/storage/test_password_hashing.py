"""The production password hashing: argon2id at the library's recommended parameters (RFC 9106,
low-memory profile). The other tests hash their accounts cheaply (tests/conftest.py), so this
file is where the shipped parameters are used end to end."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import select

from ketachart.domain.vocab import Role
from ketachart.errors import AuthenticationFailed
from ketachart.models import User
from ketachart.services import keys, users
from ketachart.services.sign_in import sign_in
from ketachart.storage.database import Database
from tests.conftest import PRODUCTION_HASHER


def test_the_shipped_hasher_uses_the_recommended_argon2id_parameters() -> None:
    hasher = PRODUCTION_HASHER
    shipped = (hasher.type, hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    recommended = RFC_9106_LOW_MEMORY
    assert shipped == (
        recommended.type,
        recommended.time_cost,
        recommended.memory_cost,
        recommended.parallelism,
    )
    assert (hasher.hash_len, hasher.salt_len) == (recommended.hash_len, recommended.salt_len)


@pytest.mark.usefixtures("production_hashes")
def test_an_account_is_stored_and_checked_with_the_shipped_parameters(db: Database) -> None:
    password = users.new_password("copper-lantern-71")
    new_key = keys.new_clinic_key("copper-lantern-clinic-71")
    with db.transaction() as tx:
        clinic_key = keys.store_clinic_key(tx, new_key)
        users.create_user(
            tx, None, "admin", "Ada Admin", "", Role.ADMIN, password, clinic_key=clinic_key
        )
    with db.reading() as tx:
        stored = tx.orm.scalars(select(User.password_hash)).one()
    assert extract_parameters(stored) == RFC_9106_LOW_MEMORY
    assert sign_in(db, "admin", "copper-lantern-71").actor.username == "admin"
    with pytest.raises(AuthenticationFailed):
        sign_in(db, "admin", "not-the-password")
