"""Logs: no patient identifier or clinical text ever reaches the application's log files.

Child processes, each with its own HOME and XDG folders (so the log goes to a scratch
folder), fill a database with the demo, run commands on it (verify, sessions, export, backup,
restore, and failing ones: a bad date, a wrong password, an unknown session, an export into
a missing folder that ends in an unexpected error and its traceback), and open charts in the
application's main window. Then every identifier and free text the demo created (patient
names, MRNs, dates of birth, allergies, patient notes, escort names and phones, note,
addendum and correction texts) is searched for in every log file. None may be found.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update

from ketachart.demo.data import STAFF
from ketachart.domain import payloads as p
from ketachart.models import Event, InfusionSession, Patient
from ketachart.services.chains import event_record
from ketachart.storage.database import open_database
from prove import Figure

AREA = "logs"
WRONG_PASSWORD_ENV = "KETACHART_PROVE_WRONG_PASSWORD"
PASSWORD_ENV = "KETACHART_PROVE_PASSWORD_{}"
ADMIN = next(spec for spec in STAFF if spec.role.value == "admin")
NURSE = next(spec for spec in STAFF if spec.role.value == "nurse")


@dataclass(frozen=True)
class Findings:
    identifiers: tuple[str, ...]
    found: tuple[str, ...]
    log_text: str
    results: tuple[subprocess.CompletedProcess[str], ...]


def child_env(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "QT_QPA_PLATFORM": "offscreen",
        WRONG_PASSWORD_ENV: "not-the-password",
        **{PASSWORD_ENV.format(spec.username.upper()): spec.password for spec in (ADMIN, NURSE)},
    }
    env.pop("KETACHART_DATABASE_URL", None)
    return env


def run_child(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=child_env(home),
        timeout=600,
        check=False,
    )


def ketachart(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_child(home, "-m", "ketachart", *args)


def log_files(home: Path) -> list[Path]:
    """Every file in the folder the application logs to (rotated ones too)."""
    code = "from ketachart.logs import log_path; print(log_path())"
    folder = Path(run_child(home, "-c", code).stdout.strip()).parent
    return sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []


def session_ids(url: str) -> list[str]:
    db = open_database(url, migrate=False)
    try:
        with db.reading() as tx:
            return list(tx.orm.scalars(select(InfusionSession.id).order_by(InfusionSession.id)))
    finally:
        db.dispose()


def exercise(home: Path, url: str, full: bool) -> list[subprocess.CompletedProcess[str]]:
    """The demo, then commands that succeed and commands that fail, then the UI."""
    size = (
        ["--patients", "20", "--sessions", "40"]
        if full
        else ["--patients", "8", "--sessions", "12"]
    )
    results = [ketachart(home, "--db", url, "demo", *size)]
    ids = session_ids(url)
    out = home / "out"
    out.mkdir()
    admin, nurse = signed_in(ADMIN.username), signed_in(NURSE.username)
    commands = [
        ["verify", *admin],
        ["sessions", *nurse],
        ["sessions", "--status", "infusing", *nurse],
        ["export", "pdf", ids[0], "-o", str(out / "first.pdf"), *nurse],
        # an unexpected error:
        ["export", "pdf", ids[-1], "-o", str(out / "missing" / "last.pdf"), *nurse],
        ["export", "pdf", "no-such-session", "-o", str(out / "none.pdf"), *nurse],
        ["sessions", "--date", "not-a-date", *nurse],
        ["protocols", "export", "EXAMPLE-TRD-40", "-o", str(out / "protocol.json"), *admin],
        [
            "protocols",
            "import",
            str(out / "protocol.json"),
            "--user",
            ADMIN.username,
            "--password-env",
            WRONG_PASSWORD_ENV,
        ],
        ["backup", str(out / "backup.sqlite"), *admin],
        ["users", "list", *admin],
    ]
    results += [ketachart(home, "--db", url, *command) for command in commands]
    restore = ["restore", str(out / "backup.sqlite"), "--to", str(out / "restored.sqlite")]
    results.append(ketachart(home, *restore, *admin))
    results.append(
        run_child(home, "-c", "from prove.logs import buggy_command; buggy_command()", url)
    )
    shown = ids if full else ids[:3] + ids[-3:]
    code = "from prove.logs import open_charts; open_charts()"
    results.append(run_child(home, "-c", code, url, str(home), *shown))
    return results


def signed_in(username: str) -> list[str]:
    """The flags that sign a demo account in, its password from the child's environment."""
    return ["--user", username, "--password-env", PASSWORD_ENV.format(username.upper())]


