"""Exporting a session summary as a PDF file: built from the chart view, audited, and written
atomically so that a failed export never leaves half a file. Printing is an export too: the
same PDF goes to a CUPS printer, and is audited the same way.

This is a service (one user action, in the caller's transaction), but it lives with the
reports because it builds one: services sit below reports in the import layers.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ketachart.domain.access import Action
from ketachart.domain.timeline import SessionStatus
from ketachart.errors import KetachartError, ValidationError
from ketachart.reports.blocks import SummaryReport
from ketachart.reports.summary_model import build_summary
from ketachart.reports.summary_pdf import RenderedPdf, render_summary_pdf
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.services.clinic import get_clinic
from ketachart.services.patients import get_patient
from ketachart.services.sessions import (
    SessionView,
    author_names,
    load_session,
    named_users,
    view_session,
)
from ketachart.storage.database import Tx


@dataclass(frozen=True)
class ExportResult:
    path: Path
    pages: int
    size: int
    signed: bool
    unprintable: tuple[str, ...] = ()
    """Characters no installed font has: printed as a replacement mark (see below)."""

    @property
    def unprintable_note(self) -> str:
        """What to tell the user when some characters could not be printed; else ''."""
        return unprintable_note(self.unprintable)


def unprintable_note(characters: tuple[str, ...]) -> str:
    if not characters:
        return ""
    listed = ", ".join(f"{c} (U+{ord(c):04X})" for c in characters)
    return f"No installed font has {listed}: printed as \ufffd instead."


def export_session_pdf(
    tx: Tx, actor: Actor | None, session_id: str, path: Path | str, *, invariant: bool = False
) -> ExportResult:
    """Write the session summary to `path`. `actor` None is the command-line operator, who
    has no account; the export is audited either way (without patient data)."""
    view, pdf = _rendered(tx, actor, session_id, invariant)
    signed = view.state.status is SessionStatus.SIGNED
    name = None if actor is not None else _operator_name()
    audit(tx, actor, "export.pdf", "session", session_id, _detail(view, pdf), username=name)
    target = Path(path)
    write_on_commit(tx, target, pdf.data)
    return ExportResult(target, pdf.pages, len(pdf.data), signed, pdf.unprintable)


def write_on_commit(tx: Tx, path: Path, data: bytes) -> None:
    """Write the file beside `path` now (so a full disk fails the action), and put it in
    place only once the transaction, with its audit entry, has committed: no exported file
    without its audit entry, and none if the audit entry could not be saved."""
    if path.is_dir():
        raise ValidationError.single("path", f"Cannot write the PDF to {path}: it is a folder.")
    part = _written_beside(path, data)
    tx.after_rollback.append(lambda: _remove_quietly(part))
    tx.after_commit.append(lambda: _put_in_place(part, path))


def _rendered(
    tx: Tx, actor: Actor | None, session_id: str, invariant: bool = False
) -> tuple[SessionView, RenderedPdf]:
    view = _export_view(tx, actor, session_id)
    pdf = render_summary_pdf(build_summary(view, get_clinic(tx), tx.now), invariant=invariant)
    return view, pdf


def _detail(view: SessionView, pdf: RenderedPdf) -> str:
    """What an export's audit entry says: size and state, never patient data."""
    signed = view.state.status is SessionStatus.SIGNED
    return f"pages={pdf.pages} entries={len(view.events)} {'signed' if signed else 'draft'}"


@dataclass(frozen=True)
class SessionSummary:
    """A chart and its summary, for a screen that shows what the PDF would print."""

    view: SessionView
    report: SummaryReport


def session_summary(
    tx: Tx, actor: Actor, session_id: str, *, audited: bool = True
) -> SessionSummary:
    """The summary exactly as an export would build it now (the same view, approvers and
    clinic), to show on screen. Opening it is a view of the chart, audited as such."""
    view = view_session(tx, actor, session_id, audited=audited)
    return SessionSummary(view, build_summary(view, get_clinic(tx), tx.now))


class PrintFailed(KetachartError):
    """The printing system is missing or did not take the job; nothing was printed."""


