"""Clinic-wide settings: the name and address printed on every PDF; the first-run setup."""

from __future__ import annotations

from dataclasses import dataclass

from ketachart.domain import limits
from ketachart.domain.access import Action
from ketachart.domain.checks import Checks, nfc
from ketachart.domain.identifiers import DEFAULT_MRN_RULE, MrnRule, mrn_rule
from ketachart.domain.vocab import Role
from ketachart.errors import RuleViolation
from ketachart.models import Setting
from ketachart.services import protocols, users
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.services.clinic_info import ClinicInfo, get_clinic
from ketachart.services.keys import NewClinicKey, store_clinic_key
from ketachart.services.protocols import ProtocolRow
from ketachart.services.row_history import store_settings
from ketachart.services.users import new_password
from ketachart.storage.database import Tx

__all__ = [
    "MRN_DESCRIPTION_KEY",
    "MRN_PATTERN_KEY",
    "ClinicInfo",
    "FirstRun",
    "NewAccount",
    "NewClinic",
    "check_clinic_info",
    "clinic_mrn_rule",
    "get_clinic",
    "set_clinic",
    "set_mrn_rule",
    "set_up_clinic",
]
"""get_clinic and ClinicInfo live in services.clinic_info (read by the account services)."""

MRN_PATTERN_KEY = "clinic.mrn_pattern"
MRN_DESCRIPTION_KEY = "clinic.mrn_pattern_description"


def check_clinic_info(info: ClinicInfo) -> None:
    """Every problem with the clinic's name and address."""
    checks = Checks()
    checks.text("name", "Clinic name", info.name, required=True, max_len=limits.CLINIC_NAME)
    checks.text("address", "Clinic address", info.address, max_len=limits.ADDRESS, multiline=True)
    checks.done()


def set_clinic(tx: Tx, actor: Actor | None, info: ClinicInfo) -> None:
    """Only an admin may change it (None: the first-run setup, before any account exists)."""
    if actor is not None:
        actor.require(Action.MANAGE_USERS)
    info = ClinicInfo(nfc(info.name, limits.CLINIC_NAME), nfc(info.address, limits.ADDRESS))
    check_clinic_info(info)
    recorded = store_settings(tx, actor, {"clinic.name": info.name, "clinic.address": info.address})
    audit(tx, actor, "clinic.update", "clinic", "settings", recorded)


def clinic_mrn_rule(tx: Tx) -> MrnRule:
    """The clinic's MRN pattern, or the default (letters, digits and '-') if none is set."""
    pattern = tx.orm.get(Setting, MRN_PATTERN_KEY)
    description = tx.orm.get(Setting, MRN_DESCRIPTION_KEY)
    if pattern is None or not pattern.value:
        return DEFAULT_MRN_RULE
    return MrnRule(pattern.value, description.value if description else pattern.value)


def set_mrn_rule(tx: Tx, actor: Actor, pattern: str, description: str) -> MrnRule:
    """An admin sets the clinic's MRN pattern (a regular expression the whole MRN must
    match) and the words that describe it in a refusal. Patients already registered keep
    their MRN; the pattern applies when one is registered or edited."""
    actor.require(Action.MANAGE_USERS)
    rule = mrn_rule(pattern, nfc(description, limits.MRN_DESCRIPTION))
    recorded = store_settings(
        tx, actor, {MRN_PATTERN_KEY: rule.pattern, MRN_DESCRIPTION_KEY: rule.description}
    )
    audit(tx, actor, "clinic.mrn_pattern", "clinic", "settings", recorded)
    return rule


@dataclass(frozen=True)
class NewAccount:
    """A staff account to create: user name, full name, credentials (e.g. MD), password."""

    username: str
    display_name: str
    credentials: str
    password: str


@dataclass(frozen=True)
class FirstRun:
    """What the first-run setup asks for: the clinic, its first admin and first physician."""

    clinic: ClinicInfo
    admin: NewAccount
    physician: NewAccount
    clinic_key: NewClinicKey
    """Made from the passphrase the administrator chose, before the transaction (slow)."""


@dataclass(frozen=True)
class NewClinic:
    """What a new clinic starts with: its first two accounts and the example protocols."""

    admin: Actor
    physician: Actor
    protocols: list[ProtocolRow]


def set_up_clinic(tx: Tx, setup: FirstRun) -> NewClinic:
    """The first-run setup as one action, before any account exists: the clinic's name and
    address, the first administrator, the first physician (created by that administrator)
    and the example protocols. Any refusal (a taken user name, a short password) leaves
    nothing of it once the caller's transaction rolls back. The two passwords are hashed
    inside that transaction: the one place this is allowed, as no account exists yet, so no
    one else can be charting."""
    if users.count_users(tx) > 0:
        raise RuleViolation("This clinic is set up already; an administrator adds accounts.")
    set_clinic(tx, None, setup.clinic)
    clinic_key = store_clinic_key(tx, setup.clinic_key)
    first = setup.admin
    admin = users.create_user(
        tx,
        None,
        first.username,
        first.display_name,
        first.credentials,
        Role.ADMIN,
        new_password(first.password),
        clinic_key=clinic_key,
    )
    doctor = setup.physician
    physician = users.create_user(
        tx,
        admin,
        doctor.username,
        doctor.display_name,
        doctor.credentials,
        Role.PHYSICIAN,
        new_password(doctor.password),
        clinic_key=clinic_key,
    )
    return NewClinic(admin, physician, protocols.install_example_protocols(tx))
