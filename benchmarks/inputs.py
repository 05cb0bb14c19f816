"""How fast a huge typed input is refused, printed, never asserted: `python -m benchmarks.inputs`.

Issue 13: a 100 MB note took 9-13 s to refuse, because the validator scanned every character
before it checked the length. Each line times the refusal of a huge input (100 MB by default)
for one kind of field, as a ratio to validating a normal note (300 characters) in the same run:
a ratio near 1 means the huge input costs no more than a normal one. For reference, the full
character scan the old order ran first is timed on a tenth of the input (--no-scan skips it),
and a paste into the capped dialog fields is timed (--no-ui skips it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from ketachart.cli.protocol_commands import read_protocol_file
from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.checks import refused_character
from ketachart.domain.events import validate_payload
from ketachart.domain.identifiers import mrn_rule
from ketachart.domain.passwords import password_problems
from ketachart.domain.vocab import Severity, SideEffectKind
from ketachart.errors import ValidationError
from ketachart.services.clinic import check_clinic_info
from ketachart.services.clinic_info import ClinicInfo
from ketachart.services.patients import PatientDetails
from ketachart.services.users import check_new_user

NORMAL_NOTE = ("Patient calm, talking with the escort; no nausea. " * 6)[:300]
PATIENT = PatientDetails("MRN-0001", "Okafor", "Ada", date(1980, 1, 2), "female")
TODAY = date(2026, 3, 10)
REPEAT = 7


def timed(action: Callable[[], object], repeat: int = REPEAT) -> float:
    """The median time of `action`, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def refused(check: Callable[[], object]) -> Callable[[], None]:
    """`check`, which must refuse its input (a benchmark of an accepted input is no proof)."""

    def run() -> None:
        try:
            result = check()
        except ValidationError:
            return
        if not result:
            raise AssertionError("the huge input was accepted")

    return run


def core_cases(huge: str, folder: Path) -> list[tuple[str, Callable[[], None]]]:
    """Each kind of free-text field, given the huge input."""
    protocol_file = folder / "protocol.json"
    protocol_file.write_text(" " * len(huge) + "{}", encoding="utf-8")
    return [
        ("note (timeline)", refused(lambda: validate_payload(p.Note(huge)))),
        ("addendum", refused(lambda: validate_payload(p.Addendum(huge)))),
        ("reason (pause)", refused(lambda: validate_payload(p.Pause(huge)))),
        (
            "description (side effect)",
            refused(
                lambda: validate_payload(p.SideEffect(SideEffectKind.OTHER, Severity.MILD, huge))
            ),
        ),
        (
            "patient notes (NFC + check)",
            refused(lambda: replace(PATIENT, notes=huge).normalised().check(TODAY)),
        ),
        (
            "patient name (NFC + check)",
            refused(lambda: replace(PATIENT, family_name=huge).normalised().check(TODAY)),
        ),
        ("MRN", refused(lambda: replace(PATIENT, mrn=huge).normalised().check(TODAY))),
        (
            "escort phone",
            refused(lambda: validate_payload(p.RideConfirmed("Jo", "spouse", huge, "Ann"))),
        ),
        ("staff full name", refused(lambda: check_new_user("anurse", huge, "long pass phrase"))),
        (
            "password",
            refused(
                lambda: password_problems(huge, username="a", display_name="b", clinic_name="c")
            ),
        ),
        ("clinic address", refused(lambda: check_clinic_info(ClinicInfo("Clinic", huge)))),
        ("MRN pattern", refused(lambda: mrn_rule(huge, "digits"))),
        ("protocol file (CLI)", refused(lambda: read_protocol_file(protocol_file))),
    ]


def ui_cases(huge: str) -> list[tuple[str, Callable[[], None]]]:
    """A paste of the huge input into the capped dialog fields (Qt offscreen)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

    from ketachart.ui.widgets import line_edit, multiline_edit

    app = QApplication.instance() or QApplication([])
    QGuiApplication.clipboard().setText(huge)
    keep: list[object] = [app]

    def in_form(edit: QWidget) -> None:
        """In a layout, as in a dialog (the notice goes under the field)."""
        form = QWidget()
        QVBoxLayout(form).addWidget(edit)
        keep.append(form)

    def paste_note() -> None:
        edit = multiline_edit("Note", max_len=limits.NOTE)
        in_form(edit)
        edit.paste()
        assert edit.length() == limits.NOTE

    def paste_reason() -> None:
        edit = line_edit("Reason", max_len=limits.REASON)
        in_form(edit)
        edit.paste()
        assert len(edit.text()) == limits.REASON

    return [("paste into a note box (UI)", paste_note), ("paste into a reason (UI)", paste_reason)]


def uncapped_paste(huge: str) -> float:
    """For reference: the same paste into a plain QPlainTextEdit (what the dialogs had), once."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QPlainTextEdit

    QGuiApplication.clipboard().setText(huge)
    edit = QPlainTextEdit()
    start = time.perf_counter()
    edit.paste()
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inputs")
    parser.add_argument("--mb", type=int, default=100, help="size of the huge input (MB)")
    parser.add_argument("--no-scan", action="store_true", help="skip the old full scan")
    parser.add_argument("--no-ui", action="store_true", help="skip the Qt paste figures")
    args = parser.parse_args(argv)
    huge = "é" * (args.mb * 1_000_000 - 1) + "\x00"
    baseline = timed(lambda: validate_payload(p.Note(NORMAL_NOTE)), 201)
    print(f"Refusing a {args.mb} MB input, vs validating a 300-character note in the same run")
    print(f"  baseline: a normal note validates in {baseline * 1e6:.1f} µs")
    with tempfile.TemporaryDirectory() as folder:
        cases = core_cases(huge, Path(folder))
        if not args.no_ui:
            cases += ui_cases(huge)
        for name, action in cases:
            seconds = timed(action)
            print(f"  {name:<30} {seconds * 1e3:9.3f} ms   ratio {seconds / baseline:8.1f}")
    if not args.no_ui:
        hundredth = huge[: len(huge) // 100]
        seconds = uncapped_paste(hundredth)
        print(
            f"  for reference, a paste into an uncapped text box, of {args.mb / 100:g} MB: "
            f"{seconds:.2f} s (ratio {seconds / baseline:,.0f})"
        )
    if not args.no_scan:
        tenth = huge[: len(huge) // 10]
        seconds = timed(lambda: refused_character(tenth, multiline=True), 1)
        print(
            f"  for reference, the full scan the old order ran first, on {args.mb / 10:g} MB: "
            f"{seconds:.2f} s (ratio {seconds / baseline:,.0f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
