"""The command line: init, verify and sessions on a real database, and bad input reported as
one clear line on stderr with a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from ketachart import __version__
from ketachart.app import main
from ketachart.domain.vocab import Role
from ketachart.keys.signatures import fingerprint
from ketachart.models import APPEND_ONLY_TABLES
from ketachart.services import keys, protocols, users
from ketachart.services.anchors import keep_anchors
from ketachart.services.sign_in import sign_in
from ketachart.storage import dialect
from ketachart.storage.database import Database, open_database
from tests.cli_support import CLINIC_PASSPHRASE_VARIABLE, as_user, clinic_passphrase
from tests.postgres import privileged
from tests.support import Clinic, chart_to_infusing

PASSWORD_ENV = "KETACHART_TEST_ADMIN_PASSWORD"


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """`python -m ketachart ARGS` in a child process, logging into a scratch folder."""
    env = {**os.environ, "HOME": str(home), "XDG_STATE_HOME": str(home / "state")}
    env.pop("KETACHART_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ketachart", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ketachart")
    return lines[0]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"ketachart {__version__}"


def init_args(url: str) -> list[str]:
    return [
        "--db",
        url,
        "init",
        "--admin-username",
        "boss",
        "--admin-name",
        "Zoë Łukasiewicz",
        "--admin-password-env",
        PASSWORD_ENV,
        "--clinic-passphrase-env",
        CLINIC_PASSPHRASE_VARIABLE,
    ]


def test_init_creates_admin_and_protocols_once(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "a-long-admin-pass")
    clinic_passphrase(monkeypatch)
    assert main(init_args(database_url)) == 0
    first = capsys.readouterr().out
    assert "Installed 3 example protocols" in first
    assert "Created the administrator 'boss'." in first
    assert f"Created the clinic key {recorded_fingerprint(database_url)}." in first

    boss = ["--user", "boss", "--password-env", PASSWORD_ENV]  # now an admin signs in
    assert main([*init_args(database_url), *boss]) == 0
    second = capsys.readouterr().out
    assert "Database ready" in second
    assert "Installed" not in second
    assert "Created" not in second

    db = open_database(database_url)
    try:
        with db.reading() as tx:
            accounts = users.list_actors(tx)
            current = protocols.current_protocols(tx)
        assert [(a.username, a.display_name, a.role) for a in accounts] == [
            ("boss", "Zoë Łukasiewicz", Role.ADMIN)
        ]
        assert len(current) == 3
        assert sign_in(db, "boss", "a-long-admin-pass").actor.username == "boss"
    finally:
        db.dispose()


def recorded_fingerprint(url: str) -> str:
    """The fingerprint of the clinic key this workstation (the test's own data folder)
    recorded for the database at `url`, checked against the key the database holds."""
    db = open_database(url)
    try:
        book = keep_anchors(db)
        assert book.path.is_relative_to(Path(os.environ["XDG_DATA_HOME"]))
        assert db.key_record is not None
        recorded = db.key_record.recorded()
        assert recorded is not None
        with db.reading() as tx:
            assert recorded.public_key == keys.clinic_public_key(tx)
        return fingerprint(recorded.public_key)
    finally:
        db.dispose()


def test_init_without_password_is_one_clear_line(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    clinic_passphrase(monkeypatch)
    assert main(init_args(sqlite_url)) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"ketachart: error: Environment variable {PASSWORD_ENV} is empty or not set."


def tamper_with_payload(db: Database) -> None:
    """What someone with direct database access could do: drop the append-only triggers and
    rewrite a charted entry."""
    with privileged(db) as connection:
        for table in APPEND_ONLY_TABLES:
            for statement in dialect.drop_append_only_ddl(db.dialect_name, table):
                connection.exec_driver_sql(statement)
        connection.execute(
            text("UPDATE events SET payload = :payload WHERE kind = 'session_opened'"),
            {"payload": '{"weight_kg":"95.0"}'},
        )


def test_verify_finds_tampering(
    clinic: Clinic,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    admin = as_user(monkeypatch, "admin")
    assert main(["--db", database_url, "verify", *admin]) == 0
    assert "database intact" in capsys.readouterr().out

    tamper_with_payload(clinic.db)
    assert main(["--db", database_url, "verify", *admin]) == 1
    captured = capsys.readouterr()
    problems = [line for line in captured.out.splitlines() if line.startswith("PROBLEM")]
    assert problems
    assert any(session_id in line and "changed after it was written" in line for line in problems)
    assert "problem(s) found" in captured.err


def test_sessions_lists_ids_by_date_and_status(
    clinic: Clinic,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    infusing = clinic.open_session()
    chart_to_infusing(clinic, infusing)
    scheduled = clinic.open_session(protocol_index=1)
    day = clinic.clock.now().date().isoformat()
    nurse = as_user(monkeypatch, "nina")

    assert main(["--db", database_url, *nurse, "sessions", "--date", day]) == 0
    captured = capsys.readouterr()
    assert infusing in captured.out
    assert scheduled in captured.out
    assert "2 session(s)." in captured.err

    assert main(["--db", database_url, *nurse, "sessions", "--status", "infusing"]) == 0
    out = capsys.readouterr().out
    assert infusing in out
    assert scheduled not in out

    assert main(["--db", database_url, *nurse, "sessions", "--date", "2001-01-01"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "0 session(s)." in captured.err


def test_bad_url_is_one_line(tmp_path: Path) -> None:
    line = assert_one_line_error(run_cli("--db", "nonsense://x", "verify", home=tmp_path))
    assert "SQLite or PostgreSQL" in line


def test_garbage_url_is_one_line(tmp_path: Path) -> None:
    line = assert_one_line_error(run_cli("--db", "::not a url::", "verify", home=tmp_path))
    assert "Not a database URL" in line


def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    url = "postgresql+psycopg://u@127.0.0.1:1/x"
    line = assert_one_line_error(run_cli("--db", url, "verify", home=tmp_path))
    assert "cannot be reached" in line


def test_damaged_file_is_one_line(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(bytes(range(256)) * 64)
    line = assert_one_line_error(run_cli("--db", f"sqlite:///{damaged}", "verify", home=tmp_path))
    assert "damaged" in line
    assert damaged.read_bytes() == bytes(range(256)) * 64


def test_bad_date_is_one_line(tmp_path: Path, sqlite_url: str) -> None:
    result = run_cli("--db", sqlite_url, "sessions", "--date", "notadate", home=tmp_path)
    line = assert_one_line_error(result)
    assert result.returncode == 2
    assert "not a date" in line


def test_unknown_command_is_one_line(tmp_path: Path) -> None:
    result = run_cli("frobnicate", home=tmp_path)
    line = assert_one_line_error(result)
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate'" in line


def test_unknown_flag_is_one_line(tmp_path: Path, sqlite_url: str) -> None:
    result = run_cli("--db", sqlite_url, "verify", "--fast", home=tmp_path)
    assert result.returncode == 2
    assert "unrecognized arguments: --fast" in assert_one_line_error(result)


def test_version_in_a_process(tmp_path: Path) -> None:
    result = run_cli("--version", home=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"ketachart {__version__}"
