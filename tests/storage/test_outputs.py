"""No command destroys data (issue 13): every command that writes a file (export pdf,
protocols export, backup, restore) refuses an existing file without --force, and even with it
the database, its -wal, -shm and -journal, a backup, and anything that is not a regular file.
Each refusal leaves the target as it was and no temporary file behind."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ketachart.app import main
from ketachart.clock import ManualClock
from ketachart.domain.protocol import EXAMPLE_PROTOCOLS
from ketachart.services import backups
from ketachart.services.verify import verify_all
from ketachart.storage.database import open_database
from tests.cli_support import as_user
from tests.support import Clinic, make_clinic

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX files")
PROTOCOL = EXAMPLE_PROTOCOLS[0].code


@dataclass(frozen=True)
class Setup:
    """A clinic on an SQLite file (or PostgreSQL), a charted session, and a scratch folder."""

    clinic: Clinic
    url: str
    session_id: str
    folder: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def database(self) -> Path:
        path = self.clinic.db.sqlite_path
        assert path is not None
        return path

    def run(self, user: str, *command: str) -> int:
        return main(["--db", self.url, *as_user(self.monkeypatch, user), *command])


def make_setup(
    url: str, tmp_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Setup]:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "home" / "state"))
    db = open_database(url, clock)
    clinic = make_clinic(db, clock)
    folder = tmp_path / "out"
    folder.mkdir()
    yield Setup(clinic, url, clinic.open_session(), folder, monkeypatch)
    db.dispose()


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


def export_pdf(s: Setup, target: Path | str, *flags: str) -> int:
    return s.run("nina", "export", "pdf", s.session_id, "-o", str(target), *flags)


def export_protocol(s: Setup, target: Path | str, *flags: str) -> int:
    return s.run("admin", "protocols", "export", PROTOCOL, "-o", str(target), *flags)


def make_backup(s: Setup, target: Path | str, *flags: str) -> int:
    return s.run("admin", "backup", str(target), *flags)


def restore(s: Setup, target: Path | str, *flags: str) -> int:
    made = s.folder.parent / "made" / "for-restore.sqlite"
    if not made.exists():
        backups.make_backup(s.database, made)
    return s.run("admin", "restore", str(made), "--to", str(target), *flags)


Command = Callable[..., int]
COMMANDS: dict[str, tuple[Command, str]] = {
    "export pdf": (export_pdf, "the PDF"),
    "protocols export": (export_protocol, "the protocol"),
    "backup": (make_backup, "the backup"),
    "restore": (restore, "the restored database"),
}


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def leftovers(*folders: Path) -> list[str]:
    """Temporary files a refused or failed write would have left."""
    return [p.name for f in folders if f.is_dir() for p in f.iterdir() if ".partial" in p.name]


def test_an_existing_file_is_replaced_only_with_force(
    on_any: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("summary.pdf", "protocol.json"):
        (on_any.folder / name).write_bytes(b"the clinic's own file")
    pdf, protocol = on_any.folder / "summary.pdf", on_any.folder / "protocol.json"
    assert export_pdf(on_any, pdf) == 1
    assert error_line(capsys) == (
        f"ketachart: error: Not writing the PDF to {pdf}: the file exists already. "
        "Name a new file, or give --force to replace it."
    )
    assert export_protocol(on_any, protocol) == 1
    assert "exists already" in error_line(capsys)
    assert pdf.read_bytes() == protocol.read_bytes() == b"the clinic's own file"
    assert export_pdf(on_any, pdf, "--force") == 0
    assert export_protocol(on_any, protocol, "--force") == 0
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert protocol.read_text(encoding="utf-8").lstrip().startswith("{")
    assert leftovers(on_any.folder) == []


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_backup_and_restore_replace_another_file_only_with_force(
    on_file: Setup, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    run, what = COMMANDS[command]
    target = on_file.folder / "notes.txt"
    target.write_text("not a database")
    assert run(on_file, target) == 1
    assert f"Not writing {what} to {target}: the file exists already" in error_line(capsys)
    assert target.read_text() == "not a database"
    assert run(on_file, target, "--force") == 0
    assert target.read_bytes().startswith(b"SQLite format 3\x00")
    assert leftovers(on_file.folder) == []


def the_database(s: Setup) -> Path:
    return s.database


def side_file(suffix: str) -> Callable[[Setup], Path]:
    def made(s: Setup) -> Path:
        return s.database.with_name(s.database.name + suffix)

    return made


def a_named_backup(s: Setup) -> Path:
    target = s.folder / "monday.sqlite"
    backups.make_backup(s.database, target)
    return target


def a_file_in_the_backup_folder(s: Setup) -> Path:
    target = backups.own_backup_folder() / "notes.txt"
    target.write_text("kept with the backups")
    return target


def a_named_pipe(s: Setup) -> Path:
    target = s.folder / "pipe"
    os.mkfifo(target)
    return target


def a_folder(s: Setup) -> Path:
    target = s.folder / "folder"
    target.mkdir()
    return target


def a_link_to_the_database(s: Setup) -> Path:
    target = s.folder / "link.pdf"
    target.symlink_to(s.database)
    return target


def a_hard_link_to_the_database(s: Setup) -> Path:
    target = s.folder / "hard.pdf"
    os.link(s.database, target)
    return target


def a_link_to_stdout(s: Setup) -> Path:
    """Whatever the test's standard output is (a file, under pytest), the link is refused."""
    target = s.folder / "out.pdf"
    target.symlink_to("/dev/stdout")
    return target


