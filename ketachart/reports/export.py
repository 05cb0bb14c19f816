"""Exporting a session summary as a PDF file, and printing it (the same PDF sent to a CUPS
printer): audited, and written atomically so that a failed export never leaves half a file.

Rendering a PDF takes a second or more, and a print spooler may take up to
PRINT_TIMEOUT_SECONDS: neither may hold the write lock, or every bedside save on every
workstation would wait for it (one writer at a time: storage.dialect.begin). So an export is
not one transaction but three steps (see `export_session_pdf`):

1. the chart is read into plain rows in a short *read* transaction (which blocks no writer);
2. the PDF is rendered and written to a hidden file beside its target with no transaction open;
3. the audit entry is written in a short write transaction of its own, and the file gets its
   name only once that entry has committed.

The PDF shows the chart as read in step 1 (its audit entry says how many entries it holds).

This lives with the reports because it builds one: services sit below reports in the layers.
"""

from __future__ import annotations

import logging
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ketachart.domain.access import Action
from ketachart.domain.timeline import SessionStatus
from ketachart.errors import KetachartError, ValidationError
from ketachart.reports.blocks import SummaryReport
from ketachart.reports.summary_model import build_summary
from ketachart.reports.summary_pdf import RenderedPdf, render_summary_pdf
from ketachart.services.actors import Actor
from ketachart.services.backups import keep_safe
from ketachart.services.chains import audit
from ketachart.services.clinic import ClinicInfo, get_clinic
from ketachart.services.keys import clinic_fingerprint
from ketachart.services.sessions import (
    SessionView,
    chart_view,
    load_session,
    view_session,
)
from ketachart.storage import outputs
from ketachart.storage.database import Database, Tx
from ketachart.storage.outputs import KeepSafe

log = logging.getLogger(__name__)
PDF = "the PDF"


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
    db: Database,
    actor: Actor,
    session_id: str,
    path: Path | str,
    *,
    invariant: bool = False,
    force: bool = False,
    keep: KeepSafe | None = None,
) -> ExportResult:
    """Write the session summary to `path`, holding the write lock only to audit it (under
    `actor`, without patient data; the command line signs its user in first).

    If the audit entry cannot be written (the database is full, or gone), the rendered file
    is removed and the error raised: no exported file without its audit entry. If the entry
    committed but the file then cannot be given its name (a rename in its own folder, which
    only a vanished folder makes fail), the error is raised too: the audit then records an
    export that the user was told failed, which over-reports an access but loses none.

    `force` replaces an existing file (the save dialog asked first); never the database, a
    backup, or what is not a regular file, whatever `force` says (storage.outputs, `keep`)."""
    target = Path(path)
    keep = keep or keep_safe(db.sqlite_path)
    target = outputs.refuse_target(target, force=force, keep=keep, what=PDF)  # before any work
    chart = read_for_export(db, actor, session_id)
    pdf = chart.render(invariant=invariant)
    part = outputs.written_beside(target, pdf.data, PDF)  # a full disk fails before any audit
    try:
        with db.transaction() as tx:
            audit(tx, actor, "export.pdf", "session", session_id, chart.detail(pdf))
    except BaseException:
        outputs.discard(part)
        raise
    outputs.put_in_place(part, target, force=force, keep=keep, what=PDF)
    return ExportResult(target, pdf.pages, len(pdf.data), chart.signed, pdf.unprintable)


@dataclass(frozen=True)
class ChartToExport:
    """What an export prints, read in one short read transaction: plain rows, nothing live."""

    view: SessionView
    clinic: ClinicInfo
    read_at: datetime
    """The moment it was read: the summary is 'as of' then."""
    clinic_key: str | None
    """The clinic key's fingerprint, read with the chart: printed on every page."""

    @property
    def signed(self) -> bool:
        return self.view.state.status is SessionStatus.SIGNED

    def render(self, *, invariant: bool = False) -> RenderedPdf:
        """The PDF (slow: called with no transaction open)."""
        summary = build_summary(self.view, self.clinic, self.read_at, clinic_key=self.clinic_key)
        return render_summary_pdf(summary, invariant=invariant)

    def detail(self, pdf: RenderedPdf) -> str:
        """What an export's audit entry says: size and state, never patient data."""
        state = "signed" if self.signed else "draft"
        return f"pages={pdf.pages} entries={len(self.view.events)} {state}"


