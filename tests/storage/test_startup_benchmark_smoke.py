"""The screen benchmark runs (figures are printed by the command, never asserted here)."""

from __future__ import annotations

import os

import pytest

from benchmarks import startup


@pytest.mark.slow
def test_startup_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    assert startup.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "start to login window" in out
    assert "ratio" in out
    assert "open chart, 60 events" in out
