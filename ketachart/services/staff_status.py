"""An account's state in words, as the staff screen and the `users` commands show it."""

from __future__ import annotations

from ketachart.services.staff import StaffRow


def account_status(row: StaffRow) -> str:
    """The states that matter at the sign-in: disabled, locked, a temporary password still
    to change ("active" when none of them)."""
    if not row.active:
        return "disabled"
    states = ["locked" if row.locked else "active"]
    if row.must_change_password:
        states.append("must change password")
    return ", ".join(states)
