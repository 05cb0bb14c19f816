"""Logs at reduced strength: the demo, commands (failing ones too, one with a traceback) and
the main window with charts open, in child processes logging to a scratch folder; no patient
identifier or clinical text may be in the log files (prove.logs)."""

from __future__ import annotations

import pytest

from prove import logs


@pytest.mark.slow
def test_no_identifier_in_the_logs() -> None:
    findings = logs.prove_logs(full=False)
    assert len(findings.identifiers) > 50
    # the runs did what they were meant to: a demo, an error traceback, charts opened
    assert "demo data added" in findings.log_text
    assert "unexpected error in command sessions" in findings.log_text
    assert "Traceback" in findings.log_text
    assert any("opened 6 charts" in r.stdout for r in findings.results), findings.results[-1]
    assert [r.returncode for r in findings.results].count(0) >= 8
    assert findings.found == ()
    figure = logs.figures(findings)[0]
    assert figure.ok, figure.line()


def test_every_kind_of_identifier_is_collected() -> None:
    from datetime import date

    from ketachart.domain import payloads as p
    from ketachart.models import Patient

    patient = Patient(
        mrn="KC-1",
        family_name="Ng",
        given_name="Wes",
        date_of_birth=date(1970, 5, 6),
        sex="male",
        allergies="Latex",
        notes="Likes the window",
    )
    found = set(logs._of_patient(patient))
    assert {"KC-1", "Ng", "Wes", "Latex", "Likes the window", "Ng, Wes", "1970-05-06"} <= found
    ride = p.RideConfirmed("Jo Escort", "spouse", "+1 555 0100", "Nina")
    assert set(logs._texts(ride)) == {"Jo Escort", "+1 555 0100"}
    assert set(logs._texts(p.Note("a note"))) == {"a note"}
