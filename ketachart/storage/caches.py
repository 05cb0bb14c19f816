"""What a Database keeps between its transactions: typed caches, one object of each class.

The storage layer may not import the services (see the import-linter layers), yet the caches of
what was read (loaded sessions, decoded protocols) belong to one Database and live as long as
it does. So storage holds them without knowing their types: a `Caches` holder files one object
under its own class, and `caches.of(SessionCache)` returns *the* SessionCache of that database,
made by calling `SessionCache()` on first use. The class is the key and the type: mypy infers
`SessionCache` for the result, so callers need neither a string key nor a cast, and the layers
stay as they are (services name their own cache classes; storage names none).

- Every Database has its own Caches (two Database objects on one engine share nothing), and
  each of its transactions sees it as `tx.caches`.
- A cache class must be constructible without arguments (its bounds are class defaults).
- What a cache holds is only ever a shortcut: each service checks a cached value against the
  database before using it (see services.session_cache), so dropping every cache (`clear()`)
  is always safe; it costs only reading again.
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


class Caches:
    """One object of each cache class, made on first use (see the module docstring)."""

    def __init__(self) -> None:
        self._objects: dict[type[object], object] = {}

    def of(self, kind: type[T]) -> T:
        """This holder's one `kind` object, made by `kind()` the first time it is asked for."""
        found = self._objects.get(kind)
        if found is None:
            # setdefault: if two threads make one at once, both use the one filed first
            found = self._objects.setdefault(kind, kind())
        if not isinstance(found, kind):  # never: each object is filed under its own class
            raise TypeError(f"{kind.__name__} cache holds a {type(found).__name__}")
        return found

    def clear(self) -> None:
        """Forget everything cached (the next reads go to the database)."""
        self._objects.clear()
