"""Fixtures: a real database per test (a temporary SQLite file, and the real PostgreSQL server
when KETACHART_TEST_POSTGRES_URL names one), a manual clock, a small clinic."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import make_url

from ketachart.clock import ManualClock
from ketachart.keys.sealed import KdfCost, set_kdf_cost
from ketachart.services import sign_in, users
from ketachart.storage.database import Database, open_database
from tests.databases import SQLITE_FILE, PostgresServer, sqlite_copy
from tests.postgres import POSTGRES_ENV, ClinicUrls, server_url, set_up_least_privilege, urls_of
from tests.sound_server import null_sound_server
from tests.support import Clinic, make_clinic

PRODUCTION_HASHER = users._HASHER
"""The argon2id hasher ketachart ships with (tests/storage/test_password_hashing.py checks its
parameters and uses it end to end); the tests' own accounts are hashed cheaply, see below."""
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
"""argon2id, with the same hash and salt lengths, at the lowest cost the algorithm allows."""
CHEAP_KDF_COST = KdfCost(time_cost=1, memory_cost=8, parallelism=1)

WORKSTATION_SCREEN = {"name": "Workstation", "x": 0, "y": 0, "width": 1920, "height": 1080}
"""The screen the widget tests run on: a clinic workstation's, not offscreen Qt's default
800x800, so a window sized 1366x768 is not cut down to the screen by the main window's cap.
(tests/ui/test_geometry.py runs its own children on exact 1366x768 and 1280x720 screens.)"""


USER_FOLDERS = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")


def _offscreen_workstation_screen(folder: str) -> None:
    """Point offscreen Qt at a 1920x1080 screen, from a config file in `folder`; a platform
    already given with options is kept."""
    if os.environ.setdefault("QT_QPA_PLATFORM", "offscreen") != "offscreen":
        return
    config = os.path.join(folder, "screen.json")
    screen = WORKSTATION_SCREEN | {"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
    with open(config, "w", encoding="utf-8") as file:
        json.dump({"windowFrameMargins": True, "screens": [screen]}, file)
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


def _scratch_user_folders(folder: str) -> None:
    """The user's config, data, log and cache folders (platformdirs and QSettings read XDG_*)
    inside `folder`: a command run in-process writes its log and backups there, not in the
    home folder that every test process on the machine shares (child processes inherit it)."""
    for name in USER_FOLDERS:
        os.environ[name] = os.path.join(folder, name.lower())


_SCRATCH_FOLDER: str | None = None


def _is_xdist_controller(config: pytest.Config) -> bool:
    """True in the process that hands tests to pytest-xdist workers (`-n`): it runs none
    itself, and its environment is what the workers inherit."""
    return getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """Each process that runs tests (a worker of `-n` too) gets a folder of its own, removed at
    its end, for its screen config and user folders. The controller of `-n` sets up none: the
    workers would inherit its settings, take them for ones given by the user, and share them."""
    global _SCRATCH_FOLDER  # noqa: PLW0603 -- one folder per process, removed at its end
    if not _is_xdist_controller(config):
        _SCRATCH_FOLDER = tempfile.mkdtemp(prefix="ketachart-tests-")
        _offscreen_workstation_screen(_SCRATCH_FOLDER)
        _scratch_user_folders(_SCRATCH_FOLDER)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SCRATCH_FOLDER is not None:
        shutil.rmtree(_SCRATCH_FOLDER, ignore_errors=True)


SOUND_SERVER_ENV = "PULSE_SERVER"
ENGINES = ["sqlite", "postgresql"]


def _postgres_url() -> str:
    url = server_url()
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the PostgreSQL variants: {POSTGRES_ENV} is not set")
    pytest.skip(
        f"PostgreSQL variant skipped: no server ({POSTGRES_ENV} not set; .ci/run starts one)"
    )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The PostgreSQL test server, for this test process (a worker of `-n` has its own)."""
    url = _postgres_url()
    assert url is not None
    server = PostgresServer(url)
    yield server
    server.close()


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the test server (its superuser's URL), dropped
    afterwards."""
    url = postgres_server.create()
    yield url
    postgres_server.drop(url)


@pytest.fixture(scope="session")
def postgres_clinic_template(postgres_server: PostgresServer) -> Iterator[str]:
    """The name of a database set up once per test process as `ketachart init --app-role`
    does (schema owned by the owner role, grants for the application and auditor roles), for
    tests to copy: a copy keeps its grants."""
    url = postgres_server.create()
    _set_up_least_privilege(url)
    yield str(make_url(url).database)
    postgres_server.drop(url)


def _set_up_least_privilege(url: str, attempts: int = 3) -> None:
    """The server's roles are shared: two test processes setting them up at the same moment
    can collide on CREATE ROLE; the set-up can be run again, so the later one retries."""
    for attempt in range(attempts):
        try:
            set_up_least_privilege(url)
            return
        except Exception:
            if attempt == attempts - 1:
                raise


@pytest.fixture
def postgres_clinic(
    postgres_server: PostgresServer, postgres_clinic_template: str
) -> Iterator[ClinicUrls]:
    """A fresh least-privilege PostgreSQL database (a copy of the template), dropped after."""
    url = postgres_server.create(postgres_clinic_template)
    yield urls_of(url)
    postgres_server.drop(url)


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to the schema head once per test process, for tests to copy."""
    path = tmp_path_factory.mktemp("migrated") / SQLITE_FILE
    open_database(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An SQLite file, or a PostgreSQL database reached as the application's role: the whole
    storage suite charts with least privilege (tampering on purpose: tests.postgres.privileged).
    SQLite: empty, or at the schema head when the test opens it with `db` (which would migrate
    it first thing), copied from a template migrated once per test process. PostgreSQL: always
    at the schema head, set up as `ketachart init --app-role` leaves it (its owner migrates)."""
    if request.param == "sqlite":
        if "db" in request.fixturenames:
            return sqlite_copy(request.getfixturevalue("migrated_sqlite_template"), tmp_path)
        return f"sqlite:///{tmp_path}/{SQLITE_FILE}"
    urls: ClinicUrls = request.getfixturevalue("postgres_clinic")
    return urls.app


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """An SQLite database file not yet made."""
    return f"sqlite:///{tmp_path}/{SQLITE_FILE}"


@pytest.fixture
def migrated_sqlite_url(tmp_path: Path, migrated_sqlite_template: Path) -> str:
    """The same URL as sqlite_url, its file already at the schema head (a copy of the
    test process's template): for fixtures that open it at once and would migrate it."""
    return sqlite_copy(migrated_sqlite_template, tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 10, 14, 0, tzinfo=UTC))


