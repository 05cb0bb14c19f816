"""SQLAlchemy ORM: tables only. No Qt, no business rules."""

from ketachart.models.base import Base
from ketachart.models.clinical import Event, InfusionSession, ProtocolVersion, SessionSummaryRecord
from ketachart.models.keys import Certificate, ClinicKey, UserKey, VouchedEntry
from ketachart.models.people import Patient, PatientSearchKey, PatientVersion, User
from ketachart.models.records import AuditEntry, ChainHead, RowVersion, Setting

__all__ = [
    "AuditEntry",
    "Base",
    "Certificate",
    "ChainHead",
    "ClinicKey",
    "Event",
    "InfusionSession",
    "Patient",
    "PatientSearchKey",
    "PatientVersion",
    "ProtocolVersion",
    "RowVersion",
    "SessionSummaryRecord",
    "Setting",
    "User",
    "UserKey",
    "VouchedEntry",
]

APPEND_ONLY_TABLES = (
    "events",
    "audit_entries",
    "sessions",
    "protocol_versions",
    "patient_versions",
    "clinic_keys",
    "user_keys",
    "certificates",
    "vouched_entries",
    "row_versions",
)
