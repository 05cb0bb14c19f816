"""Protocol versions, sessions and their append-only timeline of events."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ketachart.models.base import Base, UTCDateTime


class ProtocolVersion(Base):
    """One immutable version of a protocol; the full spec is canonical JSON."""

    __tablename__ = "protocol_versions"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean)
    spec_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class InfusionSession(Base):
    """Where and for whom a session happens. Everything clinical is in its events."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocol_versions.id"))
    chair: Mapped[str] = mapped_column(String(40))
    session_date: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    protocol_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The digest of the protocol version's content at opening, covered by the session's
    genesis hash; None for sessions opened before it was kept."""


class Event(Base):
    """One timeline entry. Written once; the database refuses UPDATE and DELETE."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        Index("ix_events_session_kind", "session_id", "kind"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    payload: Mapped[str] = mapped_column(Text)
    overrides: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class SessionSummaryRecord(Base):
    """One row per session: its status and what the review queue finds it by, derived from
    its timeline in the same transaction as each event (domain.status_summary). A cache of
    the timeline, updated in place: verify derives it again and reports any difference."""

    __tablename__ = "session_summaries"
    __table_args__ = (
        Index("ix_session_summaries_waiting", "waiting", "discharged_at"),
        Index("ix_session_summaries_status", "status", "discharged_at"),
    )

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    discharged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    unsigned_addenda: Mapped[int] = mapped_column(Integer)
    waiting: Mapped[bool] = mapped_column(Boolean)
    """Discharged and unsigned, or signed with an addendum to sign: listed by the queue."""
