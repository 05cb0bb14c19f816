"""Keys outside the database's reach: the clinic's signing key (its private key sealed under
the administrator's passphrase), each user's key pair (sealed under their password) and the
certificates the clinic key issues. All three tables are append-only.

A clinic upgraded from 0005 has no clinic key yet: `ketachart keys init` makes one and
certifies the existing accounts; until then, signing is refused with that instruction.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ketachart.models.base import UTCDateTime
from ketachart.storage import dialect

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("clinic_keys", "user_keys", "certificates", "vouched_entries")


def upgrade() -> None:
    _create_clinic_keys()
    _create_user_keys()
    _create_certificates()
    _create_vouched_entries()
    for table in TABLES:
        for statement in dialect.append_only_ddl(op.get_bind().dialect.name, table):
            op.execute(statement)


def _create_clinic_keys() -> None:
    op.create_table(
        "clinic_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("sealed_private_key", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_keys")),
        sa.UniqueConstraint("public_key", name=op.f("uq_clinic_keys_public_key")),
    )


def _create_user_keys() -> None:
    op.create_table(
        "user_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("sealed_private_key", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_keys_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_keys")),
    )
    op.create_index(op.f("ix_user_keys_user_id"), "user_keys", ["user_id"])


def _create_certificates() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("credentials", sa.String(40), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("clinic_key", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_certificates_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["users.id"], name=op.f("fk_certificates_issued_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("hash", name=op.f("uq_certificates_hash")),
        sa.UniqueConstraint("user_id", "version", name=op.f("uq_certificates_user_id")),
    )


def _create_vouched_entries() -> None:
    op.create_table(
        "vouched_entries",
        sa.Column("event_hash", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("clinic_key", sa.String(64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("event_hash", name=op.f("pk_vouched_entries")),
    )


def downgrade() -> None:
    """Drops the keys and certificates: older code signs with the password alone."""
    for table in reversed(TABLES):
        for statement in dialect.drop_append_only_ddl(op.get_bind().dialect.name, table):
            op.execute(statement)
        op.drop_table(table)
