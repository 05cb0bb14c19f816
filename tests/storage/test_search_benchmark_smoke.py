"""The search benchmark runs (figures are printed by the command, never asserted here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import search
from ketachart.services.patients import find_patients


@pytest.mark.slow
def test_search_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert search.main(["--sizes", "20", "60", "--repeat", "3"]) == 0
    out = capsys.readouterr().out
    assert "Patient search on SQLite" in out
    for case in search.CASES:
        assert case.name in out


def test_synthetic_patients_are_found_by_their_folded_names(tmp_path: Path) -> None:
    """The bulk-written patients are what registration would leave: searchable as typed."""
    with search.clinic_of(f"sqlite:///{tmp_path}/bench.sqlite", 30) as (db, nurse, made):
        chinese = next(p for p in made if p.family_name in search.HAN)
        accented = next(p for p in made if any(c in p.family_name for c in "ñéøłễ"))
        with db.reading() as tx:
            for patient in (chinese, accented):
                found = find_patients(tx, nurse, patient.family_name.upper(), 50)
                assert patient.mrn in [row.mrn for row in found]
            assert len(find_patients(tx, nurse, "", 50)) == 30
