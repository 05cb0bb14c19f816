"""Starting the application: the login window shows before the heavy parts load, and what is
deferred still happens before anything is read (logging set up, the database migrated).

Each test starts the real application in its own process, on the offscreen platform, with its
user folders in the test's temporary folder (`python -m benchmarks.startup` times the same)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ketachart.domain.vocab import Role
from ketachart.services import keys, users
from ketachart.storage import key_records
from ketachart.storage.database import open_database
from ketachart.ui.application import STARTUP_PROBE
from tests.support import CLINIC_PASSPHRASE

DEFERRED = (
    "sqlalchemy",
    "alembic",
    "argon2",
    "reportlab",
    "pyqtgraph",
    "logging.handlers",
    "PySide6.QtMultimedia",
    "ketachart.models",
    "ketachart.services",
    "ketachart.storage.database",
    "ketachart.ui.widgets",
    "ketachart.ui.fonts",
    "ketachart.ui.main_window",
)
"""Not needed to show the login window: each loads after it is on screen, or on first use."""

LOADED_WHEN_SHOWN = """
import json, os, sys
from ketachart.ui import application

def report(self, what):
    print(json.dumps(sorted(sys.modules)), flush=True)
    os._exit(0)

application.Startup.report = report
from ketachart.app import main
main(sys.argv[1:])
"""


def app_environment(folder: Path, probe: str) -> dict[str, str]:
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        STARTUP_PROBE: probe,
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_STATE_HOME": str(folder / "state"),
        "XDG_DATA_HOME": str(folder / "data"),
    }


@pytest.fixture
def database_with_an_account(tmp_path: Path) -> str:
    """A database with a clinic key and an account, so the application goes straight to its
    login window."""
    url = f"sqlite:///{tmp_path / 'clinic.sqlite'}"
    db = open_database(url)
    password = users.new_password("copper-lantern-71")
    new_key = keys.new_clinic_key(CLINIC_PASSPHRASE)
    with db.transaction() as tx:
        clinic_key = keys.store_clinic_key(tx, new_key)
        users.create_user(
            tx, None, "admin", "Ada Admin", "", Role.ADMIN, password, clinic_key=clinic_key
        )
    db.dispose()
    return url


def test_the_login_window_shows_before_the_heavy_parts_load(
    tmp_path: Path, database_with_an_account: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOADED_WHEN_SHOWN, "--db", database_with_an_account],
        env=app_environment(tmp_path, "shown"),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert "ketachart.ui.login" in loaded
    assert [m for m in DEFERRED if m in loaded] == []
    assert not (tmp_path / "state").exists()  # not even the log folder yet


def test_once_shown_the_log_is_set_up_and_the_main_window_built(
    tmp_path: Path, database_with_an_account: str
) -> None:
    """The probe `ready` stops the application once it has done what it defers, the login
    button then works: the log is in the user's log folder (the test's)."""
    done = subprocess.run(
        [sys.executable, "-m", "ketachart", "--db", database_with_an_account],
        env=app_environment(tmp_path, "ready"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "login-window-ready" in done.stdout, done.stderr
    assert [p.name for p in (tmp_path / "state").glob("**/*.log")] == ["ketachart.log"]
    records = list((tmp_path / "data").glob(f"**/{key_records.FILE_NAME}"))
    assert len(records) == 1  # the workstation recorded the clinic key it first saw
    db = open_database(database_with_an_account)
    with db.reading() as tx:
        public_key = keys.clinic_public_key(tx)
    db.dispose()
    (recorded,) = json.loads(records[0].read_text(encoding="utf-8"))["databases"].values()
    assert recorded["public_key"] == public_key
