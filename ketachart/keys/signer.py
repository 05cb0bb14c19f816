"""A user's private key, opened by their password for as long as they are signed in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ketachart.keys.signatures import sign_message


@dataclass(frozen=True)
class Signer:
    """Signs for user `user_id` with the private half of `public_key`."""

    user_id: int
    public_key: str
    private_key: Ed25519PrivateKey = field(repr=False, compare=False)

    def sign(self, message: Mapping[str, object]) -> str:
        return sign_message(self.private_key, message)
