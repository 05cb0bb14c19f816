"""Take the README's screenshots: every screen the geometry test opens, at 1366x768 and at
1280x720 logical, in its worst case (a read-only banner, a long notice, a 120-character name,
1000 characters of allergies, alerts showing, every error message), and keep a chosen set.

Run:  make screenshots   (writes docs/screenshots/<size>-<screen>.png)

The windows are real Qt windows on an emulated screen of each size (offscreen Qt's screen
configuration; see tests/ui/test_geometry.py), drawn with QWidget.grab(): the same windows the
geometry test checks. The data is synthetic.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = ("1366x768", "1280x720")
CHOSEN = (
    "board",
    "patients",
    "review",
    "review-chart-changed",
    "chart-infusing",
    "chart-stopped",
    "allergy-popup",
    "entry-vitals",
    "acknowledge-errors",
    "approvals-errors",
    "entry-discharge-errors",
    "entry-reconcile-dose",
    "new-session-warning-errors",
    "register-errors",
    "setup-errors",
    "setup-key-errors",
    "setup-done",
    "lock-screen",
    "staff",
    "add-staff-errors",
    "reset-password",
    "change-role-errors",
    "clinic-passphrase-errors",
    "disable-staff-errors",
    "enable-staff",
    "choose-password-errors",
    "change-password",
)


def take_all(folder: Path) -> None:
    """Run the geometry test with its screenshot folder set (it fails if anything is off)."""
    env = {**os.environ, "KETACHART_SCREENSHOT_DIR": str(folder), "QT_QPA_PLATFORM": "offscreen"}
    test = "tests/ui/test_geometry.py::test_every_screen_fits_both_sizes"
    command = [sys.executable, "-m", "pytest", test, "-q", "-p", "no:cacheprovider"]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ketachart-shots-") as temp:
        folder = Path(temp)
        take_all(folder)
        for size in SIZES:
            for name in CHOSEN:
                shutil.copyfile(folder / f"{size}-{name}.png", out / f"{size}-{name}.png")
                print(f"saved {out / f'{size}-{name}.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
