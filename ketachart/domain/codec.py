"""Canonical JSON for payloads: exact decimals, UTC times, stable key order.

The bytes produced here are what the hash chain covers, so the encoding must be
deterministic: keys sorted, no whitespace, decimals as strings, times as ISO 8601 UTC.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import types
import typing
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")
OMIT_IF_NONE = "omit_if_none"
"""Field metadata: leave the field out of the plain form while it is None. A field added
later to a stored payload carries it, so older payloads keep their exact canonical JSON."""


def to_plain(value: object) -> Any:
    """Turn a payload (dataclasses, decimals, times, enums) into JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_plain(item)
            for f in dataclasses.fields(value)
            if (item := getattr(value, f.name)) is not None or not f.metadata.get(OMIT_IF_NONE)
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    return value


def canonical_json(value: object) -> str:
    """Deterministic JSON text of a payload or of plain data."""
    return json.dumps(to_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_decimal(value: Decimal) -> str:
    """A decimal as plain text without exponent, trailing zeros kept as given."""
    return format(value, "f")


def format_instant(value: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with microseconds."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not allowed in the chart")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def from_plain(cls: type[T], data: Any) -> T:
    """Build a payload dataclass back from JSON-ready values."""
    return typing.cast(T, _convert(cls, data))


def _convert(tp: Any, data: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return _convert_union(tp, data)
    if origin is tuple:
        (item_type, _ellipsis) = typing.get_args(tp)
        return tuple(_convert(item_type, item) for item in data)
    if origin is dict:
        key_type, value_type = typing.get_args(tp)
        return {_convert(key_type, k): _convert(value_type, v) for k, v in data.items()}
    return _convert_simple(tp, data)


def _convert_union(tp: Any, data: Any) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if data is None:
        return None
    return _convert(args[0], data)


@functools.cache
def _type_hints(tp: type) -> dict[str, Any]:
    """Resolved field types of a dataclass; cached, as resolving them is slow."""
    return typing.get_type_hints(tp)


def _convert_simple(tp: Any, data: Any) -> Any:
    if dataclasses.is_dataclass(tp):
        hints = _type_hints(typing.cast(type, tp))
        kwargs = {
            f.name: _convert(hints[f.name], data[f.name])
            for f in dataclasses.fields(tp)
            if f.name in data
        }
        return typing.cast(Any, tp)(**kwargs)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(data)
    if tp is Decimal:
        return Decimal(data)
    if tp is datetime:
        return parse_instant(data)
    if tp is date:
        return date.fromisoformat(data)
    return data
