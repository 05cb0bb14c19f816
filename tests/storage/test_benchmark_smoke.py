"""The benchmark command still runs end to end (figures are printed, never asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import core


@pytest.mark.slow
def test_quick_benchmark_prints_the_ratio_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert core.main(["--quick", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "ratio vitals / bare insert (median):" in out
    assert "prior events" in out
    assert "fill_demo" in out
    assert "sqlite, during sign-in + export: wait for the write lock" in out
    assert "saves that waited > 200 ms for the write lock during sign-in and export: sqlite" in out
    assert list(tmp_path.iterdir()) == []
