"""The command line's rough edges (issue 12): --db before or after the command; commands that
only read refuse a database file that does not exist; a wrong URL's message names the flag or
variable it came from; stored text reaches the terminal escaped; demo data only goes into a
demo database, which `--demo COMMAND` names."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from ketachart.app import main
from ketachart.config import ENV_DATABASE_URL, default_database_path, demo_database_path
from ketachart.demo.data import STAFF
from ketachart.models import Patient, User
from ketachart.storage.database import open_database
from tests.cli_support import CLINIC_PASSPHRASE_VARIABLE, as_user, clinic_passphrase
from tests.support import Clinic, chart_to_infusing

PASSWORD_ENV = "KETACHART_TEST_ADMIN_PASSWORD"


@pytest.fixture(autouse=True)
def user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch home: the default and demo databases and the log live there."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "home" / "state"))
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    monkeypatch.setenv(PASSWORD_ENV, "a-long-admin-pass")
    clinic_passphrase(monkeypatch)
    return tmp_path / "home"


def init(*where: str) -> list[str]:
    """`[WHERE] init` with the first admin's details (WHERE: e.g. --db URL)."""
    return [
        *where,
        "init",
        "--admin-username",
        "boss",
        "--admin-name",
        "Bo Boss",
        "--admin-password-env",
        PASSWORD_ENV,
        "--clinic-passphrase-env",
        CLINIC_PASSPHRASE_VARIABLE,
    ]


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    (line,) = err.splitlines()
    assert line.startswith("ketachart: ")
    return line


# --- --db before or after the command --------------------------------------------------------


