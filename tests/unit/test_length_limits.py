"""Length limits first (issue 13): every validator of typed text refuses a huge input by its
length, with a message naming the field and the limit, before it normalises or scans it.

"Before it scans" is shown without timing anything: the huge inputs end with a control
character, which a scan would report; only the length is reported. How fast the refusal is
is measured by `python -m benchmarks.inputs`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ketachart.cli.protocol_commands import read_protocol_file
from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.checks import Checks, nfc
from ketachart.domain.events import Override, validate_overrides, validate_payload
from ketachart.domain.identifiers import mrn_rule
from ketachart.domain.passwords import password_problems
from ketachart.domain.protocol import EXAMPLE_PROTOCOLS
from ketachart.domain.vocab import (
    DoseUnit,
    PreCheckCode,
    PreCheckStatus,
    Route,
    Severity,
    SideEffectKind,
    StopReason,
)
from ketachart.errors import ValidationError
from ketachart.services.clinic import check_clinic_info
from ketachart.services.clinic_info import ClinicInfo
from ketachart.services.patients import PatientDetails
from ketachart.services.users import check_new_user

TEN_MB = 10_000_000
HUGE = "é" * (TEN_MB - 1) + "\x00"
"""10 million characters, not ASCII (NFC has work to do), ending in a control character
(a scan would find it)."""
TODAY = date(2026, 3, 10)
PATIENT = PatientDetails("MRN-0001", "Okafor", "Ada", date(1980, 1, 2), "female")
ACCOUNT = {"username": "anurse", "display_name": "Ann Nurse", "password": "long enough pass phrase"}


def too_long(label: str, limit: int) -> str:
    return f"{label} is too long ({len(HUGE)} characters, at most {limit})."


def problems_of(check: Callable[[], object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        check()
    return {problem.field: problem.message for problem in raised.value.problems}


PAYLOADS: list[tuple[str, Callable[[str], p.Payload], str, str, int]] = [
    ("note", p.Note, "text", "Note", limits.NOTE),
    ("addendum", p.Addendum, "text", "Addendum", limits.NOTE),
    (
        "rate change reason",
        lambda t: p.RateChange(Decimal(40), t),
        "reason",
        "Reason for the rate change",
        limits.REASON,
    ),
    ("pause reason", p.Pause, "reason", "Reason for the pause", limits.REASON),
    ("resume note", p.Resume, "note", "Note", limits.REASON),
    (
        "correction reason",
        lambda t: p.Correction("e1", t),
        "reason",
        "Reason for the correction",
        limits.REASON,
    ),
    (
        "stop detail",
        lambda t: p.InfusionStop(Decimal(30), StopReason.STOPPED_EARLY, t),
        "detail",
        "Reason",
        limits.REASON,
    ),
    (
        "side-effect description",
        lambda t: p.SideEffect(SideEffectKind.OTHER, Severity.MILD, t),
        "description",
        "Description",
        limits.DESCRIPTION,
    ),
    (
        "intervention",
        lambda t: p.SideEffect(SideEffectKind.NAUSEA, Severity.MILD, "", t),
        "intervention",
        "Intervention",
        limits.DESCRIPTION,
    ),
    (
        "rescue drug",
        lambda t: p.RescueMedicine(t, Decimal(4), DoseUnit.MG, Route.IV),
        "drug",
        "Drug",
        limits.LABEL,
    ),
    ("IV site", lambda t: p.IvStart(t, 22, 1), "site", "IV site", limits.LABEL),
    (
        "discharge note",
        lambda t: p.Discharge((), t),
        "note",
        "Note",
        limits.DESCRIPTION,
    ),
    (
        "escort name",
        lambda t: p.RideConfirmed(t, "spouse", "+1 555 010 0199", "Ann Nurse"),
        "escort_name",
        "Escort name",
        limits.PERSON_NAME,
    ),
    (
        "escort phone",
        lambda t: p.RideConfirmed("Jo", "spouse", t, "Ann Nurse"),
        "phone",
        "Escort phone",
        limits.CONTACT,
    ),
    (
        "pre-check detail",
        lambda t: p.PreChecks((p.PreCheckItem(PreCheckCode.FASTING, PreCheckStatus.DONE, t),)),
        f"items.{PreCheckCode.FASTING}",
        "Fasting",
        limits.REASON,
    ),
    (
        "vial lot",
        lambda t: p.ControlledSubstance(
            "Ketamine",
            t,
            date(2027, 1, 1),
            Decimal(50),
            Decimal(10),
            Decimal(40),
            Decimal(35),
            Decimal(5),
        ),
        "lot",
        "Vial lot",
        limits.CODE,
    ),
    (
        "reconciliation explanation",
        lambda t: p.DoseReconciliation(Decimal(35), None, None, "pump", None, t),
        "explanation",
        "Explanation",
        limits.DESCRIPTION,
    ),
]


@pytest.mark.parametrize(
    ("make", "field", "label", "limit"),
    [case[1:] for case in PAYLOADS],
    ids=[case[0] for case in PAYLOADS],
)
def test_a_huge_payload_text_is_refused_by_its_length_alone(
    make: Callable[[str], p.Payload], field: str, label: str, limit: int
) -> None:
    problems = problems_of(lambda: validate_payload(make(HUGE)))
    expected = too_long(label, limit)
    if field.startswith("items."):  # the pre-check label comes from the vocabulary
        assert problems[field].endswith(f"is too long ({len(HUGE)} characters, at most {limit}).")
    else:
        assert problems[field] == expected
    assert "control character" not in " ".join(problems.values())


@pytest.mark.parametrize(
    ("field", "label", "limit"),
    [
        ("mrn", "MRN", limits.CODE),
        ("family_name", "Family name", limits.PERSON_NAME),
        ("given_name", "Given name", limits.PERSON_NAME),
        ("allergies", "Allergies", limits.DESCRIPTION),
        ("notes", "Notes", limits.NOTE),
    ],
)
def test_a_huge_patient_field_is_refused_before_it_is_normalised(
    field: str, label: str, limit: int
) -> None:
    changes: dict[str, Any] = {field: HUGE}
    details = replace(PATIENT, **changes).normalised()
    assert getattr(details, field) is HUGE, "a text over its limit is not normalised"
    assert problems_of(lambda: details.check(TODAY)) == {field: too_long(label, limit)}


def test_nfc_within_the_limit_and_the_check_again_after() -> None:
    """A text at its limit is normalised and checked again (NFC may change its length)."""
    decomposed = "e\u0301" * 3
    assert nfc(decomposed, 6) == "é" * 3
    assert nfc(decomposed, 5) is decomposed
    checks = Checks()
    checks.text("name", "Name", nfc(decomposed, 6), max_len=3)
    assert checks.problems == []


@pytest.mark.parametrize(
    ("field", "label", "limit"),
    [
        ("username", "User name", limits.USERNAME),
        ("display_name", "Full name", limits.PERSON_NAME),
        ("credentials", "Credentials", limits.CODE),
    ],
)
def test_a_huge_account_field_is_refused(field: str, label: str, limit: int) -> None:
    typed = {**ACCOUNT, field: HUGE}
    problems = problems_of(lambda: check_new_user(**typed))
    assert problems[field] == too_long(label, limit)


def test_a_huge_password_is_refused_by_its_length() -> None:
    problems = password_problems(HUGE, username="anurse", display_name="Ann", clinic_name="C")
    limit = limits.PASSWORD
    assert problems == [f"The password is too long ({len(HUGE)} characters, at most {limit})."]


@pytest.mark.parametrize(
    ("info", "field", "label", "limit"),
    [
        (ClinicInfo(HUGE, ""), "name", "Clinic name", limits.CLINIC_NAME),
        (ClinicInfo("Clinic", HUGE), "address", "Clinic address", limits.ADDRESS),
    ],
    ids=["name", "address"],
)
def test_huge_clinic_details_are_refused(
    info: ClinicInfo, field: str, label: str, limit: int
) -> None:
    assert problems_of(lambda: check_clinic_info(info)) == {field: too_long(label, limit)}


@pytest.mark.parametrize(
    ("pattern", "description", "field", "label", "limit"),
    [
        (HUGE, "digits", "mrn_pattern", "MRN pattern", limits.MRN_PATTERN),
        ("[0-9]+", HUGE, "mrn_description", "MRN pattern description", limits.MRN_DESCRIPTION),
    ],
    ids=["pattern", "description"],
)
def test_a_huge_mrn_rule_is_refused_before_it_is_compiled(
    pattern: str, description: str, field: str, label: str, limit: int
) -> None:
    assert problems_of(lambda: mrn_rule(pattern, description)) == {field: too_long(label, limit)}


def test_a_huge_override_reason_is_refused() -> None:
    problems = problems_of(lambda: validate_overrides((Override("weight.change", HUGE),)))
    assert problems == {"overrides.weight.change": too_long("Reason for the override", limits.NOTE)}


@pytest.mark.parametrize(
    ("field", "label", "limit"),
    [
        ("code", "Protocol code", limits.CODE),
        ("name", "Protocol name", limits.TITLE),
        ("indication", "Indication", limits.TITLE),
        ("drug", "Drug", limits.LABEL),
    ],
)
def test_a_huge_protocol_text_is_refused(field: str, label: str, limit: int) -> None:
    changes: dict[str, Any] = {field: HUGE}
    spec = replace(EXAMPLE_PROTOCOLS[0], **changes)
    checks = Checks()
    spec.check(checks)
    assert {x.field: x.message for x in checks.problems} == {field: too_long(label, limit)}


def test_a_protocol_file_over_its_size_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    file = tmp_path / "protocol.json"
    file.write_text(" " * TEN_MB + "{}", encoding="utf-8")
    problems = problems_of(lambda: read_protocol_file(file))
    assert problems["file"].startswith(f"{file} is too large for a protocol file (more than")
    assert f"{limits.PROTOCOL_FILE_BYTES:,} bytes" in problems["file"]
