"""Argument parsing for `ketachart`."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from ketachart import __version__
from ketachart.cli.passwords import CLINIC_PASSPHRASE_ENV_HELP
from ketachart.domain.vocab import Role, SessionStatus

DB_HELP = "database URL (default: KETACHART_DATABASE_URL, else SQLite in the user data folder)"
USER_HELP = "sign in as this user (asked on the terminal if not given)"
PASSWORD_ENV_HELP = (
    "read your password from this environment variable (scheduled jobs), instead of a prompt"
)

FORCE_HELP = (
    "replace an existing file (never the database, its journal files, a backup, or what is "
    "not a regular file)"
)


class CliParser(argparse.ArgumentParser):
    """argparse that reports bad input as one line, without the usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from error


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from error
    if not 0 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100000: {value}")
    return value


def build_parser() -> CliParser:
    parser = CliParser(prog="ketachart", description="Charting for IV ketamine infusion clinics.")
    parser.add_argument("--version", action="version", version=f"ketachart {__version__}")
    parser.add_argument("--db", metavar="URL", help=DB_HELP)
    parser.add_argument("--user", metavar="NAME", help=USER_HELP)
    parser.add_argument("--password-env", metavar="VAR", help=PASSWORD_ENV_HELP)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="alone: start the application on a throwaway demo clinic; before a command: "
        "use the demo database (user data folder/demo.sqlite)",
    )
    commands = parser.add_subparsers(dest="command", parser_class=CliParser)
    _add_init(commands)
    demo = commands.add_parser("demo", help="fill the database with synthetic demo data")
    demo.add_argument("--patients", type=_positive, default=20)
    demo.add_argument("--sessions", type=_positive, default=40)
    demo.add_argument("--seed", type=int, default=2026)
    _add_verify(commands)
    listing = commands.add_parser("sessions", help="list sessions with their ids")
    listing.add_argument("--date", type=_iso_date, help="only this day (YYYY-MM-DD)")
    listing.add_argument("--status", choices=[s.value for s in SessionStatus])
    _add_export(commands)
    _add_protocols(commands)
    _add_backup(commands)
    _add_users(commands)
    _add_keys(commands)
    _accept_after(commands)
    return parser


def _add_verify(commands: argparse._SubParsersAction[CliParser]) -> None:
    verify = commands.add_parser("verify", help="check integrity, hash chains and signatures")
    verify.add_argument(
        "--pdf", type=Path, help="check a printed session summary (PDF) against the database"
    )
    verify.add_argument(
        "--from",
        dest="first_day",
        type=_iso_date,
        help="only the sessions from this day on, and the audit entries written since (partial)",
    )
    verify.add_argument(
        "--to",
        dest="last_day",
        type=_iso_date,
        help="only the sessions up to this day, and the audit entries written by then (partial)",
    )
    verify.add_argument(
        "--since-last",
        action="store_true",
        help="only the chains that moved since this workstation's anchors (partial)",
    )


def _accept_after(commands: argparse._SubParsersAction[CliParser]) -> None:
    """`--db`, `--user` and `--password-env` after the command too (`ketachart demo --db
    URL`), at every level. Each is set only when given there (SUPPRESS), so one given before
    the command is not overwritten."""
    for command in commands.choices.values():
        command.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=DB_HELP)
        command.add_argument("--user", metavar="NAME", default=argparse.SUPPRESS, help=USER_HELP)
        command.add_argument(
            "--password-env", metavar="VAR", default=argparse.SUPPRESS, help=PASSWORD_ENV_HELP
        )
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                _accept_after(action)


def _keep(text: str) -> int:
    value = _positive(text)
    if value < 1:
        raise argparse.ArgumentTypeError("keep at least 1 backup")
    return value


def _add_backup(commands: argparse._SubParsersAction[CliParser]) -> None:
    made = commands.add_parser("backup", help="an online, checked backup of an SQLite database")
    made.add_argument("dest", metavar="DEST", nargs="?", type=Path, help="the new backup file")
    made.add_argument(
        "--auto", action="store_true", help="today's dated backup, unless made; rotate old ones"
    )
    made.add_argument("--keep", type=_keep, default=7, help="--auto: backups to keep (7)")
    made.add_argument("--folder", type=Path, help="--auto: folder (default: user data/backups)")
    made.add_argument("--force", action="store_true", help=FORCE_HELP)
    restore = commands.add_parser("restore", help="check a backup, then restore it to a new file")
    restore.add_argument("source", metavar="SRC", type=Path, help="a backup file")
    restore.add_argument("--to", metavar="FILE", type=Path, help="the new database file")
    restore.add_argument("--force", action="store_true", help=FORCE_HELP)


def _add_export(commands: argparse._SubParsersAction[CliParser]) -> None:
    export = commands.add_parser("export", help="export a session")
    formats = export.add_subparsers(dest="export_format", parser_class=CliParser, required=True)
    pdf = formats.add_parser("pdf", help="the session summary as a PDF (audited)")
    pdf.add_argument("session_id", metavar="SESSION_ID", help="as listed by `ketachart sessions`")
    pdf.add_argument("-o", "--output", metavar="FILE", required=True, type=Path, help="PDF file")
    pdf.add_argument("--force", action="store_true", help=FORCE_HELP)


