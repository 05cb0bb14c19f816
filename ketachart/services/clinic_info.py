"""The clinic's name and address as stored in its settings. Apart from services.clinic (which
sets them and runs the first-run setup) so that the account services can read the clinic's
name for the password policy without importing the setup that creates accounts."""

from __future__ import annotations

from dataclasses import dataclass

from ketachart.models import Setting
from ketachart.storage.database import Tx


@dataclass(frozen=True)
class ClinicInfo:
    name: str
    address: str


def get_clinic(tx: Tx) -> ClinicInfo:
    name = tx.orm.get(Setting, "clinic.name")
    address = tx.orm.get(Setting, "clinic.address")
    return ClinicInfo(name.value if name else "", address.value if address else "")
