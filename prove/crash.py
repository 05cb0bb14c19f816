"""Crash: nothing acknowledged is lost when the process is killed at any moment.

A child process charts through the services in a loop (open a session, pre-checks, baseline,
IV, infusion start, vitals, notes and rate changes, infusion stop; one transaction per
action) and prints each event id on stdout only after its commit has returned. The parent
SIGKILLs it at a random moment (mostly 5-300 ms after it has reported a few ids; sometimes
just after it started, maybe while it opens the database), then checks the file as the next
start would find it: every reported id is there, decodes and hashes to its stored hash; no
session lacks its opening event and no event its audit entry (a transaction is all or
nothing); `verify_all` (`PRAGMA integrity_check`, every chain and head) finds nothing.

`python -m prove.crash --child DB_URL SEED` is that child (prove.crash_child). So that a
restart costs milliseconds and not the 0.4 s of importing SQLAlchemy, the harness starts one
zygote (`--zygote`) that imports once and forks each child; every child is its own process
that opens the database itself and dies by SIGKILL. Every ROTATE_EVERY kills the harness
moves to a fresh copy of the clinic, so that checks stay cheap however many kills are asked.
`python -m prove.crash --kills N` runs it from the command line.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from select import select as wait_readable
from subprocess import PIPE
from typing import IO, cast

from sqlalchemy import exists, select

from ketachart.domain.events import EventKind
from ketachart.errors import KetachartError
from ketachart.models import AuditEntry, Event, InfusionSession
from ketachart.services.chains import UNREADABLE_ROW, envelope_of, event_record
from ketachart.services.verify import verify_all
from ketachart.storage.database import Tx, open_database
from prove import Figure
from prove.crash_child import chart_until_killed, fork_server, make_template

ROOT = Path(__file__).resolve().parents[1]
ROTATE_EVERY = 25
LINE_TIMEOUT = 30.0
EARLY_KILLS = 0.1
"""The share of kills made at any moment after the start, not after some ids."""


def fresh_copy(template: Path, target: Path) -> str:
    """A copy made with SQLite's backup API, as its URL."""
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"


