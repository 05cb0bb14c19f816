"""The clinic's key, each user's key and the certificates the clinic key issued. Private keys
are stored only sealed (ketachart.keys.sealed); all three tables are append-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ketachart.models.base import Base, UTCDateTime


class ClinicKey(Base):
    """The clinic's signing key: its public key, and its private key sealed under the
    administrator's passphrase. The newest row is the clinic's key."""

    __tablename__ = "clinic_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    sealed_private_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserKey(Base):
    """A user's key pair, the private key sealed under their password. A password change
    seals the same key again as a new row; a reset by an admin makes a new pair. The newest
    row of a user is the one their password opens."""

    __tablename__ = "user_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(64))
    sealed_private_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Certificate(Base):
    """What the clinic key vouches for about a user from `valid_from` on: name, credentials,
    role, whether the account is active, and its public key. Each user's certificates form a
    hash chain; each is signed by the clinic key, so none can be made or changed without it."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(120))
    credentials: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean)
    public_key: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    clinic_key: Mapped[str] = mapped_column(String(64))
    """The public key of the clinic key that signed it."""
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    signature: Mapped[str] = mapped_column(Text)


class VouchedEntry(Base):
    """An entry signed, attested, witnessed or approved before the clinic had keys, which
    the clinic key vouched for, by its hash, when it was made ('ketachart keys init'): its
    signature is checked by hash alone. A later change to the entry changes its hash."""

    __tablename__ = "vouched_entries"

    event_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(36))
    clinic_key: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)
