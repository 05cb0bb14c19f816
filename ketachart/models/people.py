"""Users (staff accounts) and patients."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ketachart.models.base import Base, UTCDateTime


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    credentials: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    """Set by an admin's temporary password: the next sign-in asks for a new one."""
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


FOLDED_TEXT = Text().with_variant(Text(collation="C"), "postgresql")
"""Folded search text (domain.search_keys), compared code point by code point on either
database: a prefix is then a range an index seeks, whatever the server's locale."""


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (
        Index("ix_patients_name_fold", "family_fold", "given_fold", "id"),
        Index("ix_patients_date_of_birth", "date_of_birth"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mrn: Mapped[str] = mapped_column(String(40), unique=True)
    family_name: Mapped[str] = mapped_column(String(120))
    given_name: Mapped[str] = mapped_column(String(120))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(16))
    allergies: Mapped[str] = mapped_column(Text, default="")
    no_known_allergies_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """When "no known allergies" was recorded; None with empty allergies: not yet asked."""
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    family_fold: Mapped[str] = mapped_column(FOLDED_TEXT)
    given_fold: Mapped[str] = mapped_column(FOLDED_TEXT)
    """The names folded (domain.search_keys.fold): the order search lists patients in. A
    search aid derived from the names, not a detail: versions and their hashes leave it out."""


class PatientSearchKey(Base):
    """One key a patient is found by (a folded name word, or the folded MRN), at a numbered
    place: an edit rewrites the keys in place, and a place no longer needed holds "" (the
    application may not delete rows), which no search matches."""

    __tablename__ = "patient_search_keys"
    __table_args__ = (
        PrimaryKeyConstraint("patient_id", "position"),
        Index("ix_patient_search_keys_key", "key", "patient_id"),
    )

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(FOLDED_TEXT)


class PatientVersion(Base):
    """One version of a patient's details: append-only and hash-chained per patient, so the
    details a signed session was signed with are kept, and a rewrite is detected."""

    __tablename__ = "patient_versions"
    __table_args__ = (UniqueConstraint("patient_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    version: Mapped[int] = mapped_column(Integer)
    mrn: Mapped[str] = mapped_column(String(40))
    family_name: Mapped[str] = mapped_column(String(120))
    given_name: Mapped[str] = mapped_column(String(120))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(16))
    allergies: Mapped[str] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text)
    no_known_allergies_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    """None only for the version a patient registered before versions were kept was given."""
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
