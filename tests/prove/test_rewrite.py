"""Consistent rewrites at CI strength (prove.rewrite): each rewrite, made with ketachart's own
hash functions so that every chain and head checks, is still reported where it happened, on
SQLite and on PostgreSQL, because no signature can be made again without a private key; an
untampered copy verifies clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from prove import rewrite
from prove.rewrites import REWRITES


@pytest.mark.slow
def test_every_consistent_rewrite_is_detected_where_it_happened(
    database_url: str, tmp_path: Path
) -> None:
    results = rewrite.battery_on(database_url, tmp_path)
    assert [r.name for r in results] == ["untampered", *(w.name for w in REWRITES)]
    baseline, *rewritten = results
    assert baseline.problems == ()
    assert [(r.name, r.problems) for r in rewritten if not r.detected] == []
    assert not any(p.where == "ERROR" for r in rewritten for p in r.problems)
    for figure in rewrite.figures(results):
        assert figure.ok, figure.line()


def test_the_rewrites_cover_what_the_issue_names() -> None:
    """Issue 13: rewrite a signed session, forge a signature, swap roles, password hashes
    and public keys, swap patient identities, edit protocol rows, forge times."""
    names = " ".join(w.name for w in REWRITES)
    for words in (
        "signed session rewritten",
        "signature forged",
        "role swapped",
        "password hash",
        "public key",
        "patients swapped",
        "protocol",
        "time",
    ):
        assert words in names, words
