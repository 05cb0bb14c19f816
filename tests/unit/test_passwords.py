"""The password policy (NIST SP 800-63B): length, the common-password list, and no names."""

from __future__ import annotations

import pytest

from ketachart.domain.passwords import MIN_PASSWORD_LENGTH, password_problems
from ketachart.services.staff import new_temporary_password

NAMES = {"username": "nina", "display_name": "Nina Øster", "clinic_name": "Lakeside Clinic"}


def problems(password: str, **names: str) -> list[str]:
    return password_problems(password, **(NAMES | names))


@pytest.mark.parametrize("password", ["password", "12345678", "aaaaaaaa", "ketachart"])
def test_short_and_common_passwords_are_refused_for_their_length(password: str) -> None:
    assert problems(password) == [
        f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
    ]


@pytest.mark.parametrize(
    "password", ["passwordpassword", "Passwordpassword", "123456789012", "aaaaaaaaaaaa"]
)
def test_common_passwords_of_twelve_characters_or_more_are_refused(password: str) -> None:
    found = problems(password)
    assert len(found) == 1
    assert "common passwords" in found[0]


@pytest.mark.parametrize(
    ("password", "field"),
    [
        ("my-NINA-is-on-duty-7", "user name"),
        ("oster-rides-bikes-at-dawn", "person's name"),
        ("lakeside clinic rocks 99", "clinic's name"),
        ("Lake-Side-Clinic-winter", "clinic's name"),
    ],
)
def test_a_password_with_a_name_in_it_is_refused_case_insensitively(
    password: str, field: str
) -> None:
    found = problems(password, display_name="Nina Oster")
    assert any(field in p for p in found), found


def test_a_long_unusual_passphrase_is_accepted() -> None:
    assert problems("violet tugboat ferments quietly") == []


def test_no_composition_rules_lower_case_letters_alone_are_fine() -> None:
    assert problems("quartzlanternmeadow") == []


def test_a_short_name_part_does_not_refuse_every_password_containing_it() -> None:
    assert problems("ngaio marsh novels", username="wes", display_name="Wes Ng") == []


def test_temporary_passwords_pass_the_policy_and_differ() -> None:
    made = {new_temporary_password() for _ in range(20)}
    assert len(made) == 20
    assert all(problems(p) == [] and len(p) >= MIN_PASSWORD_LENGTH for p in made)
