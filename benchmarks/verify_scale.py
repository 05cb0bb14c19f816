"""What `verify` costs as the record grows, printed, never asserted:
`python -m benchmarks.verify_scale [--events 20000 200000] [--baseline main]`.

Issue 14: verify used 4.3 GB at 2 million events (264 MiB at 100,000): every audit entry was
loaded as an ORM object in one list, and every signed session was read and hashed again after
the chain walk; it ran at about 2,000 events/s. It now reads each event once, streamed.

For each size, an SQLite database is built (below), then `verify_all` (every check but
SQLite's full integrity check, which is the same in both and is timed by
`benchmarks.open_cost`) runs in a child process, once with the code of `--baseline` (a git
revision, extracted with `git archive`: "before") and once with this tree ("after"), in the
same run. Printed: events/s and the child's peak resident memory (VmHWM, which includes
the interpreter and its imports: a bare child is printed too), and the after/before ratios.
Target: peak memory well under 200 MiB at any size.

The database: a small clinic charted through the services (prove.sample: signed, attested,
corrected and running sessions, each entry with its audit entry), then its sessions copied
in bulk until it holds N events, each copy a new session whose chain is hashed again from its
own session record by the project's functions (domain.events, services.chains.audit_hash),
whose attestations and signatures cover the copy's own content (services.signing) and are
signed again with the signer's own key, with its audit entries appended to the audit trail
and its summary row derived from its timeline (services.session_summaries):
`verify` finds the copies as clean as the originals. One transaction per 200 sessions.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

from benchmarks.session_copies import Batch, Copier, Placement, read_templates, write
from prove.sample import chart_sample, new_clinic

SIZES = (20_000, 200_000)
SESSIONS_PER_TRANSACTION = 200
TARGET_MIB = 200
ROOT = Path(__file__).resolve().parent.parent

PEAK = """
def peak_kib():
    # VmHWM: this process's own peak resident memory (ru_maxrss would carry the benchmark
    # parent's size over the fork and exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""
CHILD = (
    PEAK
    + """
import json, sys, time
from ketachart.storage.database import open_database
from ketachart.services.verify import verify_all
db = open_database(sys.argv[1])
started = time.perf_counter()
with db.reading() as tx:
    problems = verify_all(tx, integrity=False)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "problems": [str(p) for p in problems[:5]],
                  "count": len(problems),
                  "maxrss_kib": peak_kib()}))
"""
)
BARE_CHILD = (
    PEAK
    + """
import json
import ketachart.services.verify, ketachart.storage.database
print(json.dumps({"maxrss_kib": peak_kib()}))
"""
)


def build(path: Path, events: int) -> int:
    """The database at `path` with at least `events` events; how many it holds."""
    clinic = new_clinic(f"sqlite:///{path}")
    try:
        chart_sample(clinic, signed=4, unsigned=4)
        signers = {a.id: a.signer for a in (clinic.nurse, clinic.nurse2, clinic.physician)}
        with clinic.db.reading() as tx:
            templates = read_templates(tx)
        held = sum(len(t.events) for t in templates)
        copier = Copier(signers)
        while held < events:
            batch = Batch()
            for _ in range(SESSIONS_PER_TRANSACTION // len(templates)):
                for template in templates:
                    copier.copy(template, Placement(), batch)
            with clinic.db.engine.begin() as connection:
                write(connection, batch)
            held += batch.event_count
            print(f"  built {held:,} events", end="\r", file=sys.stderr)
        print(file=sys.stderr)
        return held
    finally:
        clinic.db.dispose()


def _built(path: Path, wanted: int) -> int:
    """The database at `path` (built unless it is there already); its number of events."""
    if path.exists():
        with sqlite3.connect(path) as connection:
            held = int(connection.execute("SELECT count(*) FROM events").fetchone()[0])
        print(f"{held:,} events ({path.stat().st_size / 1e6:.0f} MB), built before:")
        return held
    started = time.perf_counter()
    held = build(path, wanted)
    seconds = time.perf_counter() - started
    print(
        f"{held:,} events ({path.stat().st_size / 1e6:.0f} MB), built in {seconds:.0f} s "
        f"({held / seconds:,.0f} events/s):"
    )
    return held


def baseline_tree(revision: str, folder: Path) -> Path:
    """The `ketachart` package of `revision`, extracted into `folder`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "ketachart"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def run_child(code: str, tree: Path, *args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(  # run in `tree`: `python -c` puts its folder first on the path
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
        check=True,
    )
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def measure(path: Path, events: int, trees: dict[str, Path]) -> Iterator[str]:
    results = {name: run_child(CHILD, tree, f"sqlite:///{path}") for name, tree in trees.items()}
    for name, result in results.items():
        rate = events / float(result["seconds"])
        mib = int(result["maxrss_kib"]) / 1024
        verdict = (
            "clean" if result["count"] == 0 else f"{result['count']} problems: {result['problems']}"
        )
        yield (
            f"  {name:<7} {float(result['seconds']):8.1f} s  {rate:10,.0f} events/s  "
            f"peak {mib:7.1f} MiB  ({verdict})"
        )
    if len(results) == 2:
        before, after = results["before"], results["after"]
        speed = float(before["seconds"]) / float(after["seconds"])
        memory = int(after["maxrss_kib"]) / int(before["maxrss_kib"])
        yield f"  after/before: {speed:.2f}x the events/s, {memory:.2f}x the peak memory"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--baseline", default="main", help="git revision measured as before")
    parser.add_argument("--no-baseline", action="store_true", help="measure only this tree")
    parser.add_argument(
        "--keep", type=Path, help="keep the databases built in this folder, and reuse them"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kc-verify-scale-") as scratch:
        folder = Path(scratch)
        trees = {"after": ROOT}
        if not args.no_baseline:
            trees = {"before": baseline_tree(args.baseline, folder / "baseline"), **trees}
        bare = run_child(BARE_CHILD, ROOT)
        print(
            f"verify at scale (SQLite); a bare child importing verify peaks at "
            f"{int(bare['maxrss_kib']) / 1024:.1f} MiB; target: under {TARGET_MIB} MiB"
        )
        for wanted in args.events:
            path = (args.keep or folder) / f"verify-{wanted}.sqlite"
            held = _built(path, wanted)
            for line in measure(path, held, trees):
                print(line, flush=True)
            if args.keep is None:
                path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
