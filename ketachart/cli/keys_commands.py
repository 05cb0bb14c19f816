"""`ketachart keys …`: the clinic key from the command line. `init` makes it for a clinic
upgraded from before keys were kept, `certify` certifies the keys its accounts got at sign-in
since, `show` prints its fingerprint and what this workstation recorded. An administrator
signs in for each; init and certify also take the clinic key passphrase."""

from __future__ import annotations

import argparse

from ketachart.cli.passwords import clinic_passphrase_from
from ketachart.cli.sign_in import signed_in
from ketachart.cli.terminal import shown
from ketachart.domain.access import Action
from ketachart.errors import RuleViolation
from ketachart.keys.signatures import fingerprint
from ketachart.services import keys
from ketachart.services.key_upgrade import (
    Certification,
    certify_uncertified,
    init_clinic_key,
)
from ketachart.storage.database import Database

WAITING = (
    "No key yet for {}: each account gets one at its next sign-in; then run "
    "'ketachart keys certify'."
)


def run_keys(db: Database, args: argparse.Namespace) -> int:
    verb = args.keys_verb
    if verb == "init":
        _refuse_second_key(db)
    admin = signed_in(db, args, Action.MANAGE_USERS, purpose=f"cli.keys.{verb}")
    if verb == "init":
        passphrase = clinic_passphrase_from(args.clinic_passphrase_env, new=True)
        new_key = keys.new_clinic_key(passphrase)  # slow: before the transaction
        with db.transaction() as tx:
            done = init_clinic_key(tx, admin, new_key)
        keys.record_clinic_key(db)
        print(
            f"Created the clinic key {new_key.unlocked.fingerprint}. Keep its passphrase "
            "safe: an administrator types it to add or change accounts, and it cannot be "
            "recovered."
        )
        _print_certification(done)
        return 0
    if verb == "certify":
        passphrase = clinic_passphrase_from(args.clinic_passphrase_env)
        clinic_key = keys.unlock_clinic_key(db, passphrase)
        with db.transaction() as tx:
            done = certify_uncertified(tx, admin, clinic_key)
        _print_certification(done)
        return 0
    return _show(db)


def _refuse_second_key(db: Database) -> None:
    """Before anyone types a passphrase: a clinic has one key, made once."""
    with db.reading() as tx:
        existing = keys.clinic_fingerprint(tx)
    if existing is not None:
        raise RuleViolation(
            f"This clinic already has a signing key ({existing}); nothing was changed. "
            "'ketachart keys certify' certifies accounts that got a key since."
        )


def _print_certification(done: Certification) -> None:
    for row in done.certified:
        print(f"Certified {shown(row.username)} ({row.role.value}): {shown(row.display_name)}.")
    if not done.certified:
        print("No account was waiting to be certified.")
    if done.waiting:
        print(WAITING.format(", ".join(shown(row.username) for row in done.waiting)))


def _show(db: Database) -> int:
    """The clinic key the database holds, and the one this workstation recorded; 1 if they
    differ (as verify would report) or there is none."""
    with db.reading() as tx:
        public = keys.clinic_public_key(tx)
    recorded = None if db.key_record is None else db.key_record.recorded()
    if public is None:
        print(keys.NO_CLINIC_KEY)
        return 1
    print(f"Clinic key: {fingerprint(public)}")
    if recorded is None:
        print("This workstation has not recorded a clinic key.")
        return 0
    print(
        f"Recorded by this workstation on {recorded.recorded_at[:10]}: "
        f"{fingerprint(recorded.public_key)} (in {recorded.path})"
    )
    if recorded.public_key != public:
        print(
            "The database's clinic key is NOT the one this workstation recorded: the key, and "
            "every certificate and signature it vouches for, may have been replaced. Run "
            "'ketachart verify' and tell the clinic's administrator."
        )
        return 1
    print("They match.")
    return 0
