"""Export PDF… and Print… of one session, shared by the chart screen and the review screen.

Both build the same PDF through reports.export, which reads the chart, renders it with no
transaction open (a bedside save never waits for it) and then audits it. The save-file and
printer questions are attributes (`ask_save_path`, `ask_printer`), and so is the program that
talks to the printing system (`run`), so that tests answer them without modal dialogs.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from ketachart.errors import KetachartError
from ketachart.reports.export import (
    NO_PRINTING_SYSTEM,
    PrintFailed,
    Runner,
    export_session_pdf,
    print_session_pdf,
)
from ketachart.ui.notice import NoticeKind
from ketachart.ui.workstation import Workstation

log = logging.getLogger(__name__)
FOLDER_SETTING = "export/folder"
NO_PRINTER = (
    "No printer is set up on this computer. Nothing was printed: ask for a printer to be "
    "added in the system's printer settings, or export the PDF and print it from elsewhere."
)
UNEXPECTED = "Unexpected error: nothing was exported or printed. Details are in the log."

AskSavePath = Callable[[QWidget, str], str | None]
AskPrinter = Callable[[QWidget], str | None]


@dataclass(frozen=True)
class Outcome:
    """What to tell the user after an export or a print."""

    text: str
    ok: bool

    @property
    def kind(self) -> NoticeKind:
        """How the screen shows it: a success, or an error (nothing was saved or sent)."""
        return NoticeKind.SUCCESS if self.ok else NoticeKind.ERROR


def pdf_file_name(mrn: str, session_date: date) -> str:
    """'<MRN>-<date>-summary.pdf', with anything a file name should not hold made '_'."""
    safe = re.sub(r"[^\w.-]+", "_", mrn).strip("._") or "session"
    return f"{safe}-{session_date.isoformat()}-summary.pdf"


def ask_save_path(parent: QWidget, suggested: str) -> str | None:
    path, _filter = QFileDialog.getSaveFileName(
        parent, parent.tr("Export the session summary as PDF"), suggested, "PDF (*.pdf)"
    )
    return path or None


def ask_printer(parent: QWidget) -> str | None:
    """The CUPS printer chosen in the system's print dialog; None if cancelled. Raises
    PrintFailed when there is no printing system or no printer to choose."""
    if shutil.which("lp") is None:
        raise PrintFailed(NO_PRINTING_SYSTEM)
    if not QPrinterInfo.availablePrinterNames():
        raise PrintFailed(NO_PRINTER)
    printer = QPrinter()
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(parent.tr("Print the session summary"))
    option = QAbstractPrintDialog.PrintDialogOption
    for unsupported in (option.PrintToFile, option.PrintSelection, option.PrintPageRange):
        dialog.setOption(unsupported, False)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return printer.printerName() or None


class PdfActions:
    """Export and print for one screen (`parent` owns the questions)."""

    def __init__(self, ws: Workstation, parent: QWidget) -> None:
        self.ws, self.parent = ws, parent
        self.ask_save_path: AskSavePath = ask_save_path
        self.ask_printer: AskPrinter = ask_printer
        self.run: Runner = subprocess.run

    def suggested_path(self, mrn: str, session_date: date) -> Path:
        folder = str(self.ws.settings.value(FOLDER_SETTING, "") or "")
        if not folder or not Path(folder).is_dir():
            folder = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.DocumentsLocation
            ) or str(Path.home())
        return Path(folder) / pdf_file_name(mrn, session_date)

    def export(self, session_id: str, mrn: str, session_date: date) -> Outcome | None:
        """Ask where, write the PDF there; None if the user cancelled."""
        answer = self.ask_save_path(self.parent, str(self.suggested_path(mrn, session_date)))
        if not answer:
            return None
        path = Path(answer)
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        try:
            result = export_session_pdf(
                self.ws.db, self.ws.actor, session_id, path, force=True
            )  # the save dialog asked before replacing a file
        except KetachartError as error:
            return Outcome(f"Not exported: {error.message}", ok=False)
        except Exception:
            log.exception("unexpected error while exporting a PDF")
            return Outcome(UNEXPECTED, ok=False)
        self.ws.settings.setValue(FOLDER_SETTING, str(path.parent))
        draft = "" if result.signed else ", marked DRAFT — NOT SIGNED"
        saved = f"PDF saved ({result.pages} pages{draft}) to {result.path}"
        return Outcome(f"{saved}. {result.unprintable_note}" if result.unprintable else saved, True)

    def print(self, session_id: str) -> Outcome | None:
        """Ask which printer, send the PDF to it; None if the user cancelled."""
        try:
            printer = self.ask_printer(self.parent)
            if printer is None:
                return None
            result = print_session_pdf(self.ws.db, self.ws.actor, session_id, printer, self.run)
        except KetachartError as error:
            return Outcome(f"Not printed: {error.message}", ok=False)
        except Exception:
            log.exception("unexpected error while printing")
            return Outcome(UNEXPECTED, ok=False)
        draft = "" if result.signed else ", marked DRAFT — NOT SIGNED"
        return Outcome(f"Sent {result.pages} pages{draft} to the printer {result.printer}.", True)
