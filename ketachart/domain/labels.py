"""How a person is printed on the record: one label for an author, signer or witness."""

from __future__ import annotations

from ketachart.domain import payloads as p


def person_label(display_name: str, credentials: str) -> str:
    """Printed name with credentials, e.g. 'Nina Øster, RN'; just the name when there are
    none (no dangling comma). Stray spaces around either part are dropped."""
    name, letters = display_name.strip(), credentials.strip()
    return f"{name}, {letters}" if letters else name


def signer_label(signature: p.Attestation | p.Signature) -> str:
    """The printed name of whoever attested or signed, as they were when they signed."""
    return person_label(signature.signer_name, signature.credentials)
