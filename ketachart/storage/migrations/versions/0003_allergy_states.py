"""Allergies as three states: listed, "no known allergies" recorded (with its time), and not
yet recorded. A new nullable column holds when "no known allergies" was recorded.

Existing patients with an empty allergy field become "not recorded": an empty field never
said that anyone asked, so the question is asked again at the next visit.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ketachart.models.base import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("no_known_allergies_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    """Drops the recorded times: older code reads every empty allergy field one way."""
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("no_known_allergies_at")
