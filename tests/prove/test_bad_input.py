"""Bad input at reduced strength: every validator and the session lifecycle (prove.bad_input)."""

from __future__ import annotations

import pytest

from prove import bad_input


@pytest.mark.slow
def test_bad_input_figures_are_at_target() -> None:
    figures = bad_input.run(full=False)
    for figure in figures:
        assert figure.ok, figure.line()
    assert figures[0].tried > 1000