def test_db_after_the_command(
    clinic: Clinic,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session_id = clinic.open_session()
    admin, nurse = as_user(monkeypatch, "admin"), as_user(monkeypatch, "nina")
    assert main(["verify", "--db", database_url, *admin]) == 0
    assert main(["sessions", "--db", database_url, "--status", "scheduled", *nurse]) == 0
    assert session_id in capsys.readouterr().out
    assert main(["protocols", "list", "--db", database_url, *admin]) == 0
    assert "EXAMPLE" in capsys.readouterr().out


def test_db_after_a_nested_command(
    clinic: Clinic,
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    pdf = tmp_path / "s.pdf"
    nurse = as_user(monkeypatch, "nina")
    assert main(["export", "pdf", session_id, "-o", str(pdf), "--db", database_url, *nurse]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    capsys.readouterr()


def test_db_after_the_command_wins_over_one_before(
    clinic: Clinic,
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = f"sqlite:///{tmp_path / 'not-here.sqlite'}"
    admin = as_user(monkeypatch, "admin")
    assert main(["--db", missing, "verify", "--db", database_url, *admin]) == 0
    assert "database intact" in capsys.readouterr().out


def test_init_with_db_after(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    assert main([*init(), "--db", url]) == 0
    assert "Created the administrator 'boss'." in capsys.readouterr().out
    assert (tmp_path / "new.sqlite").is_file()


# --- commands that only read refuse a missing file --------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["verify"], ["sessions"], ["export", "pdf", "S-1", "-o", "x.pdf"], ["protocols", "list"]],
    ids=["verify", "sessions", "export", "protocols"],
)
def test_reading_commands_refuse_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    typo = tmp_path / "clinc.sqlite"
    assert main(["--db", f"sqlite:///{typo}", *command]) == 1
    line = error_line(capsys)
    assert f"There is no database file at {typo} (--db)" in line
    assert not typo.exists()
    assert not (tmp_path / "x.pdf").exists()


def test_a_missing_file_from_the_variable_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "clinc.sqlite"
    monkeypatch.setenv(ENV_DATABASE_URL, f"sqlite:///{typo}")
    assert main(["verify"]) == 1
    assert "(KETACHART_DATABASE_URL)" in error_line(capsys)
    assert not typo.exists()


def test_verify_on_the_default_database_before_init(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify"]) == 1
    line = error_line(capsys)
    assert "(the default database)" in line
    assert "`ketachart init` creates a new database" in line
    assert not default_database_path().exists()


def test_backup_of_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = tmp_path / "clinc.sqlite"
    assert main(["--db", f"sqlite:///{typo}", "backup", str(tmp_path / "b.sqlite")]) == 1
    assert "(--db)" in error_line(capsys)
    assert not typo.exists()


# --- messages name the flag or variable -------------------------------------------------------


@pytest.mark.parametrize("command", [["verify"], ["sessions"], ["init"], ["backup", "--auto"]])
@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("::not a url::", "Not a database URL: '::not a url::'"),
        ("mysql://u@h/db", ""),
    ],
    ids=["garbage", "mysql"],
)
def test_a_bad_url_in_the_variable_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    url: str,
    says: str,
) -> None:
    monkeypatch.setenv(ENV_DATABASE_URL, url)
    assert main(command) == 1
    line = error_line(capsys)
    assert line.startswith(f"ketachart: error: KETACHART_DATABASE_URL: {says}"), line
    if url.startswith("mysql") and command[0] != "backup":
        assert line.endswith("ketachart runs on SQLite or PostgreSQL only.")


def test_a_bad_url_in_the_flag_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--db", "::not a url::"]) == 1
    assert error_line(capsys).startswith("ketachart: error: --db: Not a database URL")


# --- what reaches the terminal ------------------------------------------------------------------


def test_sessions_escapes_control_characters_from_the_database(
    clinic: Clinic,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An MRN stored before MRNs were checked (or written around ketachart) cannot drive the
    terminal: ESC and BEL are printed as escapes."""
    clinic.open_session()
    with clinic.db.transaction() as tx:
        tx.orm.execute(
            update(Patient).where(Patient.id == clinic.patient.id).values(mrn="M\x1b[2J\x07\u202e1")
        )
    assert main(["--db", database_url, "sessions", *as_user(monkeypatch, "nina")]) == 0
    out = capsys.readouterr().out
    assert "M\\x1b[2J\\x07\\u202e1" in out
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\u202e" not in out


# --- the demo database ---------------------------------------------------------------------------


def test_demo_flag_before_a_command_means_the_demo_database(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(init()) == 0
    assert main(["--demo", "demo", "--patients", "2", "--sessions", "2"]) == 0
    assert "Demo accounts" in capsys.readouterr().out
    assert demo_database_path().is_file()
    demo_nurse = as_user(monkeypatch, "nina", demo_password("nina"))
    assert main(["--demo", "sessions", *demo_nurse]) == 0
    assert "2 session(s)." in capsys.readouterr().err
    assert patients_in(f"sqlite:///{default_database_path()}") == 0  # the default got none
    assert users_of(f"sqlite:///{default_database_path()}") == ["boss"]


def test_demo_refuses_a_real_clinic(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(init("--db", database_url)) == 0
    capsys.readouterr()
    assert main(["--db", database_url, "demo", "--patients", "1", "--sessions", "1"]) == 1
    line = error_line(capsys)
    assert "1 account(s) that are not the demo's (boss)" in line
    assert "demo data only goes into a demo database" in line
    assert "ketachart --demo demo" in line
    assert users_of(database_url) == ["boss"]
    assert patients_in(database_url) == 0


def test_demo_runs_again_on_its_own_database(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--demo", "demo", "--patients", "1", "--sessions", "0"]) == 0
    assert main(["--demo", "demo", "--patients", "1", "--sessions", "0"]) == 0
    capsys.readouterr()
    assert patients_in(f"sqlite:///{demo_database_path()}") == 2


def test_demo_and_db_together_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert main(["--demo", "--db", url, "demo"]) == 1
    assert "--demo names the demo database" in error_line(capsys)
    assert not (tmp_path / "x.sqlite").exists()
    assert not demo_database_path().exists()


def test_demo_verify_before_a_demo_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--demo", "verify"]) == 1
    assert "(--demo)" in error_line(capsys)


def users_of(url: str) -> list[str]:
    db = open_database(url)
    try:
        with db.reading() as tx:
            return list(tx.orm.scalars(select(User.username).order_by(User.username)))
    finally:
        db.dispose()


def patients_in(url: str) -> int:
    db = open_database(url)
    try:
        with db.reading() as tx:
            return tx.orm.scalar(select(func.count()).select_from(Patient)) or 0
    finally:
        db.dispose()


def demo_password(username: str) -> str:
    return next(spec.password for spec in STAFF if spec.username == username)
