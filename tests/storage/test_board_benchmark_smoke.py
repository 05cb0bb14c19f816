"""The board benchmark runs (figures are printed by the command, never asserted here)."""

from __future__ import annotations

import pytest

from benchmarks import board


def test_board_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert board.main(["--sessions", "7", "--repeat", "2"]) == 0
    out = capsys.readouterr().out
    assert "Today's board on SQLite: a busy day (7 sessions, 7 yesterday)" in out
    for line in ("first (cold, 1 run)", "nothing changed", "one session changed"):
        assert line in out


def test_a_smaller_day_keeps_the_stages_shares() -> None:
    assert [count for count, _ in board.todays_groups(70)] == [20, 10, 25, 15]
    assert sum(count for count, _ in board.todays_groups(7)) == 7
