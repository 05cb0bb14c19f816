"""Concurrent workstations at CI strength (prove.concurrency), on one SQLite file and on the
PostgreSQL server: nothing acknowledged is missing, no error reaches a user, chains verify,
and two nurses correcting one entry at once never both win."""

from __future__ import annotations

import pytest

from prove import concurrency

STRENGTH = concurrency.Strength(workers=4, actions=30, rounds=20)


@pytest.mark.slow
def test_concurrent_workstations_figures_are_at_target(database_url: str) -> None:
    outcome = concurrency.prove_engine(database_url, STRENGTH)
    figures = outcome.figures()
    for figure in figures:
        assert figure.ok, figure.line()
    assert outcome.acknowledged == STRENGTH.workers * STRENGTH.actions + STRENGTH.rounds
    assert all(sorted(pair) == ["conflict", "saved"] for pair in outcome.rounds)
    assert len(outcome.rounds) == STRENGTH.rounds
