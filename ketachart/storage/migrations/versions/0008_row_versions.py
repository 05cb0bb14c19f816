"""Protocols and settings change only by appending a version: an append-only, hash-chained
table of every version of each protocol version's and setting's row, one chain per protocol
code and per setting key (heads in chain_heads), so nothing is overwritten and a row changed
in SQL is found by `verify`. Sessions keep the digest of their protocol version's content,
which their genesis hash covers from now on.

Each existing protocol version and setting gets its first version from its row as it stands
(by no one: recorded when versions began). Sessions opened before keep no digest, and so
their hashes.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from ketachart.domain.codec import canonical_json
from ketachart.domain.events import GENESIS_HASH
from ketachart.domain.row_versions import (
    PROTOCOL_CHAIN,
    SETTING_CHAIN,
    RowVersionContent,
    protocol_chain,
    protocol_content,
    setting_chain,
    setting_content,
)
from ketachart.models.base import UTCDateTime
from ketachart.storage import dialect

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLE = "row_versions"
PROTOCOL_VERSIONS = sa.table(
    "protocol_versions",
    sa.column("code", sa.String()),
    sa.column("version", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("active", sa.Boolean()),
    sa.column("spec_json", sa.Text()),
    sa.column("created_at", UTCDateTime()),
    sa.column("created_by", sa.Integer()),
)
SETTINGS = sa.table("settings", sa.column("key", sa.String()), sa.column("value", sa.Text()))
CHAIN_HEADS = sa.table(
    "chain_heads",
    sa.column("chain", sa.String()),
    sa.column("seq", sa.Integer()),
    sa.column("hash", sa.String()),
)


def upgrade() -> None:
    versions = _create_table()
    _version_existing_rows(versions)
    for statement in dialect.append_only_ddl(op.get_bind().dialect.name, TABLE):
        op.execute(statement)
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("sessions")}
    if "protocol_digest" not in columns:  # kept by a downgrade (see there)
        op.add_column("sessions", sa.Column("protocol_digest", sa.String(64), nullable=True))


def _create_table() -> sa.Table:
    return op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_row_versions_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_row_versions")),
        sa.UniqueConstraint("hash", name=op.f("uq_row_versions_hash")),
        sa.UniqueConstraint("chain", "version", name=op.f("uq_row_versions_chain")),
    )


def _version_existing_rows(versions: sa.Table) -> None:
    """Each protocol code's versions in order, then each setting, as their chains' entries."""
    connection = op.get_bind()
    chains: dict[str, list[tuple[dict[str, Any], datetime]]] = {}
    protocols = sa.select(PROTOCOL_VERSIONS).order_by(
        PROTOCOL_VERSIONS.c.code, PROTOCOL_VERSIONS.c.version
    )
    for row in connection.execute(protocols):
        entry = (protocol_content(row), row.created_at)
        chains.setdefault(protocol_chain(row.code), []).append(entry)
    now = datetime.now(UTC)  # a setting's row keeps no time
    for key, value in connection.execute(sa.select(SETTINGS).order_by(SETTINGS.c.key)):
        chains[setting_chain(key)] = [(setting_content(key, value), now)]
    rows: list[dict[str, Any]] = []
    heads: list[dict[str, Any]] = []
    for chain, entries in chains.items():
        prev_hash = GENESIS_HASH
        for number, (content, at) in enumerate(entries, start=1):
            version = RowVersionContent(chain, number, canonical_json(content), at, None)
            digest = version.compute_hash(prev_hash)
            rows.append({**vars(version), "prev_hash": prev_hash, "hash": digest})
            prev_hash = digest
        heads.append({"chain": chain, "seq": len(entries), "hash": prev_hash})
    if rows:
        op.bulk_insert(versions, rows)
        op.bulk_insert(CHAIN_HEADS, heads)


def downgrade() -> None:
    """Drops the kept versions and their heads: older code keeps only the current rows (a
    setting's earlier values are lost, as they were before this revision). Keeps the
    sessions' protocol digests: the genesis of each session opened since covers its digest,
    so dropping them would break those chains for good (older code ignores the column and
    reports those sessions' records as changed; upgrading again checks them once more)."""
    for statement in dialect.drop_append_only_ddl(op.get_bind().dialect.name, TABLE):
        op.execute(statement)
    op.drop_table(TABLE)
    ours = CHAIN_HEADS.c.chain.startswith(PROTOCOL_CHAIN) | CHAIN_HEADS.c.chain.startswith(
        SETTING_CHAIN
    )
    op.execute(CHAIN_HEADS.delete().where(ours))
