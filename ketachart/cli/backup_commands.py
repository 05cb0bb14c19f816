"""`ketachart backup` and `ketachart restore`: online, checked backups of an SQLite database.
PostgreSQL is backed up with pg_dump (README: Backup and restore)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from ketachart.cli.commands import database_choice
from ketachart.clock import SystemClock
from ketachart.config import ENV_DATABASE_URL, default_database_path
from ketachart.errors import BadDatabaseUrl
from ketachart.services import backups
from ketachart.storage import backup
from ketachart.storage.database import open_database

PG_DUMP_EXIT = 2
USAGE_EXIT = 2


def run_backup(args: argparse.Namespace) -> int:
    choice = database_choice(args)
    url = choice.url
    try:
        choice.require_file()
        source = backup.sqlite_file(url)
    except backup.UsePgDump as error:
        print(f"ketachart: {error.message}", file=sys.stderr)
        return PG_DUMP_EXIT
    except BadDatabaseUrl as error:
        raise choice.named(error) from error
    if args.auto == (args.dest is not None):
        print("ketachart: error: name the backup file (DEST), or use --auto.", file=sys.stderr)
        return USAGE_EXIT
    if args.auto:
        return _auto(url, args)
    check = backups.make_backup(source, args.dest)
    print(f"Backed up {source} to {args.dest}; the copy was checked: {check.summary()}.")
    return 0


def _auto(url: str, args: argparse.Namespace) -> int:
    folder = args.folder or backups.own_backup_folder()
    db = open_database(url, SystemClock(), migrate=False)
    try:
        made = backups.maybe_backup(db, folder, args.keep, db.clock.now())
    finally:
        db.dispose()
    if made is None:
        print(f"Today's backup exists already in {folder}.")
        return 0
    print(f"Backed up to {made.path}; the copy was checked: {made.check.summary()}.")
    if made.removed:
        print(f"Removed {len(made.removed)} older backup(s), keeping the newest {args.keep}.")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    target: Path = args.to or restored_name(datetime.now().astimezone())
    check = backups.restore_backup(args.source, target)
    url = backup.sqlite_url(target)
    print(f"Restored {args.source} into the new file {target}; checked: {check.summary()}.")
    print(f"Use it:  ketachart --db {url}")
    print(
        f"Make it the default: close ketachart on this workstation, then either set "
        f"{ENV_DATABASE_URL}={url}, or move the current default database "
        f"({default_database_path()}) aside and rename the restored file to its name."
    )
    return 0


def restored_name(now: datetime) -> Path:
    """A new file beside the default database, named with the time of the restore."""
    default = default_database_path()
    return default.with_name(f"{default.stem}-restored-{now:%Y%m%d-%H%M%S}{default.suffix}")
