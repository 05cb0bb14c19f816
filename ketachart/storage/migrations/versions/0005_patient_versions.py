"""Patient details change only by appending a version: an append-only, hash-chained table of
every version of each patient's details, so a signed session's summary prints the details as
they were when it was signed, and a patients row rewritten in SQL is found by `verify`.

Each existing patient gets version 1 from its current row (recorded at its last update, by no
one: who typed it was never kept).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ketachart.domain.events import GENESIS_HASH
from ketachart.domain.patient_versions import DETAIL_COLUMNS, PatientVersionContent
from ketachart.models.base import UTCDateTime
from ketachart.storage import dialect

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLE = "patient_versions"
FIRST_VERSION_REASON = "details as stored when patient history began"


def upgrade() -> None:
    versions = _create_table()
    _version_existing_patients(versions)
    for statement in dialect.append_only_ddl(op.get_bind().dialect.name, TABLE):
        op.execute(statement)


def _create_table() -> sa.Table:
    return op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("mrn", sa.String(40), nullable=False),
        sa.Column("family_name", sa.String(120), nullable=False),
        sa.Column("given_name", sa.String(120), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(16), nullable=False),
        sa.Column("allergies", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("no_known_allergies_at", UTCDateTime(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_patient_versions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_patient_versions_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_versions")),
        sa.UniqueConstraint("hash", name=op.f("uq_patient_versions_hash")),
        sa.UniqueConstraint("patient_id", "version", name=op.f("uq_patient_versions_patient_id")),
    )


def _version_existing_patients(versions: sa.Table) -> None:
    """Version 1 of every patient already registered: its row as it stands."""
    patients = sa.table(
        "patients",
        sa.column("id", sa.Integer()),
        sa.column("mrn", sa.String()),
        sa.column("family_name", sa.String()),
        sa.column("given_name", sa.String()),
        sa.column("date_of_birth", sa.Date()),
        sa.column("sex", sa.String()),
        sa.column("allergies", sa.Text()),
        sa.column("notes", sa.Text()),
        sa.column("no_known_allergies_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
    )
    rows = op.get_bind().execute(sa.select(patients).order_by(patients.c.id)).all()
    if rows:
        op.bulk_insert(versions, [_first_version(row) for row in rows])


def _first_version(row: sa.Row[tuple[object, ...]]) -> dict[str, object]:
    content = PatientVersionContent(
        patient_id=row.id,
        version=1,
        **{column: getattr(row, column) for column in DETAIL_COLUMNS},
        recorded_at=row.updated_at,
        recorded_by=None,
        reason=FIRST_VERSION_REASON,
    )
    return {
        **vars(content),
        "prev_hash": GENESIS_HASH,
        "hash": content.compute_hash(GENESIS_HASH),
    }


def downgrade() -> None:
    """Drops the kept versions: older code keeps only the current row (the earlier details
    of an edited patient are lost, as they were before this revision)."""
    for statement in dialect.drop_append_only_ddl(op.get_bind().dialect.name, TABLE):
        op.execute(statement)
    op.drop_table(TABLE)
