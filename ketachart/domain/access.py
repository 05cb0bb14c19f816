"""Who may do what. Nurses chart; physicians chart, override and sign; admins manage
users and protocols, verify, back up and restore, but do not chart or read charts."""

from __future__ import annotations

from enum import StrEnum

from ketachart.domain.vocab import Role
from ketachart.errors import PermissionDenied


class Action(StrEnum):
    CHART = "chart"
    VIEW_CHART = "view_chart"
    MANAGE_PATIENTS = "manage_patients"
    OPEN_SESSION = "open_session"
    OVERRIDE = "override"
    ATTEST = "attest"
    SIGN = "sign"
    EXPORT = "export"
    MANAGE_USERS = "manage_users"
    MANAGE_PROTOCOLS = "manage_protocols"
    VIEW_AUDIT = "view_audit"
    BACKUP = "backup"


CLINICAL = frozenset({Role.NURSE, Role.PHYSICIAN})

ALLOWED: dict[Action, frozenset[Role]] = {
    Action.CHART: CLINICAL,
    Action.VIEW_CHART: CLINICAL,
    Action.MANAGE_PATIENTS: CLINICAL,
    Action.OPEN_SESSION: CLINICAL,
    Action.OVERRIDE: frozenset({Role.PHYSICIAN}),
    Action.ATTEST: CLINICAL,
    Action.SIGN: frozenset({Role.PHYSICIAN}),
    Action.EXPORT: CLINICAL,
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.MANAGE_PROTOCOLS: frozenset({Role.ADMIN}),
    Action.VIEW_AUDIT: frozenset({Role.ADMIN}),
    Action.BACKUP: frozenset({Role.ADMIN}),
}

ACTION_LABELS: dict[Action, str] = {
    Action.CHART: "chart",
    Action.VIEW_CHART: "view charts",
    Action.MANAGE_PATIENTS: "register or edit patients",
    Action.OPEN_SESSION: "open sessions",
    Action.OVERRIDE: "override a clinical rule",
    Action.ATTEST: "attest charting",
    Action.SIGN: "sign session summaries",
    Action.EXPORT: "export charts",
    Action.MANAGE_USERS: "manage user accounts",
    Action.MANAGE_PROTOCOLS: "edit protocols",
    Action.VIEW_AUDIT: "read the audit log",
    Action.BACKUP: "back up or restore the database",
}


def is_allowed(role: Role, action: Action) -> bool:
    return role in ALLOWED[action]


def require(role: Role, action: Action) -> None:
    """Raise PermissionDenied naming the action when `role` may not do it."""
    if not is_allowed(role, action):
        allowed = " or ".join(sorted(r.value for r in ALLOWED[action]))
        raise PermissionDenied(
            f"{_a(role.value).capitalize()} may not {ACTION_LABELS[action]}; "
            f"this needs {_a(allowed)}."
        )


def _a(noun: str) -> str:
    """The noun with its indefinite article ("a nurse", "an admin")."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"
