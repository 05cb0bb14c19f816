"""A clinic as it stands after an upgrade from schema 0005: accounts and charts, but no clinic
key and no user keys (migration 0006 made the tables, empty). Built with the services, then
the keys the account services now make are taken out as someone with direct access would."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import delete

from ketachart.clock import ManualClock
from ketachart.domain.vocab import Role
from ketachart.models import UserKey
from ketachart.services import patients, protocols, users
from ketachart.services.actors import Actor
from ketachart.services.protocols import ProtocolRow
from ketachart.services.sign_in import sign_in
from ketachart.storage import dialect
from ketachart.storage.database import Database
from tests.postgres import privileged
from tests.support import PASSWORDS

ACCOUNTS = (
    ("admin", "Ádám Admin", "", Role.ADMIN),
    ("nina", "Nina Øster", "RN", Role.NURSE),
    ("wes", "Wes Ng", "RN", Role.NURSE),
    ("drm", "María Núñez", "MD", Role.PHYSICIAN),
)


@dataclass
class UpgradedClinic:
    db: Database
    clock: ManualClock
    accounts: dict[str, Actor]
    """The accounts by user name, as rows (no key open: they have none yet)."""
    protocols: list[ProtocolRow]
    patient: patients.PatientRow

    def sign_in(self, username: str) -> Actor:
        """`username` signs in with their password (a key is made if they have none)."""
        return sign_in(self.db, username, PASSWORDS[username]).actor


def make_upgraded_clinic(db: Database, clock: ManualClock) -> UpgradedClinic:
    made: dict[str, Actor] = {}
    with db.transaction() as tx:
        for username, name, credentials, role in ACCOUNTS:
            password = users.new_password(PASSWORDS[username])
            creator = made.get("admin")
            actor = users.create_user(
                tx, creator, username, name, credentials, role, password, clinic_key=None
            )
            made[username] = replace(actor, signer=None)
        rows = protocols.install_example_protocols(tx)
        patient = patients.register_patient(
            tx,
            made["nina"],
            patients.PatientDetails(
                "MRN-0001", "Łukasiewicz", "Zoë", date(1980, 2, 3), "female", "Penicillin"
            ),
        )
    _forget_user_keys(db)
    return UpgradedClinic(db, clock, made, rows, patient)


def _forget_user_keys(db: Database) -> None:
    """Empty user_keys, its append-only triggers dropped for that and made again."""
    with privileged(db) as connection:
        for statement in dialect.drop_append_only_ddl(db.dialect_name, "user_keys"):
            connection.exec_driver_sql(statement)
        connection.execute(delete(UserKey))
        for statement in dialect.append_only_ddl(db.dialect_name, "user_keys"):
            connection.exec_driver_sql(statement)
