"""The audit trail, chain heads (anchors kept outside the chained rows) and clinic settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ketachart.models.base import Base, UTCDateTime


class AuditEntry(Base):
    """Who did what to which record, when. Hash-chained and append-only."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_target", "target_type", "target_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    workstation: Mapped[str] = mapped_column(String(80), default="", server_default="")
    """Which workstation wrote it: "<id> <name>" (storage.workstation); empty before 0007."""


class ChainHead(Base):
    """The last sequence number and hash of each chain, so truncation is detectable."""

    __tablename__ = "chain_heads"

    chain: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class Setting(Base):
    """Clinic-wide settings (name, address) as key and value: the current value, for fast
    reads. Its history is its chain of row versions."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RowVersion(Base):
    """One version of a protocol version's or a setting's row (domain.row_versions):
    append-only and hash-chained per protocol code or setting key, so an old value is kept
    and a row changed outside ketachart is found by `verify`."""

    __tablename__ = "row_versions"
    __table_args__ = (UniqueConstraint("chain", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    """The row's full content as canonical JSON."""
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    """None for a row versioned when versions began, and for the first-run setup's (before
    any account exists) and the shipped example protocols."""
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
