"""`ketachart verify`: the database's own checks (integrity, hash chains, signatures), its
history against the anchors kept outside it (this workstation's file, the daily backups), and
`--pdf FILE`: a printed summary against the record. An administrator's check (it reads the
audit trail); no patient data is printed."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ketachart.cli.commands import open_from_args
from ketachart.cli.progress import progress_shown
from ketachart.cli.sign_in import signed_in
from ketachart.domain.access import Action
from ketachart.domain.findings import Problem
from ketachart.reports.printed import read_printed_summary
from ketachart.services import integrity, keys
from ketachart.services.anchors import (
    backup_anchors,
    check_anchors,
    note_current_heads,
    note_verified_head,
    since_last_verified,
)
from ketachart.services.clock_guard import clock_warnings
from ketachart.services.printed_check import PrintedCheck, Verdict, check_printed
from ketachart.services.verify import verify_all
from ketachart.services.verify_timeline import Progress, Scope, events_in_scope
from ketachart.storage.anchors import AnchorBook
from ketachart.storage.database import Database, Tx

VERDICTS = {
    Verdict.MATCHES: "the PDF matches the current record of session {}.",
    Verdict.OLDER: "the PDF matches session {} as it was when printed; entries were added since.",
    Verdict.DIFFERS: "the PDF does NOT match the record of session {}.",
}


def run_verify(args: argparse.Namespace) -> int:
    with open_from_args(args, existing=True) as db:
        if args.pdf is not None:
            signed_in(db, args, Action.VIEW_AUDIT, purpose="cli.verify")
            return _verify_pdf(db, args.pdf)
        before = integrity.status(db)
        check = integrity.full_check(db)  # before the sign-in writes to the file
        integrity.refuse_if_damaged(check)
        actor = signed_in(db, args, Action.VIEW_AUDIT, purpose="cli.verify")
        integrity.record(db, check, actor)
        return _verify_database(db, _full_check_words(before), _asked_scope(args))


def _full_check_words(before: integrity.FullCheckStatus) -> str:
    """That the full integrity check passed in this run, and when it last ran before it (the
    daily check in the background and the earlier verify runs): PostgreSQL has none."""
    if not before.applies:
        return ""
    return f"; full integrity check passed now (before this run: {before.last_run()})"


@dataclass(frozen=True)
class AskedScope:
    """What the command line asked to check: a date range, or `--since-last`."""

    first_day: date | None = None
    last_day: date | None = None
    since_last: bool = False


def _asked_scope(args: argparse.Namespace) -> AskedScope:
    return AskedScope(
        getattr(args, "first_day", None),
        getattr(args, "last_day", None),
        bool(getattr(args, "since_last", False)),
    )


def _verify_database(db: Database, full_check: str = "", asked: AskedScope | None = None) -> int:
    """The checks, then the anchors; a clean database's heads become this workstation's
    newest anchors, a database with problems moves none (the alarm stays). A date range
    moves none either: it did not check every chain."""
    asked = asked or AskedScope()
    book = db.anchors
    anchors = [*(book.anchors() if book else ()), *backup_anchors(db)]
    with db.reading() as tx:
        scope = _scope(tx, book, asked)
        if scope is None:
            print(NEVER_VERIFIED, file=sys.stderr)
            return 1
        rate = _Rate()
        with progress_shown(lambda: events_in_scope(tx, scope)) as shown:
            problems = [
                *verify_all(tx, integrity=False, scope=scope, progress=rate.add(shown)),
                *check_anchors(tx, anchors),
                *keys.check_recorded_clinic_key(tx, db.key_record),
            ]
        warnings = clock_warnings(tx)
        if book is not None and not problems and not scope.dated:
            note_current_heads(tx, book)
            note_verified_head(tx, book)
    if book is not None and problems:
        book.discard()
    _print_findings(problems, warnings)
    if problems:
        print(f"verify: {len(problems)} problem(s) found{full_check}.", file=sys.stderr)
        return 1
    print(_intact(scope, len(anchors), full_check))
    print(f"verify: {rate.summary()}")
    return 0


NEVER_VERIFIED = (
    "verify: this workstation has no clean verify of this database to start from: run "
    "'ketachart verify' once without --since-last."
)


def _scope(tx: Tx, book: AnchorBook | None, asked: AskedScope) -> Scope | None:
    if asked.since_last:
        return None if book is None else since_last_verified(tx, book)
    return Scope(first_day=asked.first_day, last_day=asked.last_day)


def _intact(scope: Scope, anchors: int, full_check: str) -> str:
    """The verdict, and for a partial check what it did not cover."""
    history = f"history extends all {anchors} anchor(s) kept outside the database{full_check}."
    if scope.dated:
        return (
            f"verify: intact as far as checked: the sessions of {_period(scope)} (their hash "
            "chains, signatures, times and audit entries), the audit entries written in that "
            "period (their link to the entry before the period is not checked), accounts, "
            "patients, protocols and settings OK; " + history + " NOT checked: the sessions of "
            "other days, the audit entries outside the period, and whether the audit trail "
            "ends at its head record. Run verify without --from/--to for the whole record."
        )
    if scope.partial:
        return (
            f"verify: intact as far as checked: the {len(scope.sessions or ())} session(s) "
            "charted since this workstation's last clean verify, the audit trail since then, "
            "accounts, patients, protocols and settings OK; " + history + " NOT checked: the "
            "other sessions, where a change made outside ketachart leaves no audit entry. Run "
            "verify without --since-last for the whole record."
        )
    return (
        "verify: database intact: integrity check, every hash chain and every signature OK; "
        + history
    )


def _period(scope: Scope) -> str:
    first = scope.first_day.isoformat() if scope.first_day else "the first day"
    last = scope.last_day.isoformat() if scope.last_day else "today"
    return f"{first} to {last}"


class _Rate:
    """Events checked and the time taken: the run's rate."""

    def __init__(self) -> None:
        self.events = 0
        self.started = time.perf_counter()

    def add(self, shown: Progress) -> Progress:
        def told(n: int) -> None:
            self.events += n
            shown(n)

        return told

    def summary(self) -> str:
        seconds = max(time.perf_counter() - self.started, 1e-9)
        return (
            f"{self.events:,} events checked in {seconds:.1f} s "
            f"({self.events / seconds:,.0f} events/s)."
        )


def _print_findings(problems: list[Problem], warnings: list[str]) -> None:
    for problem in problems:
        print(f"PROBLEM {problem}")
    for warning in warnings:
        print(f"WARNING {warning}")


def _verify_pdf(db: Database, path: Path) -> int:
    printed = read_printed_summary(path)
    if printed is None:
        print(
            f"verify: {path} is not a ketachart session summary: no session number and chain "
            "head could be read from it.",
            file=sys.stderr,
        )
        return 1
    with db.reading() as tx:
        check = check_printed(tx, printed)
    _print_pdf_check(check, printed.session_id)
    return 0 if check.verdict is Verdict.MATCHES else 1


def _print_pdf_check(check: PrintedCheck, session_id: str) -> None:
    for finding in check.findings:
        print(f"{'LATER' if check.verdict is Verdict.OLDER else 'PROBLEM'} {finding}")
    stream = sys.stdout if check.verdict is Verdict.MATCHES else sys.stderr
    print(f"verify: {VERDICTS[check.verdict].format(session_id)}", file=stream)
