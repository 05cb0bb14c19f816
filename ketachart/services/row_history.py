"""Protocols and settings as chains of versions: appending one in the same transaction as the
row it records, and reading them back for `verify`.

A protocol_versions row and a settings row stay the current view (protocol lists, the clinic's
name and MRN rule read them); every write of one also appends its full content here, with the
old versions kept. The heads live in chain_heads like every other chain's, so this
workstation's anchors (storage.anchors) record them too."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from ketachart.domain.codec import canonical_json
from ketachart.domain.row_versions import (
    ProtocolColumns,
    RowVersionContent,
    protocol_chain,
    protocol_content,
    protocol_row_label,
    setting_chain,
    setting_content,
    setting_row_label,
)
from ketachart.models import AuditEntry, ProtocolVersion, RowVersion, Setting
from ketachart.services.actors import Actor
from ketachart.services.chains import content_digest, next_link, store_head
from ketachart.storage.database import Tx

AUDIT_MARK = "row_version"
"""How an audit entry names a version it wrote: a line 'row_version NUMBER HASH CHAIN' (no
patient data, no setting's value), so that a chain rewritten consistently, every hash and
its head recomputed, still disagrees with the audit trail (checked by verify)."""


def _append(tx: Tx, actor: Actor | None, chain: str, content: dict[str, Any]) -> str:
    """Append `content` as the next version of `chain`; returns the audit line naming it."""
    version, prev_hash = next_link(tx, chain)
    row = RowVersionContent(
        chain=chain,
        version=version,
        content=canonical_json(content),
        recorded_at=tx.now,
        recorded_by=actor.id if actor else None,
    )
    digest = row.compute_hash(prev_hash)
    tx.orm.connection().execute(
        insert(RowVersion), dict(vars(row), prev_hash=prev_hash, hash=digest)
    )
    store_head(tx, chain, version, digest)
    return f"{AUDIT_MARK} {version} {digest} {chain}"


def record_protocol(tx: Tx, actor: Actor | None, row: ProtocolVersion) -> str:
    """Append a protocol version's row (just written) to its code's chain; returns the line
    its audit entry carries. (Rows are never changed today: the table is append-only.)"""
    return _append(tx, actor, protocol_chain(row.code), protocol_content(row))


def store_settings(tx: Tx, actor: Actor | None, values: dict[str, str]) -> str:
    """Set each setting, appending its new value to its chain; an unchanged value is left
    as it is (nothing to keep). Returns the audit detail naming the versions appended."""
    lines = []
    for key, value in values.items():
        setting = tx.orm.get(Setting, key)
        if setting is not None and setting.value == value:
            continue
        if setting is None:
            tx.orm.add(Setting(key=key, value=value))
        else:
            setting.value = value
        lines.append(_append(tx, actor, setting_chain(key), setting_content(key, value)))
    return "\n".join(lines)


def protocol_digest(row: ProtocolColumns) -> str:
    """What a session's genesis covers of its protocol version: its clinical content (not
    whether it is offered for new sessions)."""
    return content_digest(
        {"code": row.code, "version": row.version, "name": row.name, "spec_json": row.spec_json}
    )


def all_row_versions(tx: Tx) -> dict[str, list[RowVersion]]:
    """Every row chain's versions in order, in one query (for `verify`)."""
    found: dict[str, list[RowVersion]] = {}
    statement = select(RowVersion).order_by(RowVersion.chain, RowVersion.version)
    for row in tx.orm.scalars(statement):
        found.setdefault(row.chain, []).append(row)
    return found


def audited_row_versions(tx: Tx) -> dict[str, dict[str, str]]:
    """Chain -> version number (as text) -> hash, as the audit entries name them."""
    found: dict[str, dict[str, str]] = {}
    details = tx.orm.scalars(
        select(AuditEntry.detail).where(AuditEntry.detail.contains(f"{AUDIT_MARK} "))
    )
    for detail in details:
        for line in detail.splitlines():
            parts = line.split(" ", 3)
            if len(parts) == 4 and parts[0] == AUDIT_MARK:
                found.setdefault(parts[3], {})[parts[1]] = parts[2]
    return found


def current_rows(tx: Tx) -> dict[str, str]:
    """Each protocol version's and setting's row as it stands, by row label (as
    domain.row_versions.row_label names it), as canonical JSON."""
    rows = {
        protocol_row_label(p.code, p.version): canonical_json(protocol_content(p))
        for p in tx.orm.scalars(select(ProtocolVersion))
    }
    for s in tx.orm.scalars(select(Setting)):
        rows[setting_row_label(s.key)] = canonical_json(setting_content(s.key, s.value))
    return rows
