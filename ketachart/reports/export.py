"""Exporting a session summary as a PDF file: built from the chart view, audited, and written
atomically so that a failed export never leaves half a file.

This is a service (one user action, in the caller's transaction), but it lives with the
reports because it builds one: services sit below reports in the import layers.
"""

from __future__ import annotations

import getpass
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from ketachart.domain.access import Action
from ketachart.domain.timeline import SessionStatus
from ketachart.errors import ValidationError
from ketachart.reports.summary_model import build_summary
from ketachart.reports.summary_pdf import render_summary_pdf
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.services.clinic import get_clinic
from ketachart.services.patients import get_patient
from ketachart.services.sessions import SessionView, author_names, load_session, view_session
from ketachart.storage.database import Tx


@dataclass(frozen=True)
class ExportResult:
    path: Path
    pages: int
    size: int
    signed: bool


def export_session_pdf(
    tx: Tx, actor: Actor | None, session_id: str, path: Path | str, *, invariant: bool = False
) -> ExportResult:
    """Write the session summary to `path`. `actor` None is the command-line operator, who
    has no account; the export is audited either way (without patient data)."""
    view = _export_view(tx, actor, session_id)
    pdf = render_summary_pdf(build_summary(view, get_clinic(tx), tx.now), invariant=invariant)
    signed = view.state.status is SessionStatus.SIGNED
    detail = f"pages={pdf.pages} entries={len(view.events)} {'signed' if signed else 'draft'}"
    name = None if actor is not None else _operator_name()
    # Audit first: if writing the file fails, the caller's transaction drops the entry too.
    audit(tx, actor, "export.pdf", "session", session_id, detail, username=name)
    target = Path(path)
    write_atomically(target, pdf.data)
    return ExportResult(target, pdf.pages, len(pdf.data), signed)


def _export_view(tx: Tx, actor: Actor | None, session_id: str) -> SessionView:
    if actor is None:
        return _with_approvers(tx, operator_view(tx, session_id))
    actor.require(Action.EXPORT)
    return _with_approvers(tx, view_session(tx, actor, session_id))


def operator_view(tx: Tx, session_id: str) -> SessionView:
    """The chart view for the command-line operator (no account, so no VIEW permission)."""
    loaded = load_session(tx, session_id)
    authors = author_names(tx, {e.recorded_by for e in loaded.events})
    patient = get_patient(tx, loaded.row.patient_id)
    return SessionView(loaded.row, patient, loaded.protocol, loaded.events, loaded.state(), authors)


def _with_approvers(tx: Tx, view: SessionView) -> SessionView:
    """Add the printed names of physicians who approved overrides but charted nothing."""
    approvers = {o.approved_by for e in view.events for o in e.overrides if o.approved_by}
    missing = approvers - set(view.authors)
    if not missing:
        return view
    return replace(view, authors={**view.authors, **author_names(tx, missing)})


def _operator_name() -> str:
    try:
        return f"command line ({getpass.getuser()})"
    except (OSError, KeyError):
        return "command line"


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`.
    The file is readable by its owner only: it holds patient data."""
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
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise _unwritable(path, error) from error


def _unwritable(path: Path, error: OSError) -> ValidationError:
    reason = error.strerror or type(error).__name__
    return ValidationError.single("path", f"Cannot write the PDF to {path}: {reason}.")
