"""Identifiers and typed text (issue 12): invisible, format and control characters are refused
in every typed field with a message naming the field; MRNs follow the clinic's pattern; the
command line prints stored text with such characters escaped."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ketachart.cli.terminal import shown
from ketachart.domain import payloads as p
from ketachart.domain.checks import Checks, nfc
from ketachart.domain.events import Override, validate_overrides, validate_payload
from ketachart.domain.identifiers import DEFAULT_MRN_RULE, MrnRule, mrn_rule
from ketachart.domain.vocab import DoseUnit, Route
from ketachart.errors import ValidationError
from ketachart.services.patients import PatientDetails

TODAY = date(2026, 3, 10)
ZERO_WIDTH_SPACE = "\u200b"
RIGHT_TO_LEFT_OVERRIDE = "\u202e"
REFUSED = {
    "zero-width space": ZERO_WIDTH_SPACE,
    "right-to-left override": RIGHT_TO_LEFT_OVERRIDE,
    "zero-width joiner": "\u200d",
    "byte order mark": "\ufeff",
    "escape": "\x1b",
    "bell": "\x07",
    "nul": "\x00",
    "delete": "\x7f",
    "C1 control": "\x85",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
    "private use": "\ue000",
    "lone surrogate": "\ud800",
}


def details(**changes: Any) -> PatientDetails:
    """A valid patient with some texts changed."""
    base = PatientDetails("MRN-0001", "Okafor", "Ada", date(1980, 2, 3), "female")
    return replace(base, **changes)


def problems(details_: PatientDetails, rule: MrnRule = DEFAULT_MRN_RULE) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        details_.check(TODAY, rule)
    return {problem.field: problem.message for problem in raised.value.problems}


@pytest.mark.parametrize("char", REFUSED.values(), ids=REFUSED.keys())
@pytest.mark.parametrize("field", ["mrn", "family_name", "given_name", "allergies", "notes"])
def test_every_patient_field_refuses_invisible_characters(field: str, char: str) -> None:
    typed = details(**{field: f"MRN-{char}0001" if field == "mrn" else f"Ok{char}afor"})
    found = problems(typed)
    assert list(found) == [field]
    assert "type it again without it" in found[field]


def test_the_message_names_the_field_and_the_character() -> None:
    assert problems(details(mrn=f"MRN-{ZERO_WIDTH_SPACE}0001")) == {
        "mrn": "MRN contains an invisible character (U+200B ZERO WIDTH SPACE): "
        "type it again without it."
    }
    assert problems(details(given_name=f"Ada{RIGHT_TO_LEFT_OVERRIDE}")) == {
        "given_name": "Given name contains an invisible character "
        "(U+202E RIGHT-TO-LEFT OVERRIDE): type it again without it."
    }
    assert problems(details(family_name="Oka\x1b[31mfor")) == {
        "family_name": "Family name contains a control character (U+001B): "
        "type it again without it."
    }


def test_new_lines_and_tabs_only_in_multi_line_fields() -> None:
    details(notes="line one\n\tline two", allergies="Penicillin\nLatex").check(TODAY)
    validate_payload(p.Note("first line\nsecond\tline"))
    validate_payload(p.Addendum("phoned\nwell"))
    assert problems(details(family_name="Oka\nfor")) == {
        "family_name": "Family name contains a line break (U+000A): type it again without it."
    }
    assert set(problems(details(given_name="A\tda"))) == {"given_name"}
    with pytest.raises(ValidationError, match="Reason for the pause contains a line break"):
        validate_payload(p.Pause("first\nsecond"))


def test_a_carriage_return_is_refused_even_in_a_note() -> None:
    with pytest.raises(ValidationError, match="Note contains a line break"):
        validate_payload(p.Note("windows\r\nline"))


def test_every_payload_field_goes_through_the_same_check() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_payload(p.RescueMedicine("Ondan\u200bsetron", Decimal(4), DoseUnit.MG, Route.IV))
    assert [problem.field for problem in raised.value.problems] == ["drug"]


def test_an_override_reason_is_checked_too() -> None:
    validate_overrides((Override("weight_change", "re-weighed twice"),))
    with pytest.raises(ValidationError) as raised:
        validate_overrides((Override("weight_change", f"ok{RIGHT_TO_LEFT_OVERRIDE}"),))
    assert raised.value.problems[0].field == "overrides.weight_change"
    assert "Reason for the override contains an invisible character" in raised.value.message


def test_ordinary_text_of_any_script_passes() -> None:
    for name in (
        "Łukasiewicz",
        "Nguyễn",
        "Ωμέγα",
        "Иванов",
        "王小明",
        "محمد",
        "שלום",
        "देव",
        "Zoë 🩺",
    ):
        details(family_name=name, given_name=name).check(TODAY)


def test_names_are_composed_nfc() -> None:
    decomposed = details(family_name="Zoe\u0308", given_name="A\u030asa", mrn="MRN-E\u0301")
    normalised = decomposed.normalised()
    assert normalised.family_name == "Zoë" == nfc("Zoe\u0308")
    assert normalised.given_name == "Åsa"
    assert normalised.mrn == "MRN-É"
    assert normalised.date_of_birth == decomposed.date_of_birth


@pytest.mark.parametrize("mrn", ["MRN-0001", "KC-000001", "12345", "MRN-ÅÉ-7", "ПАЦ-1"])
def test_the_default_mrn_pattern_allows_letters_digits_and_dashes(mrn: str) -> None:
    details(mrn=mrn).check(TODAY)


@pytest.mark.parametrize("mrn", ["MRN_0001", "MRN/1", "MRN#1", "<s>1</s>", "MRN.1", "MRN+1"])
def test_the_default_mrn_pattern_refuses_anything_else(mrn: str) -> None:
    assert problems(details(mrn=mrn)) == {"mrn": "MRN may only use letters, digits and '-'."}


def test_spaces_in_an_mrn_get_one_message() -> None:
    assert problems(details(mrn="MRN 12")) == {"mrn": "MRN cannot contain spaces."}


def test_a_clinic_pattern() -> None:
    rule = mrn_rule(r"KC-[0-9]{6}", "KC- and six digits")
    details(mrn="KC-000123").check(TODAY, rule)
    assert problems(details(mrn="KC-123"), rule) == {"mrn": "MRN may only use KC- and six digits."}


def test_a_clinic_pattern_must_be_a_regular_expression() -> None:
    with pytest.raises(ValidationError, match="not a regular expression"):
        mrn_rule("KC-[0-9", "KC- and digits")
    with pytest.raises(ValidationError, match="MRN pattern description is required"):
        mrn_rule("KC-[0-9]+", " ")


def test_checks_collect_one_problem_a_field() -> None:
    checks = Checks()
    checks.text("chair", "Chair", f"A{ZERO_WIDTH_SPACE}{RIGHT_TO_LEFT_OVERRIDE}")
    assert len(checks.problems) == 1


def test_the_terminal_sees_escapes_not_control_characters() -> None:
    assert shown("MRN-1") == "MRN-1"
    assert shown("MRN\x1b[31m\x07-1") == "MRN\\x1b[31m\\x07-1"
    assert shown(f"MRN-{ZERO_WIDTH_SPACE}1{RIGHT_TO_LEFT_OVERRIDE}") == "MRN-\\u200b1\\u202e"
    assert shown("Zoë Łukasiewicz 王") == "Zoë Łukasiewicz 王"
    assert shown("\U000f0000") == "\\U000f0000"
