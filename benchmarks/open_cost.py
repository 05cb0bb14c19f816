"""What opening a database costs as it grows, printed, never asserted:
`python -m benchmarks.open_cost`.

Two SQLite files in one run: a small clinic charted through the services (prove.sample), and
a large one (default 220 MB) made from a copy of it by doubling its events with SQL until it
is big enough. The copied events break their hash chains, so the large file does not pass
`verify`; nothing measured here reads the chains: opening checks the file, not the chains.

Printed, as medians of alternating runs (the machine's noise hits every kind alike):
1. `open_database` (create the engine, the open check, WAL mode, the schema revision) on each
   file, and the ratio large / small (target <= 1.5x: opening costs the same at any size).
2. The baseline of the same run: a bare sqlite3 connection reading the schema of each file,
   and open_database as a ratio to it.
3. What the open used to run on every open, `PRAGMA quick_check` of the whole file, on each
   file: the cost that moved out of the open.
4. Once, SQLite's full `PRAGMA integrity_check` of the large file: what `verify`, each backup
   copy (once, it was twice) and the daily check in the background pay (`--no-full` skips it).
The file cache is warm (each file was just written): a cold cache costs the whole-file checks
far more, and the open check nearly nothing more.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ketachart.storage.database import open_database
from prove.sample import build_sample

TARGET = 1.5
DOUBLE_EVENTS = (
    "INSERT INTO events SELECT lower(hex(randomblob(16))), session_id, "
    "seq + (SELECT max(seq) FROM events) + 1, kind, occurred_at, recorded_at, recorded_by, "
    "payload, overrides, prev_hash, lower(hex(randomblob(32))) FROM events"
)
"""Every event again, with a new id, sequence number and hash (the events table is append
only: its triggers refuse UPDATE and DELETE, never an INSERT)."""


def small_file(folder: Path) -> Path:
    path = folder / "small.sqlite"
    build_sample(f"sqlite:///{path}")
    return path


def large_file(small: Path, folder: Path, megabytes: float) -> tuple[Path, int]:
    """A copy of `small` whose events are doubled until the file holds `megabytes`; the
    path and its number of events."""
    path = folder / "large.sqlite"
    shutil.copyfile(small, path)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        while path.stat().st_size < megabytes * 1e6:
            connection.execute("BEGIN")
            connection.execute(DOUBLE_EVENTS)
            connection.execute("COMMIT")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        events = int(connection.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        connection.close()
    return path, events


def open_seconds(path: Path) -> float:
    started = time.perf_counter()
    open_database(f"sqlite:///{path}", migrate=True).dispose()
    return time.perf_counter() - started


def bare_seconds(path: Path) -> float:
    """The baseline: a bare sqlite3 connection that reads the schema of the file."""
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    connection.close()
    return time.perf_counter() - started


def pragma_seconds(path: Path, pragma: str) -> float:
    """One of SQLite's check pragmas over the whole file, on a connection of its own."""
    connection = sqlite3.connect(path)
    try:
        started = time.perf_counter()
        rows = connection.execute(f"PRAGMA {pragma}").fetchall()
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    if rows != [("ok",)]:
        raise RuntimeError(f"{path.name}: PRAGMA {pragma} found problems")
    return elapsed


def medians(runs: int, kinds: dict[str, Callable[[], float]]) -> dict[str, float]:
    """Each kind run `runs` times, in turn (after one warm-up run each); medians."""
    times: dict[str, list[float]] = {name: [] for name in kinds}
    for measure in kinds.values():
        measure()
    for _ in range(runs):
        for name, measure in kinds.items():
            times[name].append(measure())
    return {name: statistics.median(values) for name, values in times.items()}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def report(small: Path, large: Path, events: int, runs: int, full: bool) -> None:
    size = {path: path.stat().st_size / 1e6 for path in (small, large)}
    print(f"small file {size[small]:7.1f} MB; large file {size[large]:7.1f} MB, {events} events")
    figures = medians(
        runs,
        {
            "open small": lambda: open_seconds(small),
            "open large": lambda: open_seconds(large),
            "bare small": lambda: bare_seconds(small),
            "bare large": lambda: bare_seconds(large),
            "quick small": lambda: pragma_seconds(small, "quick_check"),
            "quick large": lambda: pragma_seconds(large, "quick_check"),
        },
    )
    ratio = figures["open large"] / figures["open small"]
    print(
        f"open_database        small {_ms(figures['open small'])}   large "
        f"{_ms(figures['open large'])}   ratio large/small {ratio:.2f}x (target <= {TARGET}x)"
    )
    print(
        f"baseline (bare sqlite3 connect + schema read)  small {_ms(figures['bare small'])}   "
        f"large {_ms(figures['bare large'])}"
    )
    print(
        f"open_database / baseline   small {figures['open small'] / figures['bare small']:.1f}x"
        f"   large {figures['open large'] / figures['bare large']:.1f}x"
    )
    quick = figures["quick large"] / figures["quick small"]
    print(
        f"former open check (PRAGMA quick_check, whole file)  small "
        f"{_ms(figures['quick small'])}   large {_ms(figures['quick large'])}   ratio "
        f"large/small {quick:.0f}x; large = {figures['quick large'] / figures['bare large']:.0f}x"
        " the baseline"
    )
    if full:
        seconds = pragma_seconds(large, "integrity_check")
        print(
            f"full PRAGMA integrity_check of the large file (verify, each backup copy, the daily "
            f"background check): {seconds:.1f} s, once ({size[large] / seconds:.0f} MB/s)"
        )
    print(f"medians of {runs} alternating runs, file cache warm")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=220.0, help="size of the large file")
    parser.add_argument("--runs", type=int, default=15, help="runs of each kind")
    parser.add_argument("--no-full", action="store_true", help="skip the full integrity check")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 4 MB, 3 runs")
    parser.add_argument("--dir", type=Path, default=None, help="where the files are made")
    args = parser.parse_args(argv)
    megabytes, runs = (4.0, 3) if args.quick else (args.mb, args.runs)
    with tempfile.TemporaryDirectory(prefix="ketachart-open-", dir=args.dir) as name:
        folder = Path(name)
        started = time.perf_counter()
        small = small_file(folder)
        large, events = large_file(small, folder, megabytes)
        print(f"files made in {time.perf_counter() - started:.0f} s")
        report(small, large, events, runs, not args.no_full)
    print(
        f"command: {Path(sys.executable).name} -m benchmarks.open_cost"
        + (" --quick" if args.quick else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
