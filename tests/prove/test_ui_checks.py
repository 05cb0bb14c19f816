"""UI checks (prove.ui_checks, for the dialogs and time areas) count what their pytest run
did, failures included."""

from __future__ import annotations

from pathlib import Path

from prove import ui_checks

ONE_CASE = "tests/ui/test_dialogs_bad_input.py::test_decimal_places_are_checked"


def test_a_garbage_check_is_run_and_counted() -> None:
    assert ui_checks.marked_checks("garbage", (ONE_CASE,)) == (1, 0)


def test_failures_errors_and_skips_are_counted_as_such(tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    report.write_text(
        '<testsuites><testsuite tests="9" failures="2" errors="1" skipped="3"/></testsuites>'
    )
    assert ui_checks.junit_counts(report) == (6, 3)


def test_a_run_that_cannot_report_is_a_failure() -> None:
    assert ui_checks.marked_checks("garbage", ("tests/ui/no_such_file.py",)) == (0, 1)
