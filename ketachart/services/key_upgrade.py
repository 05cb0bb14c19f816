"""Keys for a clinic upgraded from before keys were kept (schema 0005): its database has no
clinic key and its accounts no keys. An administrator makes the clinic key ('ketachart keys
init'), which certifies every account that has a key; an account without one gets a key at
its next sign-in (services.sign_in), and an administrator certifies those ('ketachart keys
certify'). Each is one transaction, audited under the administrator."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ketachart.domain.access import Action
from ketachart.domain.vocab import Role
from ketachart.models import Certificate, User
from ketachart.services import keys
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.services.key_checks import newest_user_keys
from ketachart.services.vouching import vouch_for_existing
from ketachart.storage.database import Tx


@dataclass(frozen=True)
class AccountKeyRow:
    """An account, as the certification reports it."""

    user_id: int
    username: str
    display_name: str
    role: Role


@dataclass(frozen=True)
class Certification:
    """What one certification did: the accounts certified now, and those still waiting for
    a key (it is made at their next sign-in)."""

    certified: tuple[AccountKeyRow, ...]
    waiting: tuple[AccountKeyRow, ...]


def init_clinic_key(tx: Tx, admin: Actor, new: keys.NewClinicKey) -> Certification:
    """Store the clinic's new key (RuleViolation if it has one), vouch with it for the
    entries signed before it (services.vouching) and certify each account that has a key."""
    admin.require(Action.MANAGE_USERS)
    clinic_key = keys.store_clinic_key(tx, new)
    vouched = vouch_for_existing(tx, clinic_key)
    detail = f"{clinic_key.fingerprint}; vouched for {vouched} earlier signed entries"
    audit(tx, admin, "keys.init", "clinic_key", "", detail)
    return certify_uncertified(tx, admin, clinic_key)


def certify_uncertified(tx: Tx, admin: Actor, clinic_key: keys.UnlockedClinicKey) -> Certification:
    """Certify, as their rows stand, the accounts that have a key and no certificate yet:
    keys made at sign-in for accounts older than the clinic key. An account that has a
    certificate is never certified again here: its changes are certified when they are made,
    so a newer key of its own was not made by ketachart (verify reports it)."""
    admin.require(Action.MANAGE_USERS)
    newest = newest_user_keys(tx)
    has_certificate = set(tx.orm.scalars(select(Certificate.user_id).distinct()))
    certified: list[AccountKeyRow] = []
    waiting: list[AccountKeyRow] = []
    for user in tx.orm.scalars(select(User).order_by(User.id)).all():
        if user.id in has_certificate:
            continue
        key = newest.get(user.id)
        if key is None:
            waiting.append(_row(user))
            continue
        keys.certify(tx, clinic_key, user, key, admin.id)
        certified.append(_row(user))
    if certified:
        names = ", ".join(row.username for row in certified)
        audit(tx, admin, "keys.certify", "user", "", f"certified: {names}")
    return Certification(tuple(certified), tuple(waiting))


def _row(user: User) -> AccountKeyRow:
    return AccountKeyRow(user.id, user.username, user.display_name, Role(user.role))
