"""Privileges at reduced strength (the same battery): as the application's role on the
PostgreSQL test server, no way around append-only is allowed (prove.privileges)."""

from __future__ import annotations

import pytest

from prove import privileges
from tests.postgres import ClinicUrls
from tests.storage.test_pg_privileges import BYPASSES


def test_privilege_figures_are_at_target(postgres_clinic: ClinicUrls) -> None:
    del postgres_clinic  # the server must be there (CI) or the test is skipped
    found = privileges.run(full=False)
    assert [f.line() for f in found if not f.ok] == []
    assert found[0].tried == len(BYPASSES) > 60


def test_the_owner_would_get_around_it(postgres_clinic: ClinicUrls) -> None:
    """The battery means something: the schema's owner is allowed most of it."""
    outcome = privileges.try_bypasses(postgres_clinic.owner)
    assert len(outcome.allowed) > len(BYPASSES) / 2
    assert any(line.startswith("events: drop the append-only trigger") for line in outcome.allowed)


def test_without_a_server_the_area_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KETACHART_TEST_POSTGRES_URL", raising=False)
    assert privileges.run(full=False) == []
    assert "PostgreSQL not tried" in capsys.readouterr().out