def a_device_node(s: Setup) -> Path:
    """A character device of one's own, like /dev/null (root may make one)."""
    target = s.folder / "null"
    try:
        os.mknod(target, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return target


def a_dangling_link(s: Setup) -> Path:
    target = s.folder / "nowhere.pdf"
    target.symlink_to(s.folder / "missing" / "x.pdf")
    return target


def fixed(path: str) -> Callable[[Setup], Path]:
    return lambda _s: Path(path)


NEVER_WRITTEN: dict[str, tuple[Callable[[Setup], Path], str]] = {
    "the database": (the_database, "it is the clinic's database"),
    "-wal": (side_file("-wal"), "its journal or write-ahead log"),
    "-shm": (side_file("-shm"), "its journal or write-ahead log"),
    "-journal (absent)": (side_file("-journal"), "its journal or write-ahead log"),
    "a named backup": (a_named_backup, "a backup of it"),
    "the backup folder": (a_file_in_the_backup_folder, "the application's backup folder"),
    "a named pipe": (a_named_pipe, "it is a named pipe, not a regular file"),
    "a folder": (a_folder, "it is a folder, not a regular file"),
    "/dev/null": (fixed("/dev/null"), "the system's own entries"),
    "/dev/full": (fixed("/dev/full"), "the system's own entries"),
    "/dev/stdout": (fixed("/dev/stdout"), "the system's own entries"),
    "a link to /dev/stdout": (a_link_to_stdout, "the system's own entries"),
    "a device node": (a_device_node, "it is a device, not a regular file"),
    "a link to the database": (a_link_to_the_database, "it is the clinic's database"),
    "a hard link to the database": (a_hard_link_to_the_database, "the clinic's database"),
    "a dangling link": (a_dangling_link, "a link to something that is not a file"),
}


def fingerprint(path: Path) -> tuple[int, int, bytes]:
    """What must not change: the inode, its type and (for a regular file) its bytes. The
    -wal and -shm change as the command signs in (audited): their inode is what is kept."""
    info = path.lstat()
    own = path.is_file() and not path.is_symlink() and not path.name.endswith(("-wal", "-shm"))
    return info.st_ino, info.st_mode, path.read_bytes() if own else b""


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("kind", list(NEVER_WRITTEN))
def test_force_never_writes_over(
    on_file: Setup, capsys: pytest.CaptureFixture[str], command: str, kind: str
) -> None:
    run, what = COMMANDS[command]
    make_target, reason = NEVER_WRITTEN[kind]
    with on_file.clinic.db.transaction():
        pass  # the -wal and -shm exist while the database is open
    target = make_target(on_file)
    before = fingerprint(target) if target.exists() or target.is_symlink() else None
    assert run(on_file, target, "--force") == 1
    line = error_line(capsys)
    assert line.startswith(f"ketachart: error: Not writing {what} to {target}: "), line
    assert reason in line
    after = fingerprint(target) if target.exists() or target.is_symlink() else None
    assert after == before
    assert leftovers(on_file.folder, on_file.database.parent, target.parent) == []
    with on_file.clinic.db.reading() as tx:
        assert verify_all(tx) == []
