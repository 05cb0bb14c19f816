"""Damaged database files: copies of a real database with bytes flipped, cut short, pages
zeroed or scrambled, a garbage header, a rollback-journal header over damaged pages, or an
unknown schema revision. Each copy is opened as the application opens it (`open_database`,
then `verify_all`), and a sample through the command line (`ketachart --db ... verify`).

Each must give a clear message (a KetachartError; for the CLI one line on stderr and a
non-zero exit) or, if the damage is harmless, open and verify cleanly: never an unhandled
exception. A damaged file (SQLite's full integrity check fails on it, or ketachart refuses to
open it) is never written to: its bytes and mtime are the same after the attempt, and no
write-ahead log with content is left beside it. Damage SQLite cannot see (a changed value in
a row, text that is not UTF-8) is verify's to flag, with a problem list or a clear error;
opening such a file may switch it to WAL mode, which changes no row.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ketachart.errors import KetachartError
from ketachart.services.verify import verify_all
from ketachart.storage.backup import remove_copy
from ketachart.storage.database import open_database
from prove import Figure
from prove.sample import build_sample
from tests.support import PASSWORDS

ADMIN_PASSWORD_ENV = "KETACHART_PROVE_ADMIN_PASSWORD"
SIGN_IN = ["--user", "admin", "--password-env", ADMIN_PASSWORD_ENV]
"""verify is an administrator's command: the sample clinic's admin signs in (an intact copy
is then reported intact, not refused for want of a user)."""

AREA = "damaged files"
REFUSED, FLAGGED, CLEAN, UNHANDLED = "refused at open", "flagged by verify", "clean", "unhandled"


@dataclass(frozen=True)
class Layout:
    """Where things are in the source file: its page size and its schema revision's bytes."""

    page_size: int
    revision_at: int


@dataclass(frozen=True)
class Trial:
    kind: str
    outcome: str
    detail: str
    damaged: bool
    written: bool


Damage = Callable[[bytearray, random.Random, Layout], bytes]


def _flip(data: bytearray, rng: random.Random, _layout: Layout) -> bytes:
    for _ in range(rng.randint(1, 64)):
        data[rng.randrange(len(data))] ^= rng.randint(1, 255)
    return bytes(data)


