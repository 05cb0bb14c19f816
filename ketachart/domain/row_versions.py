"""One version of a protocol version's or a setting's row, and the hash that chains it.

Protocols and settings change only by appending a version (services.row_history), so nothing
is overwritten and a row changed outside ketachart shows up in `verify`. Each protocol code and
each setting key has a chain of its own; a version holds the row's full content as canonical
JSON. The migration that brings existing rows under the chains uses the same content and
hash, so they live here, below storage and services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ketachart.domain.codec import format_instant
from ketachart.domain.events import chain_hash

PROTOCOL_CHAIN = "protocol:"
SETTING_CHAIN = "setting:"


def protocol_chain(code: str) -> str:
    return f"{PROTOCOL_CHAIN}{code}"


def setting_chain(key: str) -> str:
    return f"{SETTING_CHAIN}{key}"


def is_row_chain(chain: str) -> bool:
    return chain.startswith((PROTOCOL_CHAIN, SETTING_CHAIN))


def chain_label(chain: str) -> str:
    """A row chain as verify names it: 'protocol CODE' or 'setting KEY'."""
    if chain.startswith(PROTOCOL_CHAIN):
        return f"protocol {chain.removeprefix(PROTOCOL_CHAIN)}"
    return f"setting {chain.removeprefix(SETTING_CHAIN)}"


class ProtocolColumns(Protocol):
    """A protocol_versions row: the ORM object or a Core row, both read by attribute."""

    code: str
    version: int
    name: str
    active: bool
    spec_json: str
    created_at: datetime
    created_by: int | None


def protocol_content(row: ProtocolColumns) -> dict[str, Any]:
    """Everything a protocol version's row holds but its id (which the database assigns)."""
    return {
        "code": row.code,
        "version": row.version,
        "name": row.name,
        "active": bool(row.active),
        "spec_json": row.spec_json,
        "created_at": format_instant(row.created_at),
        "created_by": row.created_by,
    }


def setting_content(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": value}


def protocol_row_label(code: str, version: int) -> str:
    return f"protocol {code} v{version}"


def setting_row_label(key: str) -> str:
    return f"setting {key}"


def row_of(content: Any) -> tuple[str, str]:
    """Which chain a version's content belongs to, and which row it is of ('protocol CODE vN'
    or 'setting KEY'); ValueError for content no version of ketachart wrote."""
    if isinstance(content, dict):
        if {"code", "version"} <= content.keys():
            code = str(content["code"])
            return protocol_chain(code), protocol_row_label(code, content["version"])
        if "key" in content:
            key = str(content["key"])
            return setting_chain(key), setting_row_label(key)
    raise ValueError("not the content of a protocol version or a setting")


@dataclass(frozen=True)
class RowVersionContent:
    """What one version's hash covers: its chain and number, the row's content, who and when."""

    chain: str
    version: int
    content: str
    recorded_at: datetime
    recorded_by: int | None

    def compute_hash(self, prev_hash: str) -> str:
        return chain_hash(
            {
                "chain": self.chain,
                "version": self.version,
                "content": self.content,
                "recorded_at": format_instant(self.recorded_at),
                "recorded_by": self.recorded_by,
            },
            prev_hash,
        )
