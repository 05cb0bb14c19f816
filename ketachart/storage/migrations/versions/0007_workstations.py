"""Each audit entry names the workstation that wrote it ("<id> <name>", storage.workstation),
so that a workstation whose clock is wrong can be named by `verify` and on screen, rather
than the correct workstations being blamed for it (services.clock_guard).

Existing entries get an empty value, which their hash leaves out: they keep their hashes.
Plain ALTER TABLE ... ADD COLUMN, not a batch copy of the table: the append-only triggers of
the audit trail stay as they are.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "audit_entries"


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("workstation", sa.String(80), nullable=False, server_default=""))


def downgrade() -> None:
    """Refused once entries name a workstation: their hashes include it, so older code
    would find every such entry changed. Plain DROP COLUMN (SQLite 3.35+) otherwise."""
    named = (
        op.get_bind()
        .execute(sa.text(f"SELECT count(*) FROM {TABLE} WHERE workstation <> ''"))
        .scalar()
    )
    if named:
        raise RuntimeError(
            f"{named} audit entries name the workstation that wrote them; going back to a "
            "version without workstations would break their hashes. Restore a backup made "
            "before the upgrade instead."
        )
    op.drop_column(TABLE, "workstation")
