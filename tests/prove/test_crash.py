"""Crash at reduced strength: 200 SIGKILLs of a charting child process (prove.crash)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from prove import crash


@pytest.mark.slow
def test_nothing_acknowledged_is_lost_after_200_kills() -> None:
    tally = crash.crash_test(200)
    for figure in tally.figures():
        assert figure.ok, (figure.line(), tally.problems[:5])
    assert tally.kills == tally.survived == 200
    assert tally.acknowledged > 1000, "the children charted too little to prove anything"


def test_a_child_that_dies_by_itself_is_reported(tmp_path: Path) -> None:
    tally = crash.Tally()
    missing = f"sqlite:///{tmp_path}/no-such-folder/clinic.sqlite"
    zygote = crash.Zygote(tmp_path / "children.err")
    try:
        crash.kill_round(zygote, missing, 1, random.Random(1), tally)
    finally:
        zygote.close()
    assert tally.survived == 0
    assert any("exited by itself" in problem for problem in tally.problems)
