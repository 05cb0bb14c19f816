"""Staff accounts: a temporary password that must be changed at the next sign-in, when each
account last signed in (for the admin's staff list), and when its password was last set.

Existing accounts keep their password and are not forced to change it: an account whose
password no longer meets the policy is asked for a new one when it next changes it.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ketachart.models.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Plain ALTER TABLE ... ADD COLUMN, not a batch copy of the table (see downgrade)."""
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("users", sa.Column("last_sign_in_at", UTCDateTime(), nullable=True))
    op.add_column("users", sa.Column("password_changed_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    """Drops the flags and times: older code signs in with the password alone. Plain ALTER
    TABLE ... DROP COLUMN (SQLite 3.35+), not a batch copy: the users table is referenced by
    every entry's author, and SQLite refuses to drop it for the copy."""
    for column in ("password_changed_at", "last_sign_in_at", "must_change_password"):
        op.drop_column("users", column)
