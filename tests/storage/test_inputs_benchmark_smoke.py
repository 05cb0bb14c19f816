"""The huge-input benchmark runs (figures are printed by the command, never asserted here)."""

from __future__ import annotations

import os

import pytest

from benchmarks import inputs


@pytest.mark.slow
def test_inputs_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    assert inputs.main(["--mb", "1"]) == 0
    out = capsys.readouterr().out
    assert "Refusing a 1 MB input" in out
    assert "note (timeline)" in out
    assert "protocol file (CLI)" in out
    assert "paste into a note box (UI)" in out
    assert out.count("ratio") >= 15
