"""What each command does. Errors become one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ketachart.cli.passwords import clinic_passphrase_from, password_from
from ketachart.cli.sign_in import signed_in
from ketachart.cli.terminal import shown
from ketachart.clock import SystemClock
from ketachart.config import DatabaseChoice, choose_database
from ketachart.domain.access import Action
from ketachart.domain.timeline import STATUS_LABELS, SessionStatus
from ketachart.domain.vocab import Role
from ketachart.errors import BadDatabaseUrl, ValidationError
from ketachart.services import clinic, keys, protocols, sessions, users
from ketachart.services.actors import Actor
from ketachart.services.anchors import keep_anchors
from ketachart.services.users import new_password
from ketachart.storage.database import Database, open_database, setting_up


@contextmanager
def open_from_args(
    args: argparse.Namespace, *, existing: bool = False, url: str | None = None
) -> Iterator[Database]:
    """The database named by --db (or --demo, KETACHART_DATABASE_URL, the default), its
    connections closed when the command is done. `existing`: a command that only reads
    refuses an SQLite file that does not exist, rather than create an empty one. `url`: the
    same database reached another way (init: as the PostgreSQL owner role)."""
    choice = database_choice(args)
    if existing:
        choice.require_file()
    try:
        db = open_database(url or choice.url, SystemClock())
    except BadDatabaseUrl as error:
        raise choice.named(error) from error
    keep_anchors(db)
    try:
        keys.record_clinic_key(db)
        yield db
    finally:
        db.dispose()


def database_choice(args: argparse.Namespace) -> DatabaseChoice:
    return choose_database(args.db, demo=getattr(args, "demo", False))


def cmd_init(args: argparse.Namespace) -> int:
    """The first `init` (no account yet) needs none: it creates the first administrator.
    Once accounts exist, an administrator signs in to run it again."""
    from ketachart.cli.role_commands import least_privilege

    with (
        setting_up(database_choice(args).url),
        least_privilege(args) as url,
        open_from_args(args, url=url) as db,
    ):
        admin = _admin_unless_first(db, args)
        with db.transaction() as tx:
            installed = protocols.install_example_protocols(tx)
            if args.clinic_name:
                clinic.set_clinic(tx, admin, clinic.ClinicInfo(args.clinic_name, ""))
        print(f"Database ready at revision head ({db.dialect_name}).")
        if installed:
            print(
                f"Installed {len(installed)} example protocols (marked EXAMPLE: edit before use)."
            )
        if admin is None:
            _create_first_admin(db, args)
    return 0


def _admin_unless_first(db: Database, args: argparse.Namespace) -> Actor | None:
    """None on a database without accounts; else the administrator who signs in."""
    with db.reading() as tx:
        if users.count_users(tx) == 0:
            return None
    if not getattr(args, "user", None) and not sys.stdin.isatty():
        raise ValidationError.single(
            "user",
            "This database is set up already: it has accounts. Nothing was changed. To run "
            "init on it again (e.g. to install new example protocols), it needs a signed-in "
            "user: name one with --user NAME (an administrator).",
        )
    return signed_in(db, args, Action.MANAGE_USERS, purpose="cli.init")


def _create_first_admin(db: Database, args: argparse.Namespace) -> None:
    username = args.admin_username or _ask("Admin user name: ")
    name = args.admin_name or _ask("Admin full name: ")
    password = new_password(_admin_password(args))  # hashed before the transaction
    new_key = keys.new_clinic_key(clinic_passphrase_from(args.clinic_passphrase_env, new=True))
    with db.transaction() as tx:
        clinic_key = keys.store_clinic_key(tx, new_key)
        users.create_user(tx, None, username, name, "", Role.ADMIN, password, clinic_key=clinic_key)
    keys.record_clinic_key(db)
    print(f"Created the administrator '{username}'.")
    print(
        f"Created the clinic key {new_key.unlocked.fingerprint}. Keep its passphrase safe: "
        "an administrator types it to add or change accounts, and it cannot be recovered."
    )


def _admin_password(args: argparse.Namespace) -> str:
    return password_from(
        args.admin_password_env,
        "--admin-password-env",
        "admin password",
        "Admin password: ",
        repeat=True,
    )


def _ask(prompt: str) -> str:
    if not sys.stdin.isatty():
        raise ValidationError.single(
            "admin", "No terminal to ask on: use --admin-username and --admin-name."
        )
    return input(prompt).strip()


def cmd_demo(args: argparse.Namespace) -> int:
    from ketachart.demo import fill_demo

    started = time.perf_counter()
    with open_from_args(args) as db:
        result = fill_demo(db, patients=args.patients, sessions=args.sessions, seed=args.seed)
        keys.record_clinic_key(db)  # the demo made the clinic key on a new database
    seconds = time.perf_counter() - started
    print(
        f"Demo data: {result.patients} patients, {result.sessions} sessions, "
        f"{result.events} events in {seconds:.1f} s "
        f"({result.events / max(seconds, 1e-9):.0f} events/s)."
    )
    print("Demo accounts (synthetic; passwords are for the demo only):")
    for account in result.accounts:
        print(
            f"  {account.username:<10} {account.password:<16} {account.role:<10} "
            f"{account.display_name}"
        )
    print(f"Demo clinic key passphrase (synthetic): {result.clinic_passphrase}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from ketachart.cli.verify_commands import run_verify

    return run_verify(args)


def cmd_sessions(args: argparse.Namespace) -> int:
    status = SessionStatus(args.status) if args.status else None
    with open_from_args(args, existing=True) as db:
        actor = signed_in(db, args, Action.VIEW_CHART, purpose="cli.sessions")
        with db.transaction() as tx:
            rows = sessions.list_sessions(tx, actor, on=args.date, status=status)
    for row in rows:
        print(
            f"{row.session.id}  {row.session.session_date}  {shown(row.session.chair):<10} "
            f"{STATUS_LABELS[row.status]:<11} {shown(row.patient.mrn):<12} "
            f"{shown(row.protocol_name)}"
        )
    print(f"{len(rows)} session(s).", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ketachart.reports.export import export_session_pdf

    with open_from_args(args, existing=True) as db:
        actor = signed_in(db, args, Action.EXPORT, purpose="cli.export")
        result = export_session_pdf(db, actor, args.session_id, args.output, force=args.force)
    state = "signed" if result.signed else "DRAFT, not signed"
    print(f"Wrote the session summary ({result.pages} pages, {state}) to {result.path}.")
    if result.unprintable:
        print(result.unprintable_note, file=sys.stderr)
    return 0


def cmd_protocols(args: argparse.Namespace) -> int:
    from ketachart.cli.protocol_commands import run_protocols

    with open_from_args(args, existing=True) as db:
        actor = signed_in(db, args, Action.MANAGE_PROTOCOLS, purpose="cli.protocols")
        return run_protocols(db, actor, args)


def cmd_backup(args: argparse.Namespace) -> int:
    from ketachart.cli.backup_commands import run_backup

    return run_backup(args)


def cmd_restore(args: argparse.Namespace) -> int:
    from ketachart.cli.backup_commands import run_restore

    return run_restore(args)


def cmd_users(args: argparse.Namespace) -> int:
    from ketachart.cli.user_commands import run_users

    with open_from_args(args, existing=True) as db:
        return run_users(db, args)


def cmd_keys(args: argparse.Namespace) -> int:
    from ketachart.cli.keys_commands import run_keys

    with open_from_args(args, existing=True) as db:
        return run_keys(db, args)


COMMANDS = {
    "init": cmd_init,
    "demo": cmd_demo,
    "verify": cmd_verify,
    "sessions": cmd_sessions,
    "export": cmd_export,
    "protocols": cmd_protocols,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "users": cmd_users,
    "keys": cmd_keys,
}
