"""Every command that reads or changes clinic data signs in (issue 12): without a user, with a
wrong password or an unknown name (one refusal, whatever was wrong), with the wrong role, it
is refused with a non-zero exit and does nothing; with --password-env it works, and what it
does is audited under the user. --help, --version and the first init need no account."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from ketachart.app import main
from ketachart.clock import ManualClock
from ketachart.models import AuditEntry
from ketachart.services.sign_in import REFUSED_MESSAGE
from ketachart.storage.database import open_database
from tests.cli_support import as_user, clinic_passphrase
from tests.support import PASSWORDS, Clinic, chart_to_infusing, make_clinic


@pytest.fixture(autouse=True)
def user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The log and the user data folder in the test's own folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "home" / "state"))


@dataclass(frozen=True)
class Command:
    """A command line (with {sid} and {out} to fill in), who may run it, who may not."""

    argv: tuple[str, ...]
    allowed: str
    refused: str
    writes: bool = False  # makes the file {out}


COMMANDS = {
    "verify": Command(("verify",), "admin", "drm"),
    "sessions": Command(("sessions",), "nina", "admin"),
    "export": Command(("export", "pdf", "{sid}", "-o", "{out}"), "drm", "admin", writes=True),
    "protocols list": Command(("protocols", "list"), "admin", "nina"),
    "protocols export": Command(
        ("protocols", "export", "EXAMPLE-TRD-40", "-o", "{out}"), "admin", "drm", writes=True
    ),
    "backup": Command(("backup", "{out}"), "admin", "nina", writes=True),
    "users list": Command(("users", "list"), "admin", "drm"),
    "init": Command(("init",), "admin", "nina"),
}


@dataclass(frozen=True)
class Place:
    clinic: Clinic
    url: str
    sid: str
    out: Path

    def argv(self, name: str) -> list[str]:
        """The command named `name` on this clinic's database."""
        filled = (a.format(sid=self.sid, out=self.out) for a in COMMANDS[name].argv)
        return ["--db", self.url, *filled]


