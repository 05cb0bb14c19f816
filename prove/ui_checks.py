"""UI checks for the table: the UI tests carrying a marker (tests/ui), run with pytest in a
process of their own on the offscreen Qt platform, and counted. They are the same tests
`make test` runs; here they are counted for the table.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
SELECTION = ("tests/ui",)


def junit_counts(report: Path) -> tuple[int, int]:
    """(cases run, cases failed or in error) from a JUnit XML report; skipped cases are
    neither, so a selection that skips everything counts as nothing tried."""
    suites = ElementTree.parse(report).getroot().iter("testsuite")
    run = failed = 0
    for suite in suites:
        total, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        run += total - skipped
    return run, failed


def marked_checks(marker: str, selection: tuple[str, ...] = SELECTION) -> tuple[int, int]:
    """Run the tests marked `marker` in `selection`: (cases run, cases failed)."""
    with tempfile.TemporaryDirectory(prefix="ketachart-ui-checks-") as folder:
        report = Path(folder) / "report.xml"
        command = [
            sys.executable, "-m", "pytest", "-q", "-m", marker, "-p", "no:cacheprovider",
            f"--junitxml={report}", *selection,
        ]  # fmt: skip
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        done = subprocess.run(
            command, check=False, cwd=ROOT, env=env, capture_output=True, text=True
        )
        run, failed = junit_counts(report) if report.exists() else (0, 0)
        if done.returncode != 0 and failed == 0:  # no tests, a usage error, a crash
            print(done.stdout[-2000:], done.stderr[-2000:], sep="\n", file=sys.stderr)
            failed = 1
        return run, failed