def read_for_export(db: Database, actor: Actor, session_id: str) -> ChartToExport:
    """The chart and the clinic's heading, in a read transaction (no write lock): the export's
    own audit entry records the access, so this reading is not audited as a chart view."""
    actor.require(Action.EXPORT)
    with db.reading() as tx:
        view = view_session(tx, actor, session_id, audited=False)
        return ChartToExport(view, get_clinic(tx), tx.now, clinic_fingerprint(tx))


@dataclass(frozen=True)
class SessionSummary:
    """A chart and its summary, for a screen that shows what the PDF would print."""

    view: SessionView
    report: SummaryReport


def session_summary(
    db: Database, actor: Actor, session_id: str, *, audited: bool = True
) -> SessionSummary:
    """The summary exactly as an export would build it now (the same view, approvers and
    clinic), to show on screen. Opening it is a view of the chart, audited as such: the
    chart is read in the short transaction that audits it (a read one if not audited), and
    the summary is built after it, with no lock held (a long chart takes a while)."""
    with db.transaction() if audited else db.reading() as tx:
        view = view_session(tx, actor, session_id, audited=audited)
        clinic, now, clinic_key = get_clinic(tx), tx.now, clinic_fingerprint(tx)
    return SessionSummary(view, build_summary(view, clinic, now, clinic_key=clinic_key))


class PrintFailed(KetachartError):
    """The printing system is missing or did not take the job; nothing was printed."""


Runner = Callable[..., subprocess.CompletedProcess[str]]
PRINT_TIMEOUT_SECONDS = 15
"""`lp` only hands the file to the local print spooler (it does not wait for paper); the
limit bounds how long a stuck spooler keeps the user waiting (no transaction is open)."""
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
    db: Database, actor: Actor, session_id: str, printer: str, run: Runner = subprocess.run
) -> PrintResult:
    """Send the session summary PDF to the CUPS printer `printer` (`lp -d printer file`),
    read and rendered as an export is (see the module), with no transaction open while it
    renders or while the spooler takes it. The temporary file is readable by its owner only
    and removed once the spooler has taken a copy.

    A printed page cannot be taken back, so the print is audited ('export.print') before the
    job is handed over: once the spooler may have it, the audit trail already says so. If
    the spooler then refuses the job, an 'export.print.failed' entry follows in a short
    transaction of its own; if even that cannot be written, it is logged and the refusal is
    raised (the trail then over-reports one print, and loses none)."""
    actor.require(Action.EXPORT)
    if not PRINTER_NAME.fullmatch(printer):
        raise ValidationError.single("printer", f"Not a printer name: {printer!r}.")
    chart = read_for_export(db, actor, session_id)
    pdf = chart.render()
    with tempfile.TemporaryDirectory(prefix="ketachart-print-") as folder:
        path = Path(folder) / f"session-{session_id}.pdf"
        write_atomically(path, pdf.data)
        detail = f"printer={printer} {chart.detail(pdf)}"
        _audit_alone(db, actor, "export.print", session_id, detail)
        try:
            job = _spool(run, printer, path)
        except PrintFailed:
            _audit_failed_print(db, actor, session_id, printer)
            raise
    return PrintResult(printer, pdf.pages, chart.signed, job)


def _audit_alone(db: Database, actor: Actor, action: str, session_id: str, detail: str) -> None:
    """One audit entry as a short transaction of its own (the write lock held only for it)."""
    with db.transaction() as tx:
        audit(tx, actor, action, "session", session_id, detail)


def _audit_failed_print(db: Database, actor: Actor, session_id: str, printer: str) -> None:
    """Record that the spooler did not take a print already audited; never hides the refusal."""
    try:
        _audit_alone(db, actor, "export.print.failed", session_id, f"printer={printer}")
    except KetachartError as error:
        log.warning("a refused print could not be audited: %s", type(error).__name__)


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


def operator_view(tx: Tx, session_id: str) -> SessionView:
    """The chart view with no account's permission checked and no view audited: for the
    benchmarks and tests that render a chart directly, never for a user's export."""
    return chart_view(tx, load_session(tx, session_id))


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path` (a file of
    the caller's own, e.g. in a temporary folder). Owner-only: it holds patient data."""
    outputs.write_output(path, data, force=True, keep=outputs.KeepSafe(), what=PDF)
