"""Protocols: immutable versions; editing one saves the next version, and each version's row
is also appended to its code's chain (services.row_history)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from sqlalchemy import func, select

from ketachart.domain.access import Action
from ketachart.domain.checks import Checks
from ketachart.domain.codec import canonical_json, from_plain
from ketachart.domain.protocol import EXAMPLE_PROTOCOLS, ProtocolSpec
from ketachart.errors import NotFound
from ketachart.models import ProtocolVersion
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.services.row_history import protocol_digest, record_protocol
from ketachart.storage.database import Tx


@dataclass(frozen=True)
class ProtocolRow:
    id: int
    spec: ProtocolSpec
    active: bool
    digest: str
    """Of the version's content (row_history.protocol_digest): a session opened on it keeps
    it, under its genesis hash."""


def _row(version: ProtocolVersion) -> ProtocolRow:
    spec = from_plain(ProtocolSpec, json.loads(version.spec_json))
    return ProtocolRow(version.id, spec, version.active, protocol_digest(version))


class ProtocolCache:
    """Protocol versions already decoded, by id and stored text: one of a Database's typed
    caches (storage.caches). A version is never changed, and a row whose text differs from
    the one decoded (altered behind ketachart's back) is decoded anew: so is its digest."""

    def __init__(self) -> None:
        self._rows: dict[tuple[object, ...], ProtocolRow] = {}

    def decoded(self, version: ProtocolVersion) -> ProtocolRow:
        key = (version.id, version.spec_json, version.code, version.version, version.name)
        known = self._rows.get(key)
        if known is None:
            known = self._rows[key] = _row(version)
        return known


def check_spec(spec: ProtocolSpec) -> None:
    """Every problem with a protocol's values (ValidationError), before anything is saved."""
    checks = Checks()
    spec.check(checks)
    checks.done()


def save_protocol(
    tx: Tx, actor: Actor | None, spec: ProtocolSpec, *, active: bool = True
) -> ProtocolRow:
    """Store `spec` as the next version of its code. `actor` None only for shipped examples."""
    if actor is not None:
        actor.require(Action.MANAGE_PROTOCOLS)
    check_spec(spec)
    latest = tx.orm.scalar(
        select(func.max(ProtocolVersion.version)).where(ProtocolVersion.code == spec.code)
    )
    version = (latest or 0) + 1
    stored = replace(spec, version=version)
    row = ProtocolVersion(
        code=spec.code,
        version=version,
        name=spec.name,
        active=active,
        spec_json=canonical_json(stored),
        created_at=tx.now,
        created_by=actor.id if actor else None,
    )
    tx.orm.add(row)
    tx.orm.flush()
    recorded = record_protocol(tx, actor, row)
    if actor is not None:
        detail = f"{spec.code} v{version}\n{recorded}"
        audit(tx, actor, "protocol.save", "protocol", str(row.id), detail)
    return _row(row)


def install_example_protocols(tx: Tx) -> list[ProtocolRow]:
    """The shipped example protocols, once, for a new database."""
    if tx.orm.scalar(select(func.count()).select_from(ProtocolVersion)):
        return []
    return [save_protocol(tx, None, spec) for spec in EXAMPLE_PROTOCOLS]


def current_protocols(tx: Tx) -> list[ProtocolRow]:
    """The newest version of each protocol, active ones only."""
    newest = (
        select(ProtocolVersion.code, func.max(ProtocolVersion.version).label("v"))
        .group_by(ProtocolVersion.code)
        .subquery()
    )
    rows = tx.orm.scalars(
        select(ProtocolVersion)
        .join(
            newest,
            (ProtocolVersion.code == newest.c.code) & (ProtocolVersion.version == newest.c.v),
        )
        .where(ProtocolVersion.active.is_(True))
        .order_by(ProtocolVersion.name)
    )
    return [_row(r) for r in rows]


def get_protocol(tx: Tx, protocol_id: int) -> ProtocolRow:
    """A protocol version. Decoding is reused for the same stored text."""
    row = tx.orm.get(ProtocolVersion, protocol_id)
    if row is None:
        raise NotFound(f"No protocol with id {protocol_id}.")
    return tx.caches.of(ProtocolCache).decoded(row)
