"""A person's printed label: name and credentials, never a dangling comma."""

from __future__ import annotations

import pytest

from ketachart.domain import payloads as p
from ketachart.domain.describe import describe
from ketachart.domain.labels import person_label, signer_label


@pytest.mark.parametrize(
    ("name", "credentials", "label"),
    [
        ("Nina Øster", "RN", "Nina Øster, RN"),
        ("María Núñez", "MD", "María Núñez, MD"),
        ("Dr Blank", "", "Dr Blank"),
        ("Dr Blank", "   ", "Dr Blank"),
        ("Dr Blank", "\t\n", "Dr Blank"),
        ("  Ана Кузнецова ", " MD, PhD ", "Ана Кузнецова, MD, PhD"),
        ("Ξένια Παππά", "RN", "Ξένια Παππά, RN"),
        ("李娜", "", "李娜"),
    ],
)
def test_person_label(name: str, credentials: str, label: str) -> None:
    assert person_label(name, credentials) == label


def signature(name: str, credentials: str) -> p.Signature:
    return p.Signature("reviewed and approved", name, credentials, "c" * 64, 3, "h" * 64)


def test_a_signer_without_credentials_has_no_dangling_comma() -> None:
    assert signer_label(signature("Dr Blank", " ")) == "Dr Blank"
    assert describe(signature("Dr Blank", "")) == "Dr Blank: reviewed and approved"
    attestation = p.Attestation("authored by", "Nina Øster", "RN", "c" * 64, 2, "h" * 64)
    assert describe(attestation) == "Nina Øster, RN: authored by"
