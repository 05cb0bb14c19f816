"""Tampering at CI strength (prove.tamper): every tampering in SQL is flagged where it happened,
on SQLite and on PostgreSQL; an untampered copy verifies clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from prove import tamper
from prove.tamperings import BATTERY


@pytest.mark.slow
def test_every_tampering_is_flagged_where_it_happened(database_url: str, tmp_path: Path) -> None:
    results = tamper.battery_on(database_url, tmp_path)
    assert [r.name for r in results] == ["untampered", *(t.name for t in BATTERY)]
    baseline, *tampered = results
    assert baseline.problems == ()
    assert [(r.name, r.problems) for r in tampered if not r.flagged] == []
    for figure in tamper.figures(results):
        assert figure.ok, figure.line()


def test_the_battery_covers_what_the_design_names() -> None:
    names = {t.name for t in BATTERY}
    assert {
        "edit_payload",
        "edit_occurred_at",
        "edit_recorded_by",
        "delete_middle_event",
        "reorder_events",
        "delete_newest",
        "delete_newest_rewrite_head",
        "edit_audit_user",
        "delete_audit_entry",
        "reorder_audit",
        "truncate_audit",
        "edit_signature_hash",
        "edit_signed_rehash_it",
        "forge_event",
    } <= names
    assert len(names) == len(BATTERY) >= 30
