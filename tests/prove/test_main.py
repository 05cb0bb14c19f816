"""`python -m prove`: one table of the areas asked for, and an exit status that says whether
every figure is at its target."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from prove.__main__ import AREAS, main


def test_named_areas_are_run_alone_and_their_figures_printed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the warnings file goes to this test's own temporary folder, not the machine's shared
    # one, where a suite run at the same time on the same machine writes it too
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert main(["times"]) == 0
    assert (tmp_path / "ketachart-prove-warnings.log").exists()
    out = capsys.readouterr().out
    assert "| area | figures | target met |" in out
    assert "| time " in out
    assert "| crash" not in out
    assert "0 not at target" in out.splitlines()[-2]
    assert "ketachart-prove-warnings.log" in out.splitlines()[-1]


def test_an_unknown_area_is_refused_with_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crashes"]) == 2
    out = capsys.readouterr().out
    assert "unknown area(s): crashes" in out
    assert all(area in out for area in AREAS)
