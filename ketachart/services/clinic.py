"""Clinic-wide settings: the name and address printed on every PDF."""

from __future__ import annotations

from dataclasses import dataclass

from ketachart.domain.access import Action
from ketachart.domain.checks import Checks
from ketachart.models import Setting
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.storage.database import Tx


@dataclass(frozen=True)
class ClinicInfo:
    name: str
    address: str


def get_clinic(tx: Tx) -> ClinicInfo:
    name = tx.orm.get(Setting, "clinic.name")
    address = tx.orm.get(Setting, "clinic.address")
    return ClinicInfo(name.value if name else "", address.value if address else "")


def set_clinic(tx: Tx, actor: Actor | None, info: ClinicInfo) -> None:
    """Only an admin may change it (None: the first-run setup, before any account exists)."""
    if actor is not None:
        actor.require(Action.MANAGE_USERS)
    checks = Checks()
    checks.text("name", "Clinic name", info.name, required=True, max_len=200)
    checks.text("address", "Clinic address", info.address, max_len=500)
    checks.done()
    for key, value in (("clinic.name", info.name), ("clinic.address", info.address)):
        setting = tx.orm.get(Setting, key)
        if setting is None:
            tx.orm.add(Setting(key=key, value=value))
        else:
            setting.value = value
    audit(tx, actor, "clinic.update", "clinic", "settings")