def _add_init(commands: argparse._SubParsersAction[CliParser]) -> None:
    init = commands.add_parser("init", help="create or upgrade the database, and the first admin")
    init.add_argument("--admin-username", help="user name of the first administrator")
    init.add_argument("--admin-name", help="full name of the first administrator")
    init.add_argument(
        "--admin-password-env",
        metavar="VAR",
        help="read the admin password from this environment variable",
    )
    init.add_argument("--clinic-name", help="clinic name printed on every PDF")
    _clinic_passphrase_option(init)
    roles = init.add_argument_group(
        "PostgreSQL least privilege (run init with a superuser's or the owner's URL)"
    )
    roles.add_argument("--app-role", help="the role the application connects as (created)")
    roles.add_argument("--app-password-env", metavar="VAR", help="its password, from VAR")
    roles.add_argument("--auditor-role", help="a read-only role that can run verify (created)")
    roles.add_argument("--auditor-password-env", metavar="VAR", help="its password, from VAR")
    roles.add_argument(
        "--owner-role",
        help="the role that owns the schema and runs migrations (default: ketachart_owner "
        "when run by a superuser, else the connecting role)",
    )


def _add_protocols(commands: argparse._SubParsersAction[CliParser]) -> None:
    parser = commands.add_parser("protocols", help="list, export or import clinic protocols")
    verbs = parser.add_subparsers(dest="protocol_verb", parser_class=CliParser, required=True)
    verbs.add_parser("list", help="the current version of each protocol")
    export = verbs.add_parser("export", help="write a protocol to a JSON file to edit")
    export.add_argument("code", metavar="CODE")
    export.add_argument("-o", "--output", metavar="FILE", required=True, type=Path)
    export.add_argument("--force", action="store_true", help=FORCE_HELP)
    imported = verbs.add_parser("import", help="save an edited JSON file as the next version")
    imported.add_argument("file", metavar="FILE", type=Path)


def _add_users(commands: argparse._SubParsersAction[CliParser]) -> None:
    parser = commands.add_parser("users", help="staff accounts (an administrator signs in)")
    verbs = parser.add_subparsers(dest="users_verb", parser_class=CliParser, required=True)
    verbs.add_parser("list", help="every account: role, status, last sign-in")
    added = verbs.add_parser("add", help="add an account with a temporary password")
    added.add_argument("username", metavar="USERNAME")
    added.add_argument("--name", required=True, help="full name, as printed on the chart")
    added.add_argument("--credentials", default="", help="e.g. RN, MD (printed after the name)")
    added.add_argument("--role", required=True, choices=[r.value for r in Role])
    _temporary_password_choice(added)
    _clinic_passphrase_option(added)
    reset = verbs.add_parser("reset-password", help="a new temporary password (also unlocks)")
    reset.add_argument("username", metavar="USERNAME")
    _temporary_password_choice(reset)
    _clinic_passphrase_option(reset)
    role = verbs.add_parser("set-role", help="change an account's role")
    role.add_argument("username", metavar="USERNAME")
    role.add_argument("role", metavar="ROLE", choices=[r.value for r in Role])
    _clinic_passphrase_option(role)
    for verb, text in USER_SWITCHES.items():
        switch = verbs.add_parser(verb, help=text)
        switch.add_argument("username", metavar="USERNAME")
        if verb != "unlock":
            _clinic_passphrase_option(switch)
    passwd = verbs.add_parser("passwd", help="change your own password (--user)")
    passwd.add_argument(
        "--new-password-env", metavar="VAR", help="read the new password from VAR (scripts)"
    )


def _add_keys(commands: argparse._SubParsersAction[CliParser]) -> None:
    parser = commands.add_parser("keys", help="the clinic key (an administrator signs in)")
    verbs = parser.add_subparsers(dest="keys_verb", parser_class=CliParser, required=True)
    made = verbs.add_parser(
        "init", help="make the clinic key of a clinic upgraded without one; certify accounts"
    )
    _clinic_passphrase_option(made)
    certify = verbs.add_parser(
        "certify", help="certify the accounts that got a key at sign-in since 'keys init'"
    )
    _clinic_passphrase_option(certify)
    verbs.add_parser("show", help="the clinic key's fingerprint and this workstation's record")


def _clinic_passphrase_option(parser: CliParser) -> None:
    parser.add_argument("--clinic-passphrase-env", metavar="VAR", help=CLINIC_PASSPHRASE_ENV_HELP)


USER_SWITCHES = {
    "disable": "disable an account (never deleted: its entries keep their author)",
    "enable": "enable a disabled account again",
    "unlock": "unlock an account locked after failed sign-ins",
}


def _temporary_password_choice(command: CliParser) -> None:
    command.add_argument(
        "--ask-password",
        action="store_true",
        help="type the temporary password (twice) instead of having one made and printed",
    )
