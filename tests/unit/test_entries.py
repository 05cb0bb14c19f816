"""Entries with their corrections, as the chart's timeline lists them."""

from __future__ import annotations

from ketachart.domain import payloads as p
from ketachart.domain.entries import entries_by_id, latest_correction, replacement_of
from ketachart.domain.events import EventKind
from tests.unit.builders import Chart, at, vitals


def test_entries_are_every_non_correction_with_its_corrections_applied() -> None:
    chart = Chart()
    reading = chart.add(vitals(128), at(1))
    note = chart.add(p.Note("Calm"), at(2))
    chart.correct(reading, vitals(118), when=at(3))
    entries = entries_by_id(chart.events)

    assert list(entries) == [chart.opened.id, reading.id, note.id]
    assert all(e.kind is not EventKind.CORRECTION for e in entries.values())
    assert entries[reading.id].payload == vitals(118)
    assert entries[note.id].payload == p.Note("Calm")


def test_the_latest_correction_is_the_newest_one() -> None:
    chart = Chart()
    reading = chart.add(vitals(128), at(1))
    note = chart.add(p.Note("Calm"), at(2))
    chart.correct(reading, vitals(118), when=at(3), reason="Systolic mistyped")
    second = chart.correct(reading, vitals(119), when=at(4), reason="Looked again")
    void = chart.correct(note, None, when=at(5), reason="Wrong patient")
    entries = entries_by_id(chart.events)

    assert latest_correction(entries[chart.opened.id]) is None
    assert latest_correction(entries[reading.id]) == (second, second.payload)
    assert latest_correction(entries[note.id]) == (void, void.payload)
    assert entries[note.id].voided


def test_a_correction_gives_its_target_new_values_of_the_same_kind_or_voids_it() -> None:
    chart = Chart()
    reading = chart.add(vitals(128), at(1))
    first = chart.correct(reading, vitals(118), when=at(2))
    second = chart.correct(reading, None, when=at(3))
    assert isinstance(first.payload, p.Correction)
    assert isinstance(second.payload, p.Correction)

    assert replacement_of(reading, first.payload) == vitals(118)
    assert replacement_of(reading, second.payload) is None


def test_what_the_latest_correction_gives_is_what_the_entry_now_says() -> None:
    chart = Chart()
    reading = chart.add(vitals(128), at(1))
    for minute, systolic in enumerate((118, 121, 119), start=2):
        chart.correct(reading, vitals(systolic), when=at(minute))
    entry = entries_by_id(chart.events)[reading.id]
    latest = latest_correction(entry)

    assert latest is not None
    assert replacement_of(reading, latest[1]) == entry.payload == vitals(119)
