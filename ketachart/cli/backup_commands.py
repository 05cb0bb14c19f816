"""`ketachart backup` and `ketachart restore`: online, checked backups of an SQLite database.
PostgreSQL is backed up with pg_dump (README: Backup and restore). A backup holds every
patient's chart, so an administrator signs in for each: to the database backed up, and, for a
restore, to the restored copy (whose accounts are the backup's), which is removed if refused."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from ketachart.cli.commands import database_choice, open_from_args
from ketachart.cli.sign_in import signed_in
from ketachart.clock import SystemClock
from ketachart.config import ENV_DATABASE_URL, default_database_path
from ketachart.domain.access import Action
from ketachart.errors import BadDatabaseUrl
from ketachart.services import backups
from ketachart.services.actors import Actor
from ketachart.storage import backup
from ketachart.storage.database import Database, open_database, sqlite_file_path

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
    with open_from_args(args, existing=True) as db:
        actor = signed_in(db, args, Action.BACKUP, purpose="cli.backup")
        if args.auto:
            return _auto(db, actor, args)
        keep = backups.keep_safe(source)
        check = backups.make_backup(source, args.dest, force=args.force, keep=keep)
        backups.record_backup(db, actor, args.dest, check)
    print(f"Backed up {source} to {args.dest}; the copy was checked: {check.summary()}.")
    return 0


def _auto(db: Database, actor: Actor, args: argparse.Namespace) -> int:
    folder = args.folder or backups.own_backup_folder()
    made = backups.maybe_backup(db, folder, args.keep, db.clock.now(), actor)
    if made is None:
        print(f"Today's backup exists already in {folder}.")
        return 0
    print(f"Backed up to {made.path}; the copy was checked: {made.check.summary()}.")
    if made.removed:
        print(f"Removed {len(made.removed)} older backup(s), keeping the newest {args.keep}.")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    target: Path = args.to or restored_name(datetime.now().astimezone())
    check = backups.restore_backup(
        args.source, target, force=args.force, keep=backups.keep_safe(_current_database(args))
    )
    url = backup.sqlite_url(target)
    _admin_of_restored(url, target, args)
    print(f"Restored {args.source} into the new file {target}; checked: {check.summary()}.")
    print(f"Use it:  ketachart --db {url}")
    print(
        f"Make it the default: close ketachart on this workstation, then either set "
        f"{ENV_DATABASE_URL}={url}, or move the current default database "
        f"({default_database_path()}) aside and rename the restored file to its name."
    )
    return 0


def _current_database(args: argparse.Namespace) -> Path | None:
    """The SQLite file --db (or the default) names, never written over by a restore."""
    try:
        return sqlite_file_path(make_url(database_choice(args).url))
    except ArgumentError:
        return None


def _admin_of_restored(url: str, target: Path, args: argparse.Namespace) -> None:
    """An administrator of the restored clinic signs in to it (audited there, with the restore
    itself); if refused, the restored file is removed, so the backup's charts are not left
    readable."""
    db = open_database(url, SystemClock())
    try:
        actor = signed_in(db, args, Action.BACKUP, purpose="cli.restore")
        backups.record_restore(db, actor, args.source, target)
    except BaseException:
        db.dispose()
        backup.remove_copy(target)
        raise
    db.dispose()


def restored_name(now: datetime) -> Path:
    """A new file beside the default database, named with the time of the restore."""
    default = default_database_path()
    return default.with_name(f"{default.stem}-restored-{now:%Y%m%d-%H%M%S}{default.suffix}")
