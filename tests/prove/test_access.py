"""Access at reduced strength: every service call as every role, and the audit entries of
privilege changes and logins (prove.access)."""

from __future__ import annotations

import tempfile

import pytest

from ketachart.domain.access import ALLOWED, Action
from ketachart.domain.vocab import Role
from prove import access


@pytest.mark.slow
def test_access_figures_are_at_target() -> None:
    role_checks, audited = access.run(full=False)
    assert role_checks.ok, role_checks.line()
    assert audited.ok, audited.line()
    engines = len(access.engine_names())
    assert role_checks.tried == len(access.ALL_CALLS) * len(Role) * engines
    assert audited.tried == 11 * engines


def test_a_permission_hole_is_a_wrong_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness notices when a nurse may sign: the figure would not be at target."""
    monkeypatch.setitem(ALLOWED, Action.SIGN, frozenset(Role))
    with tempfile.TemporaryDirectory() as folder, access.clinic_on("sqlite", folder) as clinic:
        answers = access.answers_for("sqlite", clinic, Role.NURSE)
    wrong = {a.call for a in answers if a.wrong}
    assert wrong == {"sign session", "sign addendum"}