class Zygote:
    """`python -m prove.crash --zygote`: pays for the imports once; every child it forks is
    a fresh process that opens the database itself and dies by SIGKILL."""

    def __init__(self, errors: Path) -> None:
        self.errors = errors
        command = [sys.executable, "-m", "prove.crash", "--zygote"]
        with errors.open("wb") as sink:
            self.process = subprocess.Popen(command, cwd=ROOT, stdin=PIPE, stdout=PIPE, stderr=sink)
        self.stdin = cast(IO[bytes], self.process.stdin)
        self.stdout = cast(IO[bytes], self.process.stdout)
        self.out = self.stdout.fileno()  # read raw, with select: the buffer is never used
        self.pending = b""

    def line(self, timeout: float = LINE_TIMEOUT) -> bytes | None:
        """The next whole line, or None if none came in time."""
        while b"\n" not in self.pending:
            if not wait_readable([self.out], [], [], timeout)[0]:
                return None
            chunk = os.read(self.out, 65536)
            if not chunk:
                return None
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line

    def send(self, command: str) -> None:
        self.stdin.write(command.encode() + b"\n")
        self.stdin.flush()

    def fork(self, url: str, seed: int) -> int | None:
        self.send(f"fork {url} {seed}")
        line = self.line()
        return int(line.split()[1]) if line and line.startswith(b"pid ") else None

    def read_ids(self, wanted: int) -> list[str]:
        ids: list[str] = []
        while len(ids) < wanted and (line := self.line()) is not None and _is_id(line):
            ids.append(line.decode())
        return ids

    def kill(self, pid: int) -> tuple[list[str], str | None]:
        """SIGKILL child `pid`: the ids it reported meanwhile, and what went wrong if it had
        died by itself. A line the kill cut short was not reported, and is not an id."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        self.send(f"reap {pid}")
        ids: list[str] = []
        while (line := self.line()) is not None and not line.startswith(b"exit "):
            ids += [line.decode()] if _is_id(line) else []
        code = int(line.split()[2]) if line else None
        if code == -signal.SIGKILL:
            return ids, None
        said = self.errors.read_text(errors="replace").strip().splitlines() or ["no message"]
        return ids, f"child exited by itself ({code}): {said[-1]}"

    def close(self) -> None:
        self.stdin.close()
        self.process.wait(timeout=30)
        self.stdout.close()


def _is_id(line: bytes) -> bool:
    return len(line) == 36 and line.count(b"-") == 4


def _delay(rng: random.Random) -> float:
    """5-300 ms, spread evenly on a log scale so short and long runs are both common."""
    return math.exp(rng.uniform(math.log(0.005), math.log(0.3)))


def charted_until_killed(
    zygote: Zygote, url: str, rng: random.Random
) -> tuple[list[str], str | None]:
    """Fork a child to chart, kill it at a random moment; the ids it reported."""
    pid = zygote.fork(url, rng.randrange(2**31))
    if pid is None:
        return [], "the zygote could not fork a child"
    ids: list[str] = []
    if rng.random() < EARLY_KILLS:
        time.sleep(rng.uniform(0, 0.06))
    else:
        ids = zygote.read_ids(rng.randint(1, 5))
        time.sleep(_delay(rng))
    rest, error = zygote.kill(pid)
    return ids + rest, error


@dataclass
class Tally:
    kills: int = 0
    survived: int = 0
    acknowledged: int = 0
    lost: int = 0
    half_written: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, acknowledged: int, lost: int, broken: int, problems: list[str]) -> None:
        """What one kill left behind."""
        self.kills += 1
        self.acknowledged += acknowledged
        self.lost, self.half_written = self.lost + lost, self.half_written + broken
        self.survived += not (lost or broken or problems)
        self.problems.extend(problems)

    def figures(self) -> list[Figure]:
        rows = (
            ("kills survived", self.survived, "events lost", self.lost),
            (
                "events acknowledged",
                self.acknowledged,
                "half-written or not verifying",
                self.half_written,
            ),
            ("restarts checked (integrity, chains)", self.kills, "problems", len(self.problems)),
        )
        return [Figure("crashes", *row) for row in rows]


def unverifiable(tx: Tx, ids: list[str]) -> int:
    """How many of these events do not decode or do not hash to their stored hash."""
    bad = 0
    for row in tx.orm.scalars(select(Event).where(Event.id.in_(ids))):
        try:
            event_record(row)
            bad += envelope_of(row).compute_hash() != row.hash
        except UNREADABLE_ROW:
            bad += 1
    return bad


def half_written(tx: Tx) -> int:
    """Sessions without their opening event, and events without their audit entry."""
    opened = exists().where(
        Event.session_id == InfusionSession.id,
        Event.seq == 1,
        Event.kind == EventKind.SESSION_OPENED.value,
    )
    unopened = tx.orm.scalars(select(InfusionSession.id).where(~opened)).all()
    audited = set(
        tx.orm.scalars(select(AuditEntry.detail).where(AuditEntry.action.like("chart.%")))
    )
    return len(unopened) + len(set(tx.orm.scalars(select(Event.id))) - audited)


def check_after_kill(url: str, reported: set[str], fresh: list[str]) -> tuple[int, int, list[str]]:
    """Open the file as the next start would: (events lost, half-written, problems)."""
    try:
        db = open_database(url)
    except KetachartError as error:
        return 0, 0, [f"cannot open after a kill: {error.message}"]
    try:
        with db.reading() as tx:
            return _check(tx, reported, fresh)
    finally:
        db.dispose()


def _check(tx: Tx, reported: set[str], fresh: list[str]) -> tuple[int, int, list[str]]:
    """Lost ids leave `reported`, so that each is counted once."""
    missing = reported - set(tx.orm.scalars(select(Event.id)))
    reported -= missing
    broken = half_written(tx) + (unverifiable(tx, fresh) if fresh else 0)
    return len(missing), broken, [f"{p.where}: {p.message}" for p in verify_all(tx)]


def kill_round(zygote: Zygote, url: str, kills: int, rng: random.Random, tally: Tally) -> None:
    """`kills` children on one database file, each killed and the file checked after."""
    reported: set[str] = set()
    for _ in range(kills):
        ids, error = charted_until_killed(zygote, url, rng)
        reported.update(ids)
        lost, broken, problems = check_after_kill(url, reported, ids)
        tally.add(len(ids), lost, broken, problems + ([error] if error else []))


def crash_test(kills: int, seed: int = 2026, rotate: int = ROTATE_EVERY) -> Tally:
    rng = random.Random(seed)
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="ketachart-crash-") as name:
        folder = Path(name)
        make_template(folder / "template.sqlite")
        zygote = Zygote(folder / "children.err")
        try:
            for number in range(math.ceil(kills / rotate)):
                url = fresh_copy(folder / "template.sqlite", folder / f"clinic-{number}.sqlite")
                kill_round(zygote, url, min(rotate, kills - tally.kills), rng, tally)
        finally:
            zygote.close()
    return tally


def run(full: bool) -> list[Figure]:
    return crash_test(10_000 if full else 200).figures()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.child:
        return chart_until_killed(args.child[0], int(args.child[1]))
    if args.zygote:
        return fork_server()
    started = time.perf_counter()
    tally = crash_test(args.kills, args.seed)
    for line in [f.line() for f in tally.figures()] + tally.problems[:20]:
        print(line)
    print(f"{tally.kills} kills in {time.perf_counter() - started:.0f} s")
    return 0 if all(f.ok for f in tally.figures()) else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m prove.crash", description=__doc__)
    parser.add_argument("--child", nargs=2, metavar=("DB_URL", "SEED"), help="chart until killed")
    parser.add_argument("--zygote", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--kills", type=int, default=200, help="how many kills (default 200)")
    parser.add_argument("--seed", type=int, default=2026)
    return parser


if __name__ == "__main__":
    sys.exit(main())