def _truncate(data: bytearray, rng: random.Random, layout: Layout) -> bytes:
    if rng.random() < 0.5:  # at a page boundary, or anywhere
        return bytes(data[: layout.page_size * rng.randrange(1, len(data) // layout.page_size)])
    return bytes(data[: rng.randrange(1, len(data))])


def _page(data: bytearray, rng: random.Random, layout: Layout) -> slice:
    start = layout.page_size * rng.randrange(len(data) // layout.page_size)
    return slice(start, start + layout.page_size)


def _zero_page(data: bytearray, rng: random.Random, layout: Layout) -> bytes:
    data[_page(data, rng, layout)] = bytes(layout.page_size)
    return bytes(data)


def _scramble_page(data: bytearray, rng: random.Random, layout: Layout) -> bytes:
    data[_page(data, rng, layout)] = rng.randbytes(layout.page_size)
    return bytes(data)


def _garbage_header(data: bytearray, rng: random.Random, _layout: Layout) -> bytes:
    start = rng.randrange(100)
    end = rng.randint(start + 1, 100)
    data[start:end] = rng.randbytes(end - start)
    return bytes(data)


def _rollback_journal(data: bytearray, rng: random.Random, layout: Layout) -> bytes:
    """A file not in WAL mode (switching it would write to it), with damaged pages."""
    data[18:20] = b"\x01\x01"
    for _ in range(rng.randint(1, 16)):
        data[rng.randrange(layout.page_size, len(data))] ^= rng.randint(1, 255)
    return bytes(data)


def _schema_revision(data: bytearray, rng: random.Random, layout: Layout) -> bytes:
    """The stored schema revision replaced: a newer version's database, or damage."""
    at = layout.revision_at
    data[at : at + 4] = rng.choice([b"0002", b"9999", b"000\x00", rng.randbytes(4)])
    return bytes(data)


KINDS: dict[str, Damage] = {
    "bytes flipped": _flip,
    "truncated": _truncate,
    "page zeroed": _zero_page,
    "page scrambled": _scramble_page,
    "header garbage": _garbage_header,
    "rollback journal": _rollback_journal,
    "schema revision": _schema_revision,
}


def layout_of(path: Path) -> Layout:
    data = path.read_bytes()
    page_size = int.from_bytes(data[16:18], "big")
    with _read_only(path) as connection:
        (root,) = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'alembic_version'"
        ).fetchone()
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    page_start = (root - 1) * page_size
    at = data.index(revision.encode(), page_start, page_start + page_size)
    return Layout(page_size, at)


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """SQLite on a file it may not change in any way (no locks, no journal, no WAL)."""
    connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        yield connection
    finally:
        connection.close()


def sqlite_finds_damage(data: bytes, folder: Path) -> bool:
    """SQLite's full integrity check of these bytes, on a copy of its own."""
    path = folder / "integrity-check.sqlite"
    path.write_bytes(data)
    try:
        with _read_only(path) as connection:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
        return rows != [("ok",)]
    except (sqlite3.Error, UnicodeDecodeError):
        return True
    finally:
        path.unlink()


def file_state(path: Path) -> tuple[str, int, int]:
    """(content hash, mtime, bytes in its write-ahead log) of a database file."""
    wal = path.with_name(path.name + "-wal")
    return (
        hashlib.sha256(path.read_bytes()).hexdigest(),
        path.stat().st_mtime_ns,
        wal.stat().st_size if wal.exists() else 0,
    )


def open_and_verify(path: Path) -> tuple[str, str]:
    """Open the file as the application does, then verify it: (outcome, detail)."""
    try:
        db = open_database(f"sqlite:///{path}")
    except KetachartError as error:
        return REFUSED, type(error).__name__
    except Exception as error:  # the failure this area counts
        return UNHANDLED, f"open: {type(error).__name__}: {error}"[:300]
    try:
        with db.reading() as tx:
            problems = verify_all(tx)
    except KetachartError as error:
        return FLAGGED, type(error).__name__
    except Exception as error:
        return UNHANDLED, f"verify: {type(error).__name__}: {error}"[:300]
    finally:
        db.dispose()
    return (FLAGGED, f"{len(problems)} problems") if problems else (CLEAN, "")


def try_copy(data: bytes, kind: str, path: Path, damaged: bool) -> Trial:
    """Write the damaged bytes to `path`, open and verify them, and look for writes."""
    path.write_bytes(data)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = file_state(path)
    outcome, detail = open_and_verify(path)
    written = file_state(path) != before
    remove_copy(path)
    return Trial(kind, outcome, detail, damaged or outcome in (REFUSED, UNHANDLED), written)


@dataclass(frozen=True)
class CliRun:
    clear: bool
    written: bool
    detail: str


def cli_env(folder: Path) -> dict[str, str]:
    """The command's log and data folders inside `folder`, not the user's."""
    env = dict(os.environ)
    for name in ("XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        env[name] = str(folder / name.lower())
    env.pop("KETACHART_DATABASE_URL", None)
    env[ADMIN_PASSWORD_ENV] = PASSWORDS["admin"]
    return env


def run_cli(data: bytes, damaged: bool, path: Path, env: dict[str, str]) -> CliRun:
    """`python -m ketachart --db sqlite:///path verify` on a copy of the damaged bytes."""
    path.write_bytes(data)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = file_state(path)
    command = [sys.executable, "-m", "ketachart", "--db", f"sqlite:///{path}", "verify", *SIGN_IN]
    done = subprocess.run(
        command, check=False, capture_output=True, text=True, env=env, timeout=120
    )
    written = file_state(path) != before
    remove_copy(path)
    return CliRun(
        cli_is_clear(done.returncode, done.stdout, done.stderr),
        written and damaged,
        done.stderr[:300],
    )


def cli_is_clear(code: int, stdout: str, stderr: str) -> bool:
    """Intact (exit 0, said so), or a non-zero exit with exactly one line on stderr that is
    ketachart's own message, not an unexpected error nor a traceback."""
    if code == 0:
        return stderr == "" and "database intact" in stdout
    lines = stderr.splitlines()
    return (
        code > 0
        and len(lines) == 1
        and lines[0].startswith(("ketachart: error: ", "verify: "))
        and "unexpected error" not in lines[0]
    )


@dataclass
class Results:
    trials: list[Trial]
    cli: list[CliRun]
    seconds: float

    def figures(self) -> list[Figure]:
        opened = len(self.trials)
        unhandled = sum(t.outcome == UNHANDLED for t in self.trials)
        writes = sum(t.written and t.damaged for t in self.trials)
        cli_writes = sum(c.written for c in self.cli)
        return [
            Figure(AREA, "files opened", opened, "unhandled errors", unhandled),
            Figure(AREA, "files opened", opened, "writes to damaged files", writes),
            Figure(AREA, "CLI verify runs", len(self.cli), "unclear messages", self.unclear),
            Figure(AREA, "CLI verify runs", len(self.cli), "writes to damaged files", cli_writes),
        ]

    @property
    def unclear(self) -> int:
        return sum(not c.clear for c in self.cli)

    def table(self) -> Counter[tuple[str, str]]:
        return Counter((t.kind, t.outcome) for t in self.trials)


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """Each refused file logs a warning; thousands of them would bury the figures."""
    logger = logging.getLogger("ketachart")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def damaged_copies(
    source: bytes, layout: Layout, count: int, seed: int
) -> Iterator[tuple[str, bytes]]:
    """(kind, bytes) of `count` damaged copies: one emptied to 0 bytes (which SQLite would
    take for a new database), then every kind in turn."""
    rng = random.Random(seed)
    kinds = list(KINDS)
    yield "emptied", b""
    for index in range(count - 1):
        kind = kinds[index % len(kinds)]
        yield kind, KINDS[kind](bytearray(source), rng, layout)


def prove_damaged(copies: int, cli_runs: int, seed: int = 5) -> Results:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ketachart-damaged-") as name, _quiet_logs():
        folder = Path(name)
        source_path = folder / "source.sqlite"
        build_sample(f"sqlite:///{source_path}")
        source, layout = source_path.read_bytes(), layout_of(source_path)
        trials: list[Trial] = []
        samples: list[tuple[bytes, bool]] = []
        step = max(1, copies // max(cli_runs, 1))
        for index, (kind, data) in enumerate(damaged_copies(source, layout, copies, seed)):
            trial = try_copy(data, kind, folder / "copy.sqlite", sqlite_finds_damage(data, folder))
            trials.append(trial)
            if cli_runs and index % step == 0 and len(samples) < cli_runs:
                samples.append((data, trial.damaged))
        cli = _run_cli_sample(samples, folder)
    return Results(trials, cli, time.perf_counter() - started)


def _run_cli_sample(samples: list[tuple[bytes, bool]], folder: Path) -> list[CliRun]:
    env = cli_env(folder)
    with ThreadPoolExecutor(max_workers=4) as pool:
        jobs = [
            pool.submit(run_cli, data, damaged, folder / f"cli-{i}.sqlite", env)
            for i, (data, damaged) in enumerate(samples)
        ]
        return [job.result() for job in jobs]


def run(full: bool) -> list[Figure]:
    copies, cli_runs = (2000, 100) if full else (200, 12)
    return prove_damaged(copies, cli_runs).figures()


def main() -> int:
    full = "--full" in sys.argv[1:]
    results = prove_damaged(*((2000, 100) if full else (200, 12)))
    for (kind, outcome), count in sorted(results.table().items()):
        print(f"  {kind:<17} {outcome:<15} {count}")
    for trial in results.trials:
        if trial.outcome == UNHANDLED or (trial.written and trial.damaged):
            print(f"  FAILED {trial.kind}: {trial.outcome} {trial.detail} written={trial.written}")
    for run_ in results.cli:
        if not run_.clear or run_.written:
            print(f"  CLI FAILED: {run_.detail!r} written={run_.written}")
    figures = results.figures()
    for figure in figures:
        print(figure.line())
    print(f"{len(results.trials)} files in {results.seconds:.1f} s")
    return 0 if all(f.ok for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
