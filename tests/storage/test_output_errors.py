"""Clear errors (issue 13): a file a command cannot write names the path and what to do, and
a good backup is never called bad because its target could not be written. The conditions are
real ones that hold when the tests run as root (as in CI): a missing folder, a path under a
regular file, /sys (permission denied even for root), and, where a private mount namespace
can be made, a tiny or read-only tmpfs for a full disk and a read-only file system. Also: two
`init`s at once, and backups and restores in the audit trail."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from ketachart.app import main
from ketachart.clock import ManualClock
from ketachart.errors import StorageError
from ketachart.models import AuditEntry
from ketachart.storage import outputs
from ketachart.storage.database import Database, open_database
from tests.cli_support import CLINIC_PASSPHRASE_VARIABLE, as_user, clinic_passphrase
from tests.storage.test_outputs import Setup, error_line, export_pdf, make_backup, make_setup
from tests.support import CLINIC_PASSPHRASE

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux file systems")
WHAT_TO_DO_FULL = "is full (or its quota is used up). Free some space there"


@pytest.fixture
def on_file(
    sqlite_url: str, tmp_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Setup]:
    yield from make_setup(sqlite_url, tmp_path, clock, monkeypatch)


@pytest.fixture
def on_any(
    database_url: str, tmp_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Setup]:
    yield from make_setup(database_url, tmp_path, clock, monkeypatch)


def test_a_missing_folder(on_any: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    target = on_any.folder / "missing" / "summary.pdf"
    assert export_pdf(on_any, target) == 1
    assert error_line(capsys) == (
        f"ketachart: error: Could not write the PDF to {target}: the folder {target.parent} "
        "does not exist. Create it, or choose an existing folder."
    )


def test_a_path_under_a_file_is_not_called_a_bad_backup(
    on_file: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = on_file.folder / "plain.txt"
    plain.write_text("a file, not a folder")
    target = plain / "backup.sqlite"
    assert make_backup(on_file, target) == 1
    assert error_line(capsys) == (
        f"ketachart: error: Could not write the backup to {target}: part of the path "
        f"{plain} is a file, not a folder. Choose an existing folder."
    )


@pytest.mark.parametrize("command", ["export", "backup"])
def test_permission_denied(
    on_file: Setup, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """Nobody may create a file in /sys, not even root: a real permission refusal."""
    if command == "export":
        target, what = Path("/sys/ketachart-test.pdf"), "the PDF"
        code = export_pdf(on_file, target)
    else:
        target, what = Path("/sys/ketachart-test.sqlite"), "the backup"
        code = make_backup(on_file, target)
    assert code == 1
    line = error_line(capsys)
    assert line == (
        f"ketachart: error: Could not write {what} to {target}: permission denied. Choose a "
        "folder you may write to, or ask IT to let you write to /sys."
    )
    assert "failed its check" not in line
    assert not target.exists()


def test_a_device_error_says_the_disk_may_be_failing() -> None:
    """No real device error can be made safely in a test: the words, from the OS error."""
    error = OSError(errno.EIO, os.strerror(errno.EIO))
    message = outputs.unwritable(Path("/mnt/share/x.pdf"), error, "the PDF").message
    assert message == (
        "Could not write the PDF to /mnt/share/x.pdf: the disk or network share holding "
        "/mnt/share reported a device error (input/output error): it may be failing or "
        "disconnected. Write to another disk, and ask IT to check that one."
    )


def mounts_available() -> bool:
    """A private mount namespace (unshare, as root with CAP_SYS_ADMIN) for a scratch tmpfs."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "true"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(not mounts_available(), reason="no private mount namespace")