@pytest.fixture
def db(database_url: str, clock: ManualClock) -> Iterator[Database]:
    database = open_database(database_url, clock)
    yield database
    database.dispose()


@pytest.fixture
def clinic(db: Database, clock: ManualClock) -> Clinic:
    return make_clinic(db, clock)


@pytest.fixture(scope="session", autouse=True)
def sound_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """A null-sink sound server for the whole run, set before Qt Multimedia first starts (it
    looks for the server once per process): an overdue alarm in any test then plays through
    it, as at a bedside, instead of finding no device. None where pulseaudio is missing."""
    with null_sound_server(tmp_path_factory.mktemp("sound")) as address:
        before = os.environ.get(SOUND_SERVER_ENV)
        if address is not None:
            os.environ[SOUND_SERVER_ENV] = address
        yield address
        if before is None:
            os.environ.pop(SOUND_SERVER_ENV, None)
        else:
            os.environ[SOUND_SERVER_ENV] = before


@pytest.fixture
def production_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """For a test where the cost of a password check matters (timing, the lock held while
    checking): accounts, and the unknown name's dummy hash, made with the shipped argon2 cost
    instead of the cheap one below."""
    monkeypatch.setattr(users, "_HASHER", PRODUCTION_HASHER)
    sign_in._dummy_hash.cache_clear()
    yield
    sign_in._dummy_hash.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """The accounts tests make are hashed at argon2's lowest cost: every test clinic has four
    and signing re-checks a password, at about 0.1 s each with the production parameters.
    Checking a password reads the cost from its hash, so hashes made either way verify;
    child processes (the command-line tests, `prove`) hash with the production parameters.
    The keys sealed under those passwords (and the clinic key's passphrase) are stretched at
    the same lowest cost, for the same reason; a sealed key stores its cost, as a hash does."""
    before = set_kdf_cost(CHEAP_KDF_COST)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_HASHER", CHEAP_HASHER)
        yield
    set_kdf_cost(before)
