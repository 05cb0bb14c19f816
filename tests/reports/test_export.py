"""Exporting the PDF: audited without patient data, written whole or not at all, refused to
those who may not export, and on the command line one clear line when it fails."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from ketachart.app import main
from ketachart.errors import PermissionDenied, ValidationError
from ketachart.models import AuditEntry
from ketachart.reports.export import export_session_pdf
from tests.cli_support import as_user
from tests.reports import charted
from tests.reports.conftest import page_texts
from tests.support import Clinic


@dataclass(frozen=True)
class Audited:
    user_id: int | None
    username: str
    target_type: str
    target_id: str
    detail: str


def export_audits(clinic: Clinic) -> list[Audited]:
    with clinic.db.reading() as tx:
        query = select(AuditEntry).where(AuditEntry.action == "export.pdf")
        return [
            Audited(a.user_id, a.username, a.target_type, a.target_id, a.detail)
            for a in tx.orm.scalars(query)
        ]


def test_export_is_audited_without_patient_data(clinic: Clinic, tmp_path: Path) -> None:
    session_id = charted.typical_session(clinic)
    target = tmp_path / "summary.pdf"
    with clinic.db.transaction() as tx:
        result = export_session_pdf(tx, clinic.nurse, session_id, target)

    assert result.signed
    assert result.pages == len(page_texts(target)) >= 3
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    [entry] = export_audits(clinic)
    assert (entry.username, entry.target_type, entry.target_id) == ("nina", "session", session_id)
    assert entry.detail.startswith(f"pages={result.pages} entries=")
    for identifier in ("Łukasiewicz", "Zoë", "MRN-0001", "1980", "Penicillin"):
        assert identifier not in entry.detail


def test_a_failed_export_leaves_no_file_and_no_audit(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    folder = tmp_path / "exports"
    folder.mkdir()
    for target in (folder / "missing" / "summary.pdf", folder):
        with (
            pytest.raises(ValidationError, match="Cannot write the PDF to"),
            sqlite_clinic.db.transaction() as tx,
        ):
            export_session_pdf(tx, None, session_id, target)
    assert list(folder.iterdir()) == []
    assert export_audits(sqlite_clinic) == []


class CommitFailed(Exception):
    """Stands for anything that makes the action's transaction fail after the export."""


def _export_then_fail(clinic: Clinic, session_id: str, target: Path) -> None:
    with clinic.db.transaction() as tx:
        export_session_pdf(tx, None, session_id, target)
        raise CommitFailed


def test_the_file_appears_only_once_its_audit_entry_is_committed(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    target = tmp_path / "summary.pdf"
    with sqlite_clinic.db.transaction() as tx:
        export_session_pdf(tx, None, session_id, target)
        assert not target.exists()
    assert target.read_bytes().startswith(b"%PDF-")
    assert len(export_audits(sqlite_clinic)) == 1


def test_an_export_whose_action_does_not_commit_leaves_no_file(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    (tmp_path / "exports").mkdir()
    with pytest.raises(CommitFailed):
        _export_then_fail(sqlite_clinic, session_id, tmp_path / "exports" / "summary.pdf")
    assert list((tmp_path / "exports").iterdir()) == []
    assert export_audits(sqlite_clinic) == []


def test_an_export_replaces_an_older_file_whole(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    (tmp_path / "exports").mkdir()
    target = tmp_path / "exports" / "summary.pdf"
    target.write_bytes(b"an older export")
    with sqlite_clinic.db.transaction() as tx:
        export_session_pdf(tx, None, session_id, target)
    assert target.read_bytes().startswith(b"%PDF-")
    assert [path.name for path in target.parent.iterdir()] == ["summary.pdf"]
    [entry] = export_audits(sqlite_clinic)
    assert entry.user_id is None
    assert entry.username.startswith("command line")


def test_an_admin_may_not_export_a_chart(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    with pytest.raises(PermissionDenied), sqlite_clinic.db.transaction() as tx:
        export_session_pdf(tx, sqlite_clinic.admin, session_id, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_cli_exports_a_session(
    sqlite_clinic: Clinic,
    sqlite_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session_id = charted.typical_session(sqlite_clinic)
    target = tmp_path / "out.pdf"
    nurse = as_user(monkeypatch, "nina")
    assert main(["--db", sqlite_url, *nurse, "export", "pdf", session_id, "-o", str(target)]) == 0

    pages = page_texts(target)
    assert "Wrote the session summary" in capsys.readouterr().out
    assert all("Łukasiewicz, Zoë" in page for page in pages)
    assert len(export_audits(sqlite_clinic)) == 1


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """`python -m ketachart ARGS` in a child process, logging into a scratch folder."""
    env = {**os.environ, "HOME": str(home), "XDG_STATE_HOME": str(home / "state")}
    return subprocess.run(
        [sys.executable, "-m", "ketachart", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_cli_errors_are_one_line(
    sqlite_clinic: Clinic, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = sqlite_clinic.open_session()
    nurse = as_user(monkeypatch, "nina")
    unknown = run_cli(
        "--db", sqlite_url, *nurse, "export", "pdf", "no-such-id", "-o", "x.pdf", home=tmp_path
    )
    assert one_line_error(unknown) == "ketachart: error: No session with id no-such-id."

    folder = tmp_path / "nowhere" / "x.pdf"
    unwritable = run_cli(
        "--db", sqlite_url, *nurse, "export", "pdf", session_id, "-o", str(folder), home=tmp_path
    )
    assert one_line_error(unwritable).startswith(
        f"ketachart: error: Cannot write the PDF to {folder}"
    )

    no_output = run_cli("--db", sqlite_url, "export", "pdf", session_id, home=tmp_path)
    assert "-o/--output" in one_line_error(no_output)
    assert no_output.returncode == 2