def in_scratch_mount(folder: Path, options: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m ketachart ARGS` with a tmpfs mounted (`options`) on `folder`, in a mount
    namespace of its own: the mount is gone when the command ends, and nothing outside the
    test's folder is touched."""
    folder.mkdir(exist_ok=True)
    script = 'mount -t tmpfs -o "$1" ketachart-test "$2" && shift 2 && exec "$@"'
    command = [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
        "sh",
        options,
        str(folder),
        sys.executable,
        "-m",
        "ketachart",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@needs_mounts
def test_a_full_disk(on_file: Setup, tmp_path: Path) -> None:
    small = tmp_path / "small"
    nurse = as_user(on_file.monkeypatch, "nina")
    pdf = small / "summary.pdf"
    exported = in_scratch_mount(
        small, "size=4k", "--db", on_file.url, *nurse, "export", "pdf", on_file.session_id,
        "-o", str(pdf),
    )  # fmt: skip
    assert one_line(exported) == (
        f"ketachart: error: Could not write the PDF to {pdf}: the disk holding {small} "
        f"{WHAT_TO_DO_FULL}, or choose a folder on another disk, then run the command again."
    )


@needs_mounts
def test_a_full_disk_is_not_a_bad_backup(on_file: Setup, tmp_path: Path) -> None:
    """SQLite's own 'database or disk is full' while the copy is written: the backup is not
    called bad, and the database is untouched."""
    small = tmp_path / "small"
    admin = as_user(on_file.monkeypatch, "admin")
    target = small / "backup.sqlite"
    made = in_scratch_mount(small, "size=64k", "--db", on_file.url, *admin, "backup", str(target))
    line = one_line(made)
    assert line.startswith(f"ketachart: error: Could not write the backup to {target}: ")
    assert f"the disk holding {small} {WHAT_TO_DO_FULL}" in line
    assert "failed its check" not in line


@needs_mounts
@pytest.mark.parametrize("command", ["export", "backup"])
def test_a_read_only_file_system(on_file: Setup, tmp_path: Path, command: str) -> None:
    read_only = tmp_path / "read-only"
    if command == "export":
        target, what = read_only / "summary.pdf", "the PDF"
        args = [*as_user(on_file.monkeypatch, "nina"), "export", "pdf", on_file.session_id]
        args += ["-o", str(target)]
    else:
        target, what = read_only / "backup.sqlite", "the backup"
        args = [*as_user(on_file.monkeypatch, "admin"), "backup", str(target)]
    result = in_scratch_mount(read_only, "ro,size=64k", "--db", on_file.url, *args)
    assert one_line(result) == (
        f"ketachart: error: Could not write {what} to {target}: {read_only} is on a read-only "
        "file system (a write-protected disk, a read-only mount). Choose a folder on a "
        "writable disk."
    )


def fill_until_full(db: Database) -> None:
    with db.transaction() as tx:
        pages = tx.orm.execute(text("PRAGMA page_count")).scalar_one()
        tx.orm.execute(text(f"PRAGMA max_page_count = {int(pages) + 2}"))
        tx.orm.execute(text("CREATE TABLE scratch (blob BLOB)"))
        tx.orm.execute(text("INSERT INTO scratch VALUES (randomblob(1000000))"))


def test_the_database_s_own_disk_full_names_the_file(sqlite_url: str, clock: ManualClock) -> None:
    """SQLITE_FULL from SQLite itself (the file may grow no further: max_page_count), as a
    full disk gives it: the message names the database file and says what to do."""
    db = open_database(sqlite_url, clock)
    try:
        with pytest.raises(StorageError) as refused:
            fill_until_full(db)
        assert refused.value.message == (
            f"The disk is full, so nothing was saved (the disk holding the database "
            f"{db.sqlite_path}). Free some disk space there, then save again: what you typed "
            "is kept."
        )
    finally:
        db.dispose()


def audit_rows(db: Database, action: str) -> list[tuple[str, str]]:
    """(username, detail) of each audit entry of `action`, oldest first."""
    with db.reading() as tx:
        rows = tx.orm.execute(
            select(AuditEntry.username, AuditEntry.detail)
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.seq)
        )
        return [(username, detail) for username, detail in rows]


def test_backup_and_restore_are_audited(on_file: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    made = on_file.folder / "backup.sqlite"
    assert make_backup(on_file, made) == 0
    [(username, detail)] = audit_rows(on_file.clinic.db, "backup.made")
    assert username == "admin"
    assert detail.startswith(f"to={made} events=")
    auto = on_file.folder / "auto"
    assert on_file.run("admin", "backup", "--auto", "--folder", str(auto)) == 0
    assert [d.split(" ")[0] for _u, d in audit_rows(on_file.clinic.db, "backup.made")] == [
        f"to={made}",
        f"to={next(auto.iterdir())}",
    ]
    restored = on_file.folder / "restored.sqlite"
    assert on_file.run("admin", "restore", str(made), "--to", str(restored)) == 0
    copy = open_database(f"sqlite:///{restored}")
    try:
        assert audit_rows(copy, "backup.restored") == [("admin", f"from={made} to={restored}")]
    finally:
        copy.dispose()
    capsys.readouterr()
    patient = on_file.clinic.patient
    for _username, detail in audit_rows(on_file.clinic.db, "backup.made"):
        assert patient.mrn not in detail
        assert patient.family_name not in detail


INIT_PASSWORD = "KETACHART_TEST_INIT_PASSWORD"


def start_init(url: str, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "HOME": str(home), "XDG_STATE_HOME": str(home / "state")}
    env[INIT_PASSWORD] = "quartz-meadow-61-lantern"
    env[CLINIC_PASSPHRASE_VARIABLE] = CLINIC_PASSPHRASE
    env.pop("KETACHART_DATABASE_URL", None)
    args = ["--db", url, "init", "--admin-username", "boss", "--admin-name", "Boss"]
    args += ["--clinic-passphrase-env", CLINIC_PASSPHRASE_VARIABLE]
    return subprocess.Popen(
        [sys.executable, "-m", "ketachart", *args, "--admin-password-env", INIT_PASSWORD],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'new.sqlite'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


def test_two_inits_at_once_take_turns(new_database_url: str, tmp_path: Path) -> None:
    """Both start before either has made the file: one sets the database up, the other
    waits, then finds it set up and says so (it has no administrator's sign-in)."""
    first, second = (start_init(new_database_url, tmp_path) for _ in range(2))
    results = [(p.wait(180), *p.communicate()) for p in (first, second)]
    codes = sorted(code for code, _out, _err in results)
    errors = " ".join(err for _code, _out, err in results)
    assert "empty" not in errors
    assert "restore" not in errors.lower()
    assert codes in ([0, 0], [0, 1]), errors
    if codes == [0, 1]:
        assert "This database is set up already: it has accounts. Nothing was changed." in errors
    assert sum("Created the administrator 'boss'" in out for _c, out, _e in results) == 1
    lock = tmp_path / "new.sqlite.lock"
    if new_database_url.startswith("sqlite"):
        assert lock.stat().st_mode & 0o777 == 0o600  # the owner's alone, like the database


def test_a_run_cut_short_leaves_no_temporary_file_for_good(
    on_file: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    """A temporary file left by a run that was killed is removed by a later run once it is
    old; a young one (another process may still be writing it) is left alone."""
    target = on_file.folder / "backup.sqlite"
    old, young = (on_file.folder / f".backup.sqlite.{n}.partial" for n in ("old1", "new1"))
    for path in (old, young):
        path.write_bytes(b"half a copy")
    day_ago = time.time() - 24 * 3600
    os.utime(old, (day_ago, day_ago))
    assert make_backup(on_file, target) == 0
    assert not old.exists()
    assert young.exists()
    assert target.exists()


def test_init_where_nothing_may_be_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file error no command expected (here the set-up lock beside the database, in /sys)
    is one line naming the path and what to do, never "unexpected error"."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv(INIT_PASSWORD, "quartz-meadow-61-lantern")
    args = ["--db", "sqlite:////sys/ketachart-test.sqlite", "init", "--admin-username", "boss"]
    args += ["--admin-name", "Boss", "--admin-password-env", INIT_PASSWORD]
    args += clinic_passphrase(monkeypatch)
    assert main(args) == 1
    assert error_line(capsys) == (
        "ketachart: error: Could not use /sys/ketachart-test.sqlite.lock: permission denied. "
        "Choose a folder you may write to, or ask IT to let you write to /sys."
    )
