"""Exporting and printing the PDF: audited without patient data, written whole or not at all,
never holding the write lock while it renders or spools, refused to those who may not export,
and on the command line one clear line when it fails."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from ketachart.app import main
from ketachart.errors import KetachartError, PermissionDenied
from ketachart.models import AuditEntry
from ketachart.reports import export
from ketachart.reports.export import PrintFailed, Runner, export_session_pdf, print_session_pdf
from ketachart.reports.summary_pdf import RenderedPdf, render_summary_pdf
from ketachart.storage.outputs import OutputError, OutputRefused
from tests.cli_support import as_user
from tests.reports import charted
from tests.reports.conftest import page_texts
from tests.support import Clinic
from tests.write_lock import write_lock_is_free


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
    result = export_session_pdf(clinic.db, clinic.nurse, session_id, target)

    assert result.signed
    assert result.pages == len(page_texts(target)) >= 3
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    [entry] = export_audits(clinic)
    assert (entry.username, entry.target_type, entry.target_id) == ("nina", "session", session_id)
    assert entry.detail.startswith(f"pages={result.pages} entries=")
    for identifier in ("Łukasiewicz", "Zoë", "MRN-0001", "1980", "Penicillin"):
        assert identifier not in entry.detail


def test_no_write_lock_is_held_while_the_pdf_renders(
    clinic: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rendering takes a second or more: another workstation may save meanwhile (issue 12)."""
    session_id = charted.typical_session(clinic, sign=False)
    free_while_rendering: list[bool] = []

    def render_and_look(*args: Any, **kwargs: Any) -> RenderedPdf:
        free_while_rendering.append(write_lock_is_free(clinic.db))
        return render_summary_pdf(*args, **kwargs)

    monkeypatch.setattr(export, "render_summary_pdf", render_and_look)
    export_session_pdf(clinic.db, clinic.nurse, session_id, tmp_path / "summary.pdf")
    assert free_while_rendering == [True]
    assert len(export_audits(clinic)) == 1


def test_a_failed_export_leaves_no_file_and_no_audit(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    folder = tmp_path / "exports"
    folder.mkdir()
    missing = folder / "missing" / "summary.pdf"
    nurse = sqlite_clinic.nurse
    with pytest.raises(OutputError, match=r"Could not write the PDF to .*does not exist"):
        export_session_pdf(sqlite_clinic.db, nurse, session_id, missing)
    with pytest.raises(OutputRefused, match="it is a folder, not a regular file"):
        export_session_pdf(sqlite_clinic.db, nurse, session_id, folder)
    assert list(folder.iterdir()) == []
    assert export_audits(sqlite_clinic) == []


def refuse_audit_entries(clinic: Clinic) -> None:
    """Make the database itself refuse every new audit entry (as a full disk would)."""
    with clinic.db.transaction() as tx:
        tx.orm.execute(
            text(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
        )


def test_an_export_whose_audit_entry_cannot_be_written_leaves_no_file(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    """The audit entry is written after the PDF is rendered: if it fails, the rendered file
    is removed, so there is no exported file without its audit entry."""
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    (tmp_path / "exports").mkdir()
    refuse_audit_entries(sqlite_clinic)
    with pytest.raises(KetachartError):
        export_session_pdf(
            sqlite_clinic.db, sqlite_clinic.nurse, session_id, tmp_path / "exports" / "s.pdf"
        )
    assert list((tmp_path / "exports").iterdir()) == []


def test_an_export_replaces_an_older_file_whole(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    (tmp_path / "exports").mkdir()
    target = tmp_path / "exports" / "summary.pdf"
    target.write_bytes(b"an older export")
    with pytest.raises(OutputRefused, match="exists already"):
        export_session_pdf(sqlite_clinic.db, sqlite_clinic.nurse, session_id, target)
    assert target.read_bytes() == b"an older export"
    export_session_pdf(sqlite_clinic.db, sqlite_clinic.nurse, session_id, target, force=True)
    assert target.read_bytes().startswith(b"%PDF-")
    assert [path.name for path in target.parent.iterdir()] == ["summary.pdf"]
    [entry] = export_audits(sqlite_clinic)
    assert entry.user_id == sqlite_clinic.nurse.id
    assert entry.username == "nina"


def test_an_admin_may_not_export_a_chart(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    with pytest.raises(PermissionDenied):
        export_session_pdf(sqlite_clinic.db, sqlite_clinic.admin, session_id, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def spooler(returncode: int, *, check: Callable[[], None]) -> Runner:
    """Stands in for `lp`: runs `check` while it has the job, then takes it or refuses it."""

    def run(command: list[str], **_kwargs: Any) -> subprocess.CompletedProcess[str]:
        check()
        said = "request id is Desk-1 (1 file(s))" if returncode == 0 else ""
        return subprocess.CompletedProcess(command, returncode, said, "lp: no such printer")

    return run


def print_audits(clinic: Clinic) -> list[tuple[str, str]]:
    with clinic.db.reading() as tx:
        query = select(AuditEntry).where(AuditEntry.action.like("export.print%"))
        return [(a.action, a.detail.split(" ")[0]) for a in tx.orm.scalars(query)]


def test_a_print_is_audited_before_the_spooler_has_it_with_no_lock_held(clinic: Clinic) -> None:
    session_id = charted.typical_session(clinic, sign=False)
    seen: list[tuple[bool, list[tuple[str, str]]]] = []

    def look() -> None:
        seen.append((write_lock_is_free(clinic.db), print_audits(clinic)))

    result = print_session_pdf(clinic.db, clinic.nurse, session_id, "Desk", spooler(0, check=look))
    assert result.job.startswith("request id")
    assert seen == [(True, [("export.print", "printer=Desk")])]
    assert print_audits(clinic) == [("export.print", "printer=Desk")]


def test_a_print_the_spooler_refuses_is_audited_as_failed(sqlite_clinic: Clinic) -> None:
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    with pytest.raises(PrintFailed, match="did not take the job"):
        print_session_pdf(
            sqlite_clinic.db,
            sqlite_clinic.nurse,
            session_id,
            "Desk",
            spooler(1, check=lambda: None),
        )
    assert print_audits(sqlite_clinic) == [
        ("export.print", "printer=Desk"),
        ("export.print.failed", "printer=Desk"),
    ]


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
    assert one_line_error(unwritable) == (
        f"ketachart: error: Could not write the PDF to {folder}: the folder {folder.parent} "
        "does not exist. Create it, or choose an existing folder."
    )

    no_output = run_cli("--db", sqlite_url, "export", "pdf", session_id, home=tmp_path)
    assert "-o/--output" in one_line_error(no_output)
    assert no_output.returncode == 2
