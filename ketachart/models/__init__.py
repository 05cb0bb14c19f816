"""SQLAlchemy ORM: tables only. No Qt, no business rules."""

from ketachart.models.base import Base
from ketachart.models.clinical import Event, InfusionSession, ProtocolVersion
from ketachart.models.people import Patient, PatientSearchKey, PatientVersion, User
from ketachart.models.records import AuditEntry, ChainHead, Setting

__all__ = [
    "AuditEntry",
    "Base",
    "ChainHead",
    "Event",
    "InfusionSession",
    "Patient",
    "PatientSearchKey",
    "PatientVersion",
    "ProtocolVersion",
    "Setting",
    "User",
]

APPEND_ONLY_TABLES = (
    "events",
    "audit_entries",
    "sessions",
    "protocol_versions",
    "patient_versions",
)
