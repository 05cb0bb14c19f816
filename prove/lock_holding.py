"""Lock holding: a bedside save never waits more than 200 ms for a sign-in, an export or a
print. Nothing slow runs while the write lock is held (an argon2 check, rendering a PDF,
a print spooler): one write transaction at a time holds it, on every workstation at once.

A nurse's saves (vitals, one transaction each) are timed while another process loops signing
in (a wrong password, the right one, an unknown name) and exporting a PDF of a typical
session (benchmarks.bedside, which `python -m benchmarks.core` prints in full). A save whose
wait for the write lock exceeds 200 ms is a failure; the figure counts only when the other
process really signed in and exported meanwhile. On one SQLite file and on the PostgreSQL
server. tests/prove/test_lock_holding.py also plants the old fault (the password check and
the rendering inside a write transaction) and shows that the figure then sees the waits.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from benchmarks import bedside
from prove import Figure
from prove.sample import postgres_server, scratch_postgres

AREA = "lock holding"


def figure(found: bedside.BedsideFigures) -> Figure:
    """Saves during sign-in and export / saves that waited > 200 ms for the write lock. No
    save counts as tried unless the other process both signed in and exported meanwhile."""
    tried = len(found.loaded) if found.load_ran else 0
    return Figure(
        AREA,
        f"{found.engine}: saves during sign-in and export",
        tried,
        f"waited > {bedside.WAIT_LIMIT_S * 1000:.0f} ms",
        found.waited_too_long(),
    )


def measure_all(strength: bedside.Strength) -> list[bedside.BedsideFigures]:
    """SQLite, and PostgreSQL when a test server is configured."""
    with tempfile.TemporaryDirectory(prefix="ketachart-lock-holding-") as folder:
        scratch = Path(folder)
        url = f"sqlite:///{folder}/bedside.sqlite"
        found = [bedside.measure_bedside(url, strength, scratch=scratch)]
        server = postgres_server()
        if server:
            with scratch_postgres(server) as url:
                found.append(bedside.measure_bedside(url, strength, scratch=scratch))
    return found


def run(full: bool) -> list[Figure]:
    return [figure(f) for f in measure_all(bedside.FULL if full else bedside.REDUCED)]


def main() -> int:
    started = time.perf_counter()
    found = measure_all(bedside.FULL if "--full" in sys.argv[1:] else bedside.REDUCED)
    for f in found:
        worst = max(s.waited for s in f.loaded) * 1000
        load = f"{f.sign_ins} sign-ins, {f.exports} exports"
        print(f"  {f.engine}: {load}; longest wait for the write lock {worst:.0f} ms")
        for error in f.load.errors:
            print(f"  {f.engine}: load error: {error}")
    figures = [figure(f) for f in found]
    for line in figures:
        print(line.line())
    if not postgres_server():
        print("PostgreSQL not tried: set KETACHART_TEST_POSTGRES_URL (see .ci/postgres.sh)")
    print(f"in {time.perf_counter() - started:.1f} s")
    return 0 if all(f.ok for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
