"""The typed caches a Database keeps between transactions (storage.caches), without a database."""

from __future__ import annotations

from ketachart.storage.caches import Caches


class Counter:
    def __init__(self) -> None:
        self.count = 0


class Other:
    pass


def test_one_object_per_class_made_on_first_use() -> None:
    caches = Caches()
    first = caches.of(Counter)
    first.count += 1
    assert caches.of(Counter) is first
    assert caches.of(Counter).count == 1
    assert isinstance(caches.of(Other), Other)
    assert caches.of(Counter) is first


def test_two_holders_share_nothing() -> None:
    one, two = Caches(), Caches()
    one.of(Counter).count = 5
    assert two.of(Counter) is not one.of(Counter)
    assert two.of(Counter).count == 0


def test_clear_forgets_everything() -> None:
    caches = Caches()
    before = caches.of(Counter)
    caches.clear()
    assert caches.of(Counter) is not before
