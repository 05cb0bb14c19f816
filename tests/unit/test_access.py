"""Roles x actions: nurses chart, physicians sign and override, admins run the clinic."""

from __future__ import annotations

import pytest

from ketachart.domain.access import ACTION_LABELS, Action, is_allowed, require
from ketachart.domain.vocab import Role
from ketachart.errors import KetachartError, PermissionDenied

N, P, A = Role.NURSE, Role.PHYSICIAN, Role.ADMIN

# The table, written out by hand (not read back from access.ALLOWED).
TABLE: dict[Action, set[Role]] = {
    Action.CHART: {N, P},
    Action.VIEW_CHART: {N, P},
    Action.MANAGE_PATIENTS: {N, P},
    Action.OPEN_SESSION: {N, P},
    Action.OVERRIDE: {P},
    Action.ATTEST: {N, P},
    Action.SIGN: {P},
    Action.EXPORT: {N, P},
    Action.MANAGE_USERS: {A},
    Action.MANAGE_PROTOCOLS: {A},
    Action.VIEW_AUDIT: {A},
    Action.BACKUP: {A},
}

CELLS = [(role, action, role in TABLE[action]) for action in Action for role in Role]


def test_the_table_covers_every_action() -> None:
    assert set(TABLE) == set(Action)
    assert set(ACTION_LABELS) == set(Action)


@pytest.mark.parametrize(
    ("role", "action", "allowed"), CELLS, ids=[f"{r.value}-{a.value}" for r, a, _ in CELLS]
)
def test_role_action(role: Role, action: Action, allowed: bool) -> None:
    assert is_allowed(role, action) is allowed
    if allowed:
        require(role, action)
    else:
        with pytest.raises(PermissionDenied) as raised:
            require(role, action)
        assert ACTION_LABELS[action] in raised.value.message
        assert role.value in raised.value.message


@pytest.mark.parametrize(
    ("role", "action", "message"),
    [
        (N, Action.SIGN, "A nurse may not sign session summaries; this needs a physician."),
        (N, Action.OVERRIDE, "A nurse may not override a clinical rule; this needs a physician."),
        (N, Action.MANAGE_USERS, "A nurse may not manage user accounts; this needs an admin."),
        (P, Action.MANAGE_PROTOCOLS, "A physician may not edit protocols; this needs an admin."),
        (A, Action.CHART, "An admin may not chart; this needs a nurse or physician."),
        (A, Action.VIEW_CHART, "An admin may not view charts; this needs a nurse or physician."),
    ],
)
def test_refusal_messages_name_the_action(role: Role, action: Action, message: str) -> None:
    with pytest.raises(PermissionDenied) as raised:
        require(role, action)
    assert str(raised.value) == raised.value.message == message
    assert isinstance(raised.value, KetachartError)


def test_nurse_charts_but_cannot_sign_or_manage_users() -> None:
    assert is_allowed(N, Action.CHART)
    assert not is_allowed(N, Action.SIGN)
    assert not is_allowed(N, Action.MANAGE_USERS)


def test_physician_signs_and_overrides() -> None:
    assert is_allowed(P, Action.SIGN)
    assert is_allowed(P, Action.OVERRIDE)
    assert is_allowed(P, Action.CHART)


def test_admin_manages_but_cannot_chart_or_read_charts() -> None:
    assert is_allowed(A, Action.MANAGE_USERS)
    assert is_allowed(A, Action.MANAGE_PROTOCOLS)
    assert not is_allowed(A, Action.CHART)
    assert not is_allowed(A, Action.VIEW_CHART)
    assert not is_allowed(A, Action.EXPORT)