Runner = Callable[..., subprocess.CompletedProcess[str]]
PRINT_TIMEOUT_SECONDS = 15
"""`lp` only hands the file to the local print spooler (it does not wait for paper); the
limit bounds how long a stuck spooler can hold the transaction."""
PRINTER_NAME = re.compile(r"[^\s/#-][^\s/#]{0,127}")
"""A CUPS queue name: no spaces, '/' or '#', and not starting with '-' (never an option)."""
NO_PRINTING_SYSTEM = (
    "No printing system is installed on this computer (the CUPS command `lp` was not found). "
    "Nothing was printed: export the PDF and print it from another computer."
)


@dataclass(frozen=True)
class PrintResult:
    printer: str
    pages: int
    signed: bool
    job: str
    """What the spooler said (e.g. 'request id is Front_Desk-12 (1 file(s))')."""


def print_session_pdf(
    tx: Tx, actor: Actor, session_id: str, printer: str, run: Runner = subprocess.run
) -> PrintResult:
    """Send the session summary PDF to the CUPS printer `printer` (`lp -d printer file`).
    Audited like an export ('export.print'); if the spooler refuses the job, the caller's
    transaction drops the audit entry. The temporary file is readable by its owner only and
    removed once the spooler has taken a copy."""
    actor.require(Action.EXPORT)
    if not PRINTER_NAME.fullmatch(printer):
        raise ValidationError.single("printer", f"Not a printer name: {printer!r}.")
    view, pdf = _rendered(tx, actor, session_id)
    detail = f"printer={printer} {_detail(view, pdf)}"
    audit(tx, actor, "export.print", "session", session_id, detail)
    with tempfile.TemporaryDirectory(prefix="ketachart-print-") as folder:
        path = Path(folder) / f"session-{session_id}.pdf"
        write_atomically(path, pdf.data)
        job = _spool(run, printer, path)
    return PrintResult(printer, pdf.pages, view.state.status is SessionStatus.SIGNED, job)


def _spool(run: Runner, printer: str, path: Path) -> str:
    command = ["lp", "-d", printer, str(path)]
    try:
        done = run(command, capture_output=True, text=True, timeout=PRINT_TIMEOUT_SECONDS)
    except FileNotFoundError as error:
        raise PrintFailed(NO_PRINTING_SYSTEM) from error
    except subprocess.TimeoutExpired as error:
        raise PrintFailed(
            f"The printing system did not answer within {PRINT_TIMEOUT_SECONDS} s; nothing "
            "was printed. Check that the print service is running and try again."
        ) from error
    except OSError as error:
        raise PrintFailed(f"Could not start printing: {error.strerror or error}.") from error
    if done.returncode != 0:
        said = (done.stderr or done.stdout or "").strip() or f"exit status {done.returncode}"
        raise PrintFailed(f"The printer {printer} did not take the job: {said}")
    return (done.stdout or "").strip()


def _export_view(tx: Tx, actor: Actor | None, session_id: str) -> SessionView:
    if actor is None:
        return operator_view(tx, session_id)
    actor.require(Action.EXPORT)
    return view_session(tx, actor, session_id)


def operator_view(tx: Tx, session_id: str) -> SessionView:
    """The chart view for the command-line operator (no account, so no VIEW permission)."""
    loaded = load_session(tx, session_id)
    authors = author_names(tx, named_users(loaded.events))
    patient = get_patient(tx, loaded.row.patient_id)
    return SessionView(loaded.row, patient, loaded.protocol, loaded.events, loaded.state(), authors)


def _operator_name() -> str:
    try:
        return f"command line ({getpass.getuser()})"
    except (OSError, KeyError):
        return "command line"


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`.
    The file is readable by its owner only: it holds patient data."""
    _put_in_place(_written_beside(path, data), path)


def _written_beside(path: Path, data: bytes) -> Path:
    """`data` in a new, fsynced temporary file in `path`'s folder (owner-only)."""
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".part", dir=path.parent
        )
    except OSError as error:
        raise _unwritable(path, error) from error
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise _unwritable(path, error) from error
    return Path(temporary)


def _remove_quietly(part: Path) -> None:
    """Undoing a rolled-back export must not hide why it was rolled back."""
    with contextlib.suppress(OSError):
        part.unlink(missing_ok=True)


def _put_in_place(part: Path, path: Path) -> None:
    try:
        os.replace(part, path)
    except OSError as error:
        part.unlink(missing_ok=True)
        raise _unwritable(path, error) from error


def _unwritable(path: Path, error: OSError) -> ValidationError:
    reason = error.strerror or type(error).__name__
    return ValidationError.single("path", f"Cannot write the PDF to {path}: {reason}.")
