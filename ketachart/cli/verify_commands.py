"""`ketachart verify`: the database's own checks (integrity, hash chains, signatures), its
history against the anchors kept outside it (this workstation's file, the daily backups), and
`--pdf FILE`: a printed summary against the record. An administrator's check (it reads the
audit trail); no patient data is printed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ketachart.cli.commands import open_from_args
from ketachart.cli.sign_in import signed_in
from ketachart.domain.access import Action
from ketachart.domain.findings import Problem
from ketachart.reports.printed import read_printed_summary
from ketachart.services import integrity, keys
from ketachart.services.anchors import backup_anchors, check_anchors, note_current_heads
from ketachart.services.clock_guard import clock_warnings
from ketachart.services.printed_check import PrintedCheck, Verdict, check_printed
from ketachart.services.verify import verify_all
from ketachart.storage.database import Database

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
        return _verify_database(db, _full_check_words(before))


def _full_check_words(before: integrity.FullCheckStatus) -> str:
    """That the full integrity check passed in this run, and when it last ran before it (the
    daily check in the background and the earlier verify runs): PostgreSQL has none."""
    if not before.applies:
        return ""
    return f"; full integrity check passed now (before this run: {before.last_run()})"


def _verify_database(db: Database, full_check: str = "") -> int:
    """The checks, then the anchors; a clean database's heads become this workstation's
    newest anchors, a database with problems moves none (the alarm stays)."""
    book = db.anchors
    anchors = [*(book.anchors() if book else ()), *backup_anchors(db)]
    with db.reading() as tx:
        problems = [
            *verify_all(tx, integrity=False),
            *check_anchors(tx, anchors),
            *keys.check_recorded_clinic_key(tx, db.key_record),
        ]
        warnings = clock_warnings(tx)
        if book is not None and not problems:
            note_current_heads(tx, book)
    if book is not None and problems:
        book.discard()
    _print_findings(problems, warnings)
    if problems:
        print(f"verify: {len(problems)} problem(s) found{full_check}.", file=sys.stderr)
        return 1
    print(
        "verify: database intact: integrity check, every hash chain and every signature OK; "
        f"history extends all {len(anchors)} anchor(s) kept outside the database{full_check}."
    )
    return 0


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
