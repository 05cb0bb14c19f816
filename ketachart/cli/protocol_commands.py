"""Editing protocols from the command line: list, export to a JSON file, import an edited file
as the next version (an administrator signs in for each)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ketachart.cli.terminal import shown
from ketachart.domain import limits
from ketachart.domain.codec import from_plain, to_plain
from ketachart.domain.protocol import ProtocolSpec
from ketachart.errors import NotFound, ValidationError
from ketachart.services import backups, protocols
from ketachart.services.actors import Actor
from ketachart.storage.database import Database
from ketachart.storage.outputs import write_output


def run_protocols(db: Database, admin: Actor, args: argparse.Namespace) -> int:
    """`admin` has signed in (commands.cmd_protocols) and may manage protocols."""
    verbs = {"list": _list, "export": _export, "import": _import}
    return verbs[args.protocol_verb](db, admin, args)


def _list(db: Database, _admin: Actor, _args: argparse.Namespace) -> int:
    with db.reading() as tx:
        rows = protocols.current_protocols(tx)
    for row in rows:
        print(f"{shown(row.spec.code):<18} v{row.spec.version:<3} {shown(row.spec.name)}")
    return 0


def _export(db: Database, _admin: Actor, args: argparse.Namespace) -> int:
    with db.reading() as tx:
        found = [r for r in protocols.current_protocols(tx) if r.spec.code == args.code]
    if not found:
        raise NotFound(f"No current protocol with code {args.code!r}; see `protocols list`.")
    text = json.dumps(to_plain(found[0].spec), indent=2, ensure_ascii=False, sort_keys=True)
    keep = backups.keep_safe(db.sqlite_path)
    data = (text + "\n").encode("utf-8")
    write_output(args.output, data, force=args.force, keep=keep, what="the protocol")
    print(f"Wrote {args.code} v{found[0].spec.version} to {args.output}; edit it, then import.")
    return 0


def _import(db: Database, admin: Actor, args: argparse.Namespace) -> int:
    spec = read_protocol_file(args.file)
    protocols.check_spec(spec)
    with db.transaction() as tx:
        row = protocols.save_protocol(tx, admin, spec)
    print(
        f"Saved {row.spec.code} as version {row.spec.version}. Sessions already opened keep "
        "the version they started with."
    )
    return 0


def read_protocol_file(path: Path) -> ProtocolSpec:
    """A ProtocolSpec from an exported-then-edited file, or a clear ValidationError."""
    try:
        data = json.loads(_read_limited(path).decode("utf-8"))
        return from_plain(ProtocolSpec, data)
    except OSError as error:
        raise ValidationError.single("file", f"Cannot read {path}: {error.strerror}.") from error
    except json.JSONDecodeError as error:
        raise ValidationError.single(
            "file", f"{path} is not valid JSON (line {error.lineno}: {error.msg})."
        ) from error
    except (KeyError, TypeError, ValueError, ArithmeticError) as error:
        raise ValidationError.single(
            "file",
            f"{path} is not a protocol as exported by "
            f"`protocols export` ({type(error).__name__}: {error}).",
        ) from error


def _read_limited(path: Path) -> bytes:
    """The file's bytes, refused by its size before it is parsed: reading stops one byte past
    the limit, so a huge file (or an endless pipe) is neither read whole nor parsed."""
    with path.open("rb") as file:
        data = file.read(limits.PROTOCOL_FILE_BYTES + 1)
    if len(data) > limits.PROTOCOL_FILE_BYTES:
        raise ValidationError.single(
            "file",
            f"{path} is too large for a protocol file (more than "
            f"{limits.PROTOCOL_FILE_BYTES:,} bytes; an exported protocol is a few kilobytes).",
        )
    return data
