"""The PDF benchmark still runs end to end (figures are printed, never asserted)."""

from __future__ import annotations

import pytest

from benchmarks import pdf


@pytest.mark.slow
def test_quick_pdf_benchmark_prints_both_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    assert pdf.main(["--quick"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("PDF export vs a bare reportlab table")
    assert [line.split()[0] for line in lines[1:]] == ["typical", "long"]
    assert all("x to Helvetica" in line for line in lines[1:])
