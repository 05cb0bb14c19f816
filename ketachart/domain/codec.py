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
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")
OMIT_IF_NONE = "omit_if_none"
"""Field metadata: leave the field out of the plain form while it is None. A field added
later to a stored payload carries it, so older payloads keep their exact canonical JSON."""


_PLAIN = frozenset({str, int, float, bool})
"""Exactly these types (not their subclasses, such as enums) are already JSON-ready."""


def to_plain(value: object) -> Any:
    """Turn a payload (dataclasses, decimals, times, enums) into JSON-ready values."""
    if value is None or type(value) in _PLAIN:  # most leaves: answered before any other test
        return value
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
    return typing.cast(T, _converter(typing.cast(Any, cls))(data))


Converter = Callable[[Any], Any]


@functools.cache
def _converter(tp: Any) -> Converter:
    """The function that turns plain data into a `tp`, made once per type: a chart's opening
    decodes every entry, and looking at the type hints for every value was most of it."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = _converter(next(a for a in typing.get_args(tp) if a is not type(None)))
        return lambda data: None if data is None else inner(data)
    if origin is tuple:
        item = _converter(typing.get_args(tp)[0])
        return lambda data: tuple(map(item, data))
    if origin is dict:
        key, value = (_converter(a) for a in typing.get_args(tp))
        return lambda data: {key(k): value(v) for k, v in data.items()}
    if dataclasses.is_dataclass(tp):
        return functools.partial(_build, typing.cast(type, tp))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp
    return _SIMPLE.get(tp, _same)


def _build(tp: type, data: Any) -> Any:
    return tp(**{name: convert(data[name]) for name, convert in _fields(tp) if name in data})


@functools.cache
def _fields(tp: type) -> tuple[tuple[str, Converter], ...]:
    """Each field's name and converter (looked up on first use, so a type may nest itself)."""
    hints = typing.get_type_hints(tp)
    return tuple((f.name, _converter(hints[f.name])) for f in dataclasses.fields(tp))


def _same(data: Any) -> Any:
    return data


_SIMPLE: dict[Any, Converter] = {
    Decimal: Decimal,
    datetime: parse_instant,
    date: date.fromisoformat,
}
