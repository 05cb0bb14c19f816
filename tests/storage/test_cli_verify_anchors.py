"""`ketachart verify` against the anchors kept outside the database, and `verify --pdf` on a
printed summary: on SQLite and PostgreSQL, through the command line as an administrator."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfWriter

from ketachart.app import main
from ketachart.reports.export import export_session_pdf
from ketachart.services import backups, charting, signing
from tests.cli_support import as_user
from tests.storage.test_anchors import rewrite_consistently, truncate
from tests.support import DURING, PASSWORDS, Clinic, chart_to_discharged, chart_to_infusing


@pytest.fixture(autouse=True)
def workstation_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own user data folder: its anchor file and its backups."""
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


def test_a_rewrite_is_reported_against_this_workstation_until_resolved(
    clinic: Clinic,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    code, out, _ = verify(database_url, monkeypatch, capsys)
    assert code == 0
    assert "history extends all 0 anchor(s)" in out  # the first verify records them
    code, out, _ = verify(database_url, monkeypatch, capsys)
    assert code == 0
    assert "anchor(s) kept outside the database" in out
    assert "history extends all 0" not in out

    rewrite_consistently(clinic.db, session_id, 3)
    for _again in range(2):  # a verify that found problems moves no anchor
        code, out, err = verify(database_url, monkeypatch, capsys)
        assert code == 1
        assert out.splitlines() == [line for line in out.splitlines() if line.startswith("PROBLEM")]
        assert len(out.splitlines()) == 1
        assert f"session {session_id}" in out
        assert "this workstation's anchor file" in out
        assert "the history was rewritten" in out
        assert "1 problem(s) found" in err


def test_a_truncation_is_reported_against_this_workstation(
    clinic: Clinic,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    assert verify(database_url, monkeypatch, capsys)[0] == 0
    truncate(clinic.db, session_id, keep=6)
    code, out, _ = verify(database_url, monkeypatch, capsys)
    assert code == 1
    assert (
        f"PROBLEM session {session_id}: the chain now ends at entry 6, but this workstation's "
        "anchor file"
    ) in out
    assert "newest entries were removed" in out


def signed_pdf(clinic: Clinic, path: Path) -> str:
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    physician = clinic.physician
    proof = clinic.proof(physician, PASSWORDS[physician.username], signing.SIGN_PURPOSE)
    seen = clinic.seen(session_id)
    clinic.act(signing.sign_session, physician, session_id, proof, seen_head=seen)
    export_session_pdf(clinic.db, physician, session_id, path)
    return session_id


def test_a_signed_pdf_matches_the_current_record(
    clinic: Clinic,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    session_id = signed_pdf(clinic, tmp_path / "summary.pdf")
    code, out, _ = verify(database_url, monkeypatch, capsys, "--pdf", str(tmp_path / "summary.pdf"))
    assert code == 0
    assert out == f"verify: the PDF matches the current record of session {session_id}.\n"


def test_a_pdf_printed_before_a_later_entry_names_the_later_entries(
    clinic: Clinic,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    export_session_pdf(clinic.db, clinic.nurse, session_id, tmp_path / "draft.pdf")
    clinic.later(10)
    later = clinic.act(charting.chart, clinic.nurse, session_id, DURING)
    code, out, err = verify(database_url, monkeypatch, capsys, "--pdf", str(tmp_path / "draft.pdf"))
    assert code == 1
    assert out.splitlines() == [
        f"LATER entry {later.seq} (vitals, recorded "
        f"{later.recorded_at:%Y-%m-%d %H:%M} UTC) is not in the PDF"
    ]
    assert f"matches session {session_id} as it was when printed" in err


def test_a_pdf_of_a_rewritten_record_does_not_match(
    clinic: Clinic,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    export_session_pdf(clinic.db, clinic.nurse, session_id, tmp_path / "summary.pdf")
    rewrite_consistently(clinic.db, session_id, 3)
    code, out, err = verify(
        database_url, monkeypatch, capsys, "--pdf", str(tmp_path / "summary.pdf")
    )
    assert code == 1
    assert out.startswith("PROBLEM entry 10 differs: the printed hash covers entries 1-10")
    assert f"does NOT match the record of session {session_id}" in err


def test_a_pdf_that_is_not_a_ketachart_summary_is_named(
    database_url: str,
    clinic: Clinic,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    other = tmp_path / "invoice.pdf"
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    with other.open("wb") as file:
        writer.write(file)
    code, out, err = verify(database_url, monkeypatch, capsys, "--pdf", str(other))
    assert (code, out) == (1, "")
    assert f"{other} is not a ketachart session summary" in err


def test_a_rewrite_is_reported_against_the_daily_backup(
    clinic: Clinic,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if clinic.db.sqlite_path is None:
        pytest.skip("daily backups are of SQLite files (PostgreSQL: pg_dump)")
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    made = backups.daily_backup(clinic.db)
    assert made is not None
    rewrite_consistently(clinic.db, session_id, 5)
    code, out, _ = verify(database_url, monkeypatch, capsys)
    assert code == 1
    assert out.splitlines() == [
        f"PROBLEM session {session_id}: entry 10 no longer has the hash backup {made.path} "
        f"recorded entry 10 on {clinic.clock.now().date()} with: the history was rewritten"
    ]
