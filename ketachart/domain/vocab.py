"""Fixed vocabularies used by the chart (stored by value, shown by label)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    NURSE = "nurse"
    PHYSICIAN = "physician"
    ADMIN = "admin"


class PreCheckCode(StrEnum):
    IDENTITY = "identity"
    CONSENT = "consent"
    FASTING = "fasting"
    PREGNANCY = "pregnancy"
    CONCOMITANT_MEDS = "concomitant_meds"
    RIDE_ARRANGED = "ride_arranged"


PRE_CHECK_LABELS: dict[PreCheckCode, str] = {
    PreCheckCode.IDENTITY: "Identity confirmed (name + DOB or MRN)",
    PreCheckCode.CONSENT: "Consent on file",
    PreCheckCode.FASTING: "Fasting as instructed",
    PreCheckCode.PREGNANCY: "Pregnancy status checked",
    PreCheckCode.CONCOMITANT_MEDS: "Concomitant medicines reviewed",
    PreCheckCode.RIDE_ARRANGED: "Ride home arranged",
}


class PreCheckStatus(StrEnum):
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"
    OVERRIDDEN = "overridden"


class SideEffectKind(StrEnum):
    NAUSEA = "nausea"
    VOMITING = "vomiting"
    HYPERTENSION = "hypertension"
    TACHYCARDIA = "tachycardia"
    AGITATION = "agitation"
    ANXIETY = "anxiety"
    DISSOCIATION = "dissociation"
    HEADACHE = "headache"
    DIZZINESS = "dizziness"
    HYPERSALIVATION = "hypersalivation"
    VISUAL_DISTURBANCE = "visual_disturbance"
    RESPIRATORY_DEPRESSION = "respiratory_depression"
    OTHER = "other"


class Severity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class DoseUnit(StrEnum):
    MG = "mg"
    MCG = "mcg"
    G = "g"
    ML = "mL"
    UNITS = "units"


class Route(StrEnum):
    IV = "IV"
    IM = "IM"
    PO = "PO"
    SL = "SL"
    ODT = "ODT"
    IN = "IN"
    SC = "SC"


class StopReason(StrEnum):
    COMPLETED = "completed"
    STOPPED_EARLY = "stopped_early"


class Nausea(StrEnum):
    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class MentalStatus(StrEnum):
    BASELINE = "baseline"
    DROWSY = "drowsy"
    CONFUSED = "confused"
    AGITATED = "agitated"


class ScoreKind(StrEnum):
    ALDRETE = "aldrete"
    PADSS = "padss"


class Instruction(StrEnum):
    NO_DRIVING = "no_driving"
    NO_MAJOR_DECISIONS = "no_major_decisions"
    NO_ALCOHOL_OR_SEDATIVES = "no_alcohol_or_sedatives"
    WHEN_TO_CALL = "when_to_call"


INSTRUCTION_LABELS: dict[Instruction, str] = {
    Instruction.NO_DRIVING: "No driving until the next day after sleep (at least 24 h)",
    Instruction.NO_MAJOR_DECISIONS: "No major decisions for 24 h",
    Instruction.NO_ALCOHOL_OR_SEDATIVES: "No alcohol or sedatives for 24 h",
    Instruction.WHEN_TO_CALL: "When and whom to call",
}


class AlertResponse(StrEnum):
    """What a nurse did about an abnormal reading, acknowledged with the reading itself."""

    STIMULATED = "stimulated"
    OXYGEN = "oxygen"
    RATE_REDUCED = "rate_reduced"
    INFUSION_PAUSED = "infusion_paused"
    PHYSICIAN_NOTIFIED = "physician_notified"
    RECHECK = "recheck"
    OTHER = "other"


ALERT_RESPONSE_LABELS: dict[AlertResponse, str] = {
    AlertResponse.STIMULATED: "Stimulated patient",
    AlertResponse.OXYGEN: "Supplemental O2",
    AlertResponse.RATE_REDUCED: "Rate reduced",
    AlertResponse.INFUSION_PAUSED: "Infusion paused",
    AlertResponse.PHYSICIAN_NOTIFIED: "Physician notified",
    AlertResponse.RECHECK: "Recheck in 5 min",
    AlertResponse.OTHER: "Other",
}

IV_GAUGES = (14, 16, 18, 20, 22, 24, 26)


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    PRE_CHECKS = "pre_checks"
    INFUSING = "infusing"
    PAUSED = "paused"
    RECOVERY = "recovery"
    DISCHARGED = "discharged"
    SIGNED = "signed"


STATUS_LABELS: dict[SessionStatus, str] = {
    SessionStatus.SCHEDULED: "Scheduled",
    SessionStatus.PRE_CHECKS: "Pre-checks",
    SessionStatus.INFUSING: "Infusing",
    SessionStatus.PAUSED: "Paused",
    SessionStatus.RECOVERY: "Recovery",
    SessionStatus.DISCHARGED: "Discharged",
    SessionStatus.SIGNED: "Signed",
}
