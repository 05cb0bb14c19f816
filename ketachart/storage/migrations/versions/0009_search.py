"""Patient search through indexes: the names folded for case and accents (the order search
lists patients in), each patient's search keys (folded name words and MRN, found by prefix),
and an index on the date of birth. Search no longer reads every patient. An index on the
audit trail's target finds a session's newest alarm mute (read each time a chart opens)
without reading the whole trail.

Existing patients are folded and keyed with the same functions registration uses
(domain.search_keys). The folded columns and keys are a search aid derived from the details,
not details: patient_versions and their hashes do not include them.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ketachart.domain.search_keys import fold, search_keys

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

KEYS = "patient_search_keys"
FOLDED_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    # SQLite adds a NOT NULL column only with a default, and cannot drop it without copying
    # the patients table (which the rows pointing at it forbid); registration always fills it
    for column in ("family_fold", "given_fold"):
        op.add_column("patients", sa.Column(column, FOLDED_TEXT, nullable=False, server_default=""))
    keys = _create_keys_table()
    _fold_existing_patients(keys)
    if op.get_bind().dialect.name == "postgresql":
        for column in ("family_fold", "given_fold"):
            op.alter_column("patients", column, server_default=None)
    op.create_index("ix_patients_name_fold", "patients", ["family_fold", "given_fold", "id"])
    op.create_index("ix_patients_date_of_birth", "patients", ["date_of_birth"])
    op.create_index("ix_audit_entries_target", "audit_entries", ["target_type", "target_id", "seq"])


def _create_keys_table() -> sa.Table:
    table = op.create_table(
        KEYS,
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", FOLDED_TEXT, nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_patient_search_keys_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("patient_id", "position", name=op.f("pk_patient_search_keys")),
    )
    op.create_index("ix_patient_search_keys_key", KEYS, ["key", "patient_id"])
    return table


def _fold_existing_patients(keys: sa.Table) -> None:
    """Every patient already registered, folded and keyed from its row as it stands."""
    patients = sa.table(
        "patients",
        sa.column("id", sa.Integer()),
        sa.column("mrn", sa.String()),
        sa.column("family_name", sa.String()),
        sa.column("given_name", sa.String()),
        sa.column("family_fold", sa.Text()),
        sa.column("given_fold", sa.Text()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(patients).order_by(patients.c.id)).all()
    if not rows:
        return
    folded = [
        {"row_id": r.id, "family": fold(r.family_name), "given": fold(r.given_name)} for r in rows
    ]
    connection.execute(
        patients.update()
        .where(patients.c.id == sa.bindparam("row_id"))
        .values(family_fold=sa.bindparam("family"), given_fold=sa.bindparam("given")),
        folded,
    )
    op.bulk_insert(
        keys,
        [
            {"patient_id": r.id, "position": position, "key": key}
            for r in rows
            for position, key in enumerate(search_keys(r.mrn, r.family_name, r.given_name))
        ],
    )


def downgrade() -> None:
    """Drops the search aid: older code searches the details themselves."""
    op.drop_index("ix_audit_entries_target", "audit_entries")
    op.drop_index("ix_patients_date_of_birth", "patients")
    op.drop_index("ix_patients_name_fold", "patients")
    op.drop_index("ix_patient_search_keys_key", KEYS)
    op.drop_table(KEYS)
    for column in ("given_fold", "family_fold"):  # in place: no copy of the patients table
        op.drop_column("patients", column)
