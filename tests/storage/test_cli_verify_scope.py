"""`ketachart verify --from DATE --to DATE` and `--since-last`: a partial check finds what is
in its scope, says what it did not cover, and the full run reports its rate; on SQLite and
PostgreSQL, through the command line as an administrator."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ketachart.app import main
from ketachart.models import InfusionSession
from tests.cli_support import as_user
from tests.storage.test_verify import tamper
from tests.support import Clinic, chart_to_discharged, chart_to_infusing

CHANGED = "entry 3 was changed after it was written"


@pytest.fixture(autouse=True)
def workstation_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own user data folder: its anchor file and its verified mark."""
    folder = tmp_path / "user-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    return folder


def verify(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *more: str,
) -> tuple[int, str, str]:
    code = main(["--db", database_url, "verify", *more, *as_user(monkeypatch, "admin")])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rewrite_payload(clinic: Clinic, session_id: str) -> None:
    """Entry 3's content changed in place, behind ketachart's back (no audit entry)."""
    tamper(
        clinic.db,
        "UPDATE events SET payload = replace(payload, '1', '2') WHERE session_id = :s AND seq = 3",
        s=session_id,
    )


def session_day(clinic: Clinic, session_id: str) -> str:
    with clinic.db.reading() as tx:
        day = tx.orm.scalar(
            select(InfusionSession.session_date).where(InfusionSession.id == session_id)
        )
    assert day is not None
    return day.isoformat()


def test_a_full_verify_reports_its_rate(
    clinic: Clinic,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    code, out, _ = verify(database_url, monkeypatch, capsys)
    assert code == 0
    assert "database intact" in out
    (rate,) = [line for line in out.splitlines() if "events/s" in line]
    assert rate.startswith("verify: ")
    assert " events checked in " in rate


def test_a_date_range_checks_its_days_and_says_what_it_left_out(
    clinic: Clinic,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    rewrite_payload(clinic, session_id)
    day = session_day(clinic, session_id)

    code, out, _ = verify(database_url, monkeypatch, capsys, "--from", day, "--to", day)
    assert code == 1
    assert f"PROBLEM session {session_id}: {CHANGED}" in out.splitlines()

    earlier = date.fromisoformat(day) - timedelta(days=1)
    code, out, _ = verify(
        database_url,
        monkeypatch,
        capsys,
        "--from",
        earlier.isoformat(),
        "--to",
        earlier.isoformat(),
    )
    assert code == 0
    assert "intact as far as checked" in out
    assert "NOT checked: the sessions of other days" in out
    assert "database intact" not in out


def test_since_last_needs_a_clean_verify_first(
    clinic: Clinic,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clinic.open_session()
    code, _, err = verify(database_url, monkeypatch, capsys, "--since-last")
    assert code == 1
    assert "run 'ketachart verify' once without --since-last" in err


def test_since_last_checks_the_sessions_charted_since(
    clinic: Clinic,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = clinic.open_session()
    chart_to_infusing(clinic, old)
    assert verify(database_url, monkeypatch, capsys)[0] == 0

    new = clinic.open_session()
    chart_to_infusing(clinic, new)
    code, out, _ = verify(database_url, monkeypatch, capsys, "--since-last")
    assert code == 0
    assert "the 1 session(s) charted since this workstation's last clean verify" in out

    newer = clinic.open_session()
    chart_to_infusing(clinic, newer)
    for session_id in (old, new, newer):  # only newer has audit entries since the last verify
        rewrite_payload(clinic, session_id)
    code, out, _ = verify(database_url, monkeypatch, capsys, "--since-last")
    assert code == 1
    assert f"PROBLEM session {newer}: {CHANGED}" in out.splitlines()
    assert f"session {old}" not in out
    assert f"session {new}" not in out

    code, out, _ = verify(database_url, monkeypatch, capsys)
    assert code == 1
    assert f"PROBLEM session {old}: {CHANGED}" in out.splitlines()
