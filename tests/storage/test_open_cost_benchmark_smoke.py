"""The open-cost benchmark runs end to end (figures are printed, never asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import open_cost


@pytest.mark.slow
def test_open_cost_benchmark_prints_its_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert open_cost.main(["--quick", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "open_database        small" in out
    assert "ratio large/small" in out
    assert "baseline (bare sqlite3 connect + schema read)" in out
    assert "former open check (PRAGMA quick_check, whole file)" in out
    assert "full PRAGMA integrity_check of the large file" in out
    assert list(tmp_path.iterdir()) == []
