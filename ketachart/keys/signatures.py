"""Ed25519 signatures over canonical JSON, and key fingerprints (`cryptography`)."""

from __future__ import annotations

import hashlib
from base64 import b64decode, b64encode
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ketachart.domain.codec import canonical_json


def public_hex(private_key: Ed25519PrivateKey) -> str:
    """The public half of a key pair, as stored: 64 hex digits."""
    return private_key.public_key().public_bytes_raw().hex()


def message_bytes(message: Mapping[str, object]) -> bytes:
    """What is signed: the message as canonical JSON (sorted keys, no spaces), UTF-8."""
    return canonical_json(dict(message)).encode("utf-8")


def sign_message(private_key: Ed25519PrivateKey, message: Mapping[str, object]) -> str:
    """The signature of `message`, base64."""
    return b64encode(private_key.sign(message_bytes(message))).decode("ascii")


def signature_valid(public_key: str, message: Mapping[str, object], signature: str) -> bool:
    """True only if `signature` was made over `message` by the private half of `public_key`."""
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
        key.verify(b64decode(signature, validate=True), message_bytes(message))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def fingerprint(public_key: str) -> str:
    """How people compare a public key: SHA-256 of its raw bytes, first 128 bits in groups
    of four hex digits ('SHA256 1a2b 3c4d …'), enough to tell any two keys apart by eye."""
    try:
        raw = bytes.fromhex(public_key)
    except ValueError:
        raw = public_key.encode("utf-8")
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return "SHA256 " + " ".join(digest[i : i + 4] for i in range(0, 32, 4))
