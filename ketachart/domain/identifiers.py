"""Identifiers a person types: the patient's MRN follows the clinic's pattern, so that two
MRNs that look the same are the same MRN.

Invisible and control characters are refused in every field by `Checks.text`; the MRN rule
adds what the clinic's own numbering allows. The default allows letters (of any script),
digits and '-'; a clinic can set its own pattern (services.clinic.set_mrn_rule)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ketachart.domain import limits
from ketachart.domain.checks import Checks
from ketachart.errors import ValidationError


@dataclass(frozen=True)
class MrnRule:
    """A regular expression the whole MRN must match, and how a person is told about it."""

    pattern: str
    description: str

    def matches(self, mrn: str) -> bool:
        return re.fullmatch(self.pattern, mrn) is not None


DEFAULT_MRN_RULE = MrnRule(r"(?:[^\W_]|-)+", "letters, digits and '-'")
"""`[^\\W_]` is a letter or digit of any script (after NFC), without the underscore."""


def mrn_rule(pattern: str, description: str) -> MrnRule:
    """A clinic's MRN rule, checked: a pattern that compiles and says what it allows."""
    checks = Checks()
    checks.text("mrn_pattern", "MRN pattern", pattern, required=True, max_len=limits.MRN_PATTERN)
    checks.text(
        "mrn_description",
        "MRN pattern description",
        description,
        required=True,
        max_len=limits.MRN_DESCRIPTION,
    )
    checks.done()
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValidationError.single(
            "mrn_pattern", f"The MRN pattern is not a regular expression: {error}."
        ) from error
    return MrnRule(pattern, description)


def check_mrn(checks: Checks, mrn: str, rule: MrnRule) -> None:
    """The MRN field: required, short, plain, no spaces, and in the clinic's pattern: the first
    of these that fails is the one message."""
    before = len(checks.problems)
    checks.text("mrn", "MRN", mrn, required=True, max_len=limits.CODE)
    if len(checks.problems) > before:
        return
    if any(c.isspace() for c in mrn):
        checks.fail("mrn", "MRN cannot contain spaces.")
    elif not rule.matches(mrn):
        checks.fail("mrn", f"MRN may only use {rule.description}.")
