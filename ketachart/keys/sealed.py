"""A private key sealed under a secret (the clinic's passphrase, a user's password).

The secret is stretched by argon2id (argon2-cffi's low-level API) into a 256-bit key, and the
private key is encrypted with AES-GCM (`cryptography`), its public key as associated data: a
sealed key opens only with its secret, and a blob moved onto another public key does not open.
The argon2 cost is stored with each sealed key, as argon2 hashes carry theirs, so a key sealed
at one cost still opens after the default changes."""

from __future__ import annotations

import json
import os
from base64 import b64decode, b64encode
from dataclasses import dataclass, field

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ketachart.keys.signatures import public_hex

FORMAT = 1


@dataclass(frozen=True)
class KdfCost:
    """argon2id's cost: passes, memory in KiB, lanes."""

    time_cost: int = 3
    memory_cost: int = 65536
    parallelism: int = 4


DEFAULT_COST = KdfCost()
"""argon2-cffi's own default profile (RFC 9106, low memory): what a sign-in's hash costs."""
_cost = [DEFAULT_COST]


def kdf_cost() -> KdfCost:
    return _cost[0]


def set_kdf_cost(cost: KdfCost) -> KdfCost:
    """Set the cost new keys are sealed at; returns the one before (tests seal cheaply)."""
    before, _cost[0] = _cost[0], cost
    return before


class WrongSecret(Exception):
    """The passphrase or password does not open this sealed key (or the blob was altered)."""


@dataclass(frozen=True)
class SealedKey:
    """An Ed25519 private key under a secret, and its public key (hex), as stored."""

    public_key: str
    salt: str
    nonce: str
    ciphertext: str = field(repr=False)
    cost: KdfCost = DEFAULT_COST

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "public_key": self.public_key,
                "salt": self.salt,
                "nonce": self.nonce,
                "ciphertext": self.ciphertext,
                "kdf": "argon2id",
                "time_cost": self.cost.time_cost,
                "memory_cost": self.cost.memory_cost,
                "parallelism": self.cost.parallelism,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> SealedKey:
        """Raises WrongSecret for a blob that is not a sealed key (altered or damaged)."""
        try:
            data = json.loads(text)
            cost = KdfCost(
                int(data["time_cost"]), int(data["memory_cost"]), int(data["parallelism"])
            )
            return cls(
                str(data["public_key"]),
                str(data["salt"]),
                str(data["nonce"]),
                str(data["ciphertext"]),
                cost,
            )
        except (ValueError, TypeError, KeyError) as error:
            raise WrongSecret("the sealed key is damaged") from error


def _derived_key(secret: str, salt: bytes, cost: KdfCost) -> bytes:
    return hash_secret_raw(
        secret.encode("utf-8"),
        salt,
        time_cost=cost.time_cost,
        memory_cost=cost.memory_cost,
        parallelism=cost.parallelism,
        hash_len=32,
        type=Type.ID,
    )


def seal(private_key: Ed25519PrivateKey, secret: str) -> SealedKey:
    """`private_key` sealed under `secret` at the current cost (slow on purpose)."""
    cost = kdf_cost()
    salt, nonce = os.urandom(16), os.urandom(12)
    public = public_hex(private_key)
    raw = private_key.private_bytes_raw()
    sealed = AESGCM(_derived_key(secret, salt, cost)).encrypt(nonce, raw, public.encode())
    return SealedKey(public, _b64(salt), _b64(nonce), _b64(sealed), cost)


def seal_new_key(secret: str) -> tuple[SealedKey, Ed25519PrivateKey]:
    """A new key pair, sealed under `secret`; the private key is returned for immediate use."""
    private_key = Ed25519PrivateKey.generate()
    return seal(private_key, secret), private_key


def open_sealed(sealed: SealedKey, secret: str) -> Ed25519PrivateKey:
    """The private key, or WrongSecret if `secret` is not the one it was sealed under."""
    try:
        key = _derived_key(secret, b64decode(sealed.salt), sealed.cost)
        raw = AESGCM(key).decrypt(
            b64decode(sealed.nonce), b64decode(sealed.ciphertext), sealed.public_key.encode()
        )
        private_key = Ed25519PrivateKey.from_private_bytes(raw)
    except (InvalidTag, ValueError, TypeError) as error:
        raise WrongSecret("the secret does not open this key") from error
    if public_hex(private_key) != sealed.public_key:
        raise WrongSecret("the sealed key does not match its public key")
    return private_key


def _b64(data: bytes) -> str:
    return b64encode(data).decode("ascii")