@pytest.fixture
def place(sqlite_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[Place]:
    """A small clinic in an SQLite file with one session charted, and a file name to write."""
    db = open_database(sqlite_url, clock)
    clinic = make_clinic(db, clock)
    sid = clinic.open_session()
    chart_to_infusing(clinic, sid)
    yield Place(clinic, sqlite_url, sid, tmp_path / "out.file")
    db.dispose()


def one_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    (line,) = captured.err.strip().splitlines()
    return line


@pytest.mark.parametrize("name", COMMANDS)
def test_without_a_user_it_is_refused(
    place: Place, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(place.argv(name)) == 1
    assert "needs a signed-in user: name one with --user NAME" in one_error(capsys)
    assert not place.out.exists()


@pytest.mark.parametrize("name", COMMANDS)
def test_a_wrong_password_and_an_unknown_name_get_the_same_refusal(
    place: Place, name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    allowed = COMMANDS[name].allowed
    assert main([*place.argv(name), *as_user(monkeypatch, allowed, "not-the-password")]) == 1
    wrong = one_error(capsys)
    monkeypatch.setenv("KC_TEST_PASSWORD_NOBODY", PASSWORDS[allowed])
    unknown = ["--user", "nobody", "--password-env", "KC_TEST_PASSWORD_NOBODY"]
    assert main([*place.argv(name), *unknown]) == 1
    assert one_error(capsys) == wrong == f"ketachart: error: {REFUSED_MESSAGE}"
    assert not place.out.exists()


@pytest.mark.parametrize("name", COMMANDS)
def test_the_wrong_role_is_refused(
    place: Place, name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    command = COMMANDS[name]
    assert main([*place.argv(name), *as_user(monkeypatch, command.refused)]) == 1
    assert " may not " in one_error(capsys)
    assert not place.out.exists()


@pytest.mark.parametrize("name", COMMANDS)
def test_the_right_role_with_password_env_works(
    place: Place, name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    command = COMMANDS[name]
    assert main([*place.argv(name), *as_user(monkeypatch, command.allowed)]) == 0
    assert "error" not in capsys.readouterr().err
    assert place.out.exists() == command.writes


def test_an_empty_or_missing_password_variable_is_named(
    place: Place, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KC_TEST_UNSET", raising=False)
    command = [*place.argv("sessions"), "--user", "nina", "--password-env", "KC_TEST_UNSET"]
    assert main(command) == 1
    assert "Environment variable KC_TEST_UNSET is empty or not set." in one_error(capsys)
    monkeypatch.setenv("KC_TEST_UNSET", "")
    assert main(command) == 1
    assert "KC_TEST_UNSET" in one_error(capsys)
    assert audit_actions(place.url, "cli.sessions%") == []  # no sign-in was tried


def test_the_password_is_asked_without_echo(
    place: Place, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal: the user name asked if --user is not given, the password read with
    getpass (which does not echo), never printed."""
    prompts: list[str] = []

    def typed_password(prompt: str = "") -> str:
        prompts.append(prompt)
        return PASSWORDS["nina"]

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": "nina")
    monkeypatch.setattr(getpass, "getpass", typed_password)
    assert main(place.argv("sessions")) == 0
    assert prompts == ["Password for nina: "]
    captured = capsys.readouterr()
    assert place.sid in captured.out
    assert PASSWORDS["nina"] not in captured.out + captured.err


def test_the_user_before_or_after_the_command(
    place: Place, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    nurse = as_user(monkeypatch, "nina")
    assert main([*nurse, *place.argv("sessions")]) == 0
    assert main([*place.argv("sessions"), *nurse]) == 0
    assert main(["--user", "admin", *place.argv("sessions"), *nurse]) == 0  # after wins
    assert capsys.readouterr().out.count(place.sid) == 3


# --- audited under the user (SQLite and PostgreSQL) ---------------------------------------------


def audit_actions(url: str, like: str) -> list[tuple[str, str]]:
    """(action, user name) of the audit entries whose action is like `like`, oldest first."""
    db = open_database(url)
    try:
        with db.reading() as tx:
            query = select(AuditEntry.action, AuditEntry.username).order_by(AuditEntry.seq)
            rows = tx.orm.execute(query.where(AuditEntry.action.like(like)))
            return [(action, username) for action, username in rows]
    finally:
        db.dispose()


def test_what_a_command_does_is_audited_under_the_user(
    clinic: Clinic,
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sid = clinic.open_session()
    chart_to_infusing(clinic, sid)
    db = ["--db", database_url]
    assert main([*db, *as_user(monkeypatch, "nina"), "sessions"]) == 0
    pdf = str(tmp_path / "s.pdf")
    assert main([*db, *as_user(monkeypatch, "drm"), "export", "pdf", sid, "-o", pdf]) == 0
    assert main([*db, *as_user(monkeypatch, "admin"), "verify"]) == 0
    capsys.readouterr()
    assert audit_actions(database_url, "cli.%") == [
        ("cli.sessions", "nina"),
        ("cli.export", "drm"),
        ("cli.verify", "admin"),
    ]
    assert audit_actions(database_url, "sessions.list") == [("sessions.list", "nina")]
    assert audit_actions(database_url, "export.pdf") == [("export.pdf", "drm")]


# --- what needs no account ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv", [["--help"], ["sessions", "--help"], ["users", "add", "--help"], ["--version"]]
)
def test_help_and_version_need_no_account(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    assert "ketachart" in capsys.readouterr().out


def test_only_the_first_init_needs_no_account(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KC_TEST_BOSS", "a-long-admin-pass")
    first = ["--admin-username", "boss", "--admin-name", "Bo Boss", *clinic_passphrase(monkeypatch)]
    assert main(["--db", sqlite_url, "init", *first, "--admin-password-env", "KC_TEST_BOSS"]) == 0
    assert "Created the administrator 'boss'." in capsys.readouterr().out
    assert main(["--db", sqlite_url, "init", "--clinic-name", "Elsewhere"]) == 1
    assert "--user NAME" in one_error(capsys)
    boss = ["--user", "boss", "--password-env", "KC_TEST_BOSS"]
    assert main(["--db", sqlite_url, *boss, "init", "--clinic-name", "Lakeside"]) == 0
    assert audit_actions(sqlite_url, "clinic.update") == [("clinic.update", "boss")]


# --- restore --------------------------------------------------------------------------------------


def test_restore_needs_an_admin_of_the_restored_clinic(
    place: Place,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The backup's own accounts decide: a refused sign-in leaves no restored file behind."""
    assert main([*place.argv("backup"), *as_user(monkeypatch, "admin")]) == 0
    target = tmp_path / "restored.sqlite"
    restore = ["restore", str(place.out), "--to", str(target)]
    assert main([*restore, *as_user(monkeypatch, "nina")]) == 1
    assert " may not back up or restore the database" in one_error(capsys)
    assert not target.exists()
    assert main([*restore, *as_user(monkeypatch, "admin")]) == 0
    assert target.is_file()
    restored = f"sqlite:///{target}"
    assert audit_actions(restored, "cli.restore") == [("cli.restore", "admin")]