def open_charts() -> None:
    """Child process: sign in as a demo nurse and open each named chart in the main window."""
    url, home, *ids = sys.argv[1:]
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from ketachart.logs import setup_logging
    from ketachart.ui.main_window import MainWindow
    from ketachart.ui.workstation import Workstation

    setup_logging()
    app = QApplication(sys.argv[:1])
    db = open_database(url)
    nurse = next(s for s in STAFF if s.username == "nina")
    ws = Workstation(db, QSettings(str(Path(home) / "ws.ini"), QSettings.Format.IniFormat))
    actor = ws.sign_in(nurse.username, nurse.password).actor
    window = MainWindow(ws)
    window.start_shift(actor)
    window.show()
    for session_id in ids:
        window.open_chart(session_id)
        app.processEvents()
    window.show_board()
    app.processEvents()
    window.close()
    db.dispose()
    print(f"opened {len(ids)} charts")


def buggy_command() -> None:
    """Child process: a command with a bug deep in a write (a time without a zone, sent along
    with a patient's own values) ends in the application's unexpected-error handler, which
    logs the traceback. The statement's values must not be in it."""
    from ketachart import app
    from ketachart.cli import commands

    def buggy(args: argparse.Namespace) -> int:
        db = open_database(args.db)
        try:
            with db.reading() as tx:
                row = tx.orm.execute(select(*_PATIENT_VALUES).limit(1)).one()
            with db.transaction() as tx:
                values = dict(zip(_PATIENT_NAMES, row, strict=True))
                naive = datetime.now()  # the bug
                statement = update(Patient).where(Patient.id == values.pop("id"))
                tx.orm.execute(statement.values(**values, updated_at=naive))
        finally:
            db.dispose()
        return 0

    commands.COMMANDS["sessions"] = buggy
    sys.exit(app.main(["--db", sys.argv[1], "sessions"]))


_PATIENT_VALUES = (Patient.id, Patient.mrn, Patient.family_name, Patient.given_name, Patient.notes)
_PATIENT_NAMES = ("id", "mrn", "family_name", "given_name", "notes")


def identifiers(url: str) -> list[str]:
    """Every patient identifier and free text the database holds (each once)."""
    found: set[str] = set()
    db = open_database(url, migrate=False)
    try:
        with db.reading() as tx:
            for patient in tx.orm.scalars(select(Patient)):
                found.update(_of_patient(patient))
            for row in tx.orm.scalars(select(Event)):
                found.update(_texts(event_record(row).payload))
    finally:
        db.dispose()
    return sorted(text for text in found if text.strip())


def _of_patient(patient: Patient) -> Iterator[str]:
    born = patient.date_of_birth
    yield from (patient.mrn, patient.family_name, patient.given_name, patient.allergies)
    yield from (patient.notes, f"{patient.family_name}, {patient.given_name}")
    yield from (born.isoformat(), born.strftime("%d.%m.%Y"), born.strftime("%m/%d/%Y"))


def _texts(payload: p.Payload) -> Iterator[str]:
    if isinstance(payload, p.Note | p.Addendum):
        yield payload.text
    elif isinstance(payload, p.RideConfirmed):
        yield from (payload.escort_name, payload.phone)
    elif isinstance(payload, p.Correction):
        yield payload.reason


def prove_logs(full: bool) -> Findings:
    with tempfile.TemporaryDirectory(prefix="ketachart-prove-logs-") as folder:
        home = Path(folder)
        url = f"sqlite:///{home / 'clinic.sqlite'}"
        results = exercise(home, url, full)
        secrets = identifiers(url)
        text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in log_files(home))
    found = tuple(s for s in secrets if s in text)
    return Findings(tuple(secrets), found, text, tuple(results))


def figures(findings: Findings) -> list[Figure]:
    """No log at all would prove nothing: then every identifier counts as not shown clean."""
    found = len(findings.found) if findings.log_text else len(findings.identifiers)
    return [Figure(AREA, "identifiers checked", len(findings.identifiers), "found in logs", found)]


def run(full: bool) -> list[Figure]:
    return figures(prove_logs(full))


def main() -> int:
    findings = prove_logs("--full" in sys.argv[1:])
    for result in findings.results:
        print(f"exit {result.returncode}: {' '.join(map(str, result.args[3:6]))}")
    print(f"{len(findings.log_text.splitlines())} log lines searched")
    for secret in findings.found:
        print(f"FOUND IN LOG: an identifier of {len(secret)} characters")
    found = figures(findings)
    for figure in found:
        print(figure.line())
    return 0 if all(f.ok for f in found) else 1


if __name__ == "__main__":
    sys.exit(main())
