"""The Unicode bidirectional algorithm (UAX #9) for one line, by python-bidi: each
character's embedding level, and the visual order of the characters.

python-bidi's public `get_display` returns only the reordered string; a line drawn in several
fonts needs the levels (the direction each run is shaped in) and which character went where,
so this runs the steps of its pure-Python implementation (`bidi.algorithm`) and tags each
character with its logical index before reordering.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bidi import algorithm as uba

LTR_BASE = 0


@dataclass(frozen=True)
class BidiLine:
    levels: tuple[int, ...]
    """Embedding level of each character, in logical order (odd: right to left)."""
    visual: tuple[int, ...]
    """Logical indexes in visual order, left to right (explicit formatting marks and other
    characters the algorithm removes are not in it)."""


def bidi_line(text: str, base_level: int = LTR_BASE) -> BidiLine:
    """Levels and visual order of one line whose paragraph direction is `base_level`."""
    storage: dict[str, Any] = uba.get_empty_storage()
    storage["base_level"] = base_level
    storage["base_dir"] = ("L", "R")[base_level]
    uba.get_embedding_levels(text, storage)
    chars: list[dict[str, Any]] = storage["chars"]
    for index, char in enumerate(chars):
        char["index"] = index
    every = list(chars)
    uba.explicit_embed_and_overrides(storage)
    uba.resolve_weak_types(storage)
    uba.resolve_neutral_types(storage, False)
    uba.resolve_implicit_levels(storage, False)
    uba.reorder_resolved_levels(storage, False)
    levels = _levels(every, {id(c) for c in storage["chars"]}, base_level)
    return BidiLine(levels, tuple(c["index"] for c in storage["chars"]))


def _levels(chars: list[dict[str, Any]], kept: set[int], base_level: int) -> tuple[int, ...]:
    """Each character's level; one the algorithm removed (a joiner, a formatting mark) takes
    the level of the character before it, so it is shaped with its neighbours."""
    levels: list[int] = []
    for char in chars:
        if id(char) in kept:
            levels.append(char["level"])
        else:
            levels.append(levels[-1] if levels else base_level)
    return tuple(levels)
