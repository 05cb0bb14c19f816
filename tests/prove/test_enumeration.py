"""Enumeration at reduced strength: sign-in answers for unknown, existing, disabled and
locked names cannot be told apart by message or time (prove.enumeration)."""

from __future__ import annotations

import pytest

from prove import access, enumeration
from prove.enumeration import UNKNOWN, Probe, distinguishable


@pytest.mark.slow
@pytest.mark.usefixtures("production_hashes")
def test_enumeration_figure_is_at_target() -> None:
    (figure,) = enumeration.run(full=False)
    assert figure.ok, figure.line()
    kinds = 6
    engines = len(access.engine_names())
    assert figure.tried == kinds * enumeration.ROUNDS_REDUCED * engines


def test_a_different_message_is_distinguishable() -> None:
    found = [Probe(UNKNOWN, "No.", 0.5), Probe("locked", "Locked.", 0.5)]
    assert distinguishable(found) == [found[1]]


def test_a_fast_answer_for_an_unknown_name_is_distinguishable() -> None:
    """The old behaviour: 8 ms for an unknown name, 600 ms for a real one."""
    found = [Probe(UNKNOWN, "No.", 0.008)] * 3 + [Probe("existing", "No.", 0.6)] * 3
    assert len(distinguishable(found)) == 3


def test_noise_within_the_tolerance_is_not_distinguishable() -> None:
    found = [Probe(UNKNOWN, "No.", s) for s in (0.50, 0.55, 0.52)]
    found += [Probe("existing", "No.", s) for s in (0.53, 0.49, 0.56)]
    assert distinguishable(found) == []
