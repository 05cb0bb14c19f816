"""What each kind of timeline event holds, and the plausibility checks of each value.

Plausibility ranges here are hard limits (a value outside is a typing error). Alert thresholds,
which are clinical judgement, live in the protocol and are editable per clinic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ketachart.domain import limits
from ketachart.domain.checks import Checks, too_long
from ketachart.domain.codec import OMIT_IF_NONE
from ketachart.domain.codes import ClinicalCode
from ketachart.domain.scores import check_score_items
from ketachart.domain.vocab import (
    INSTRUCTION_LABELS,
    IV_GAUGES,
    PRE_CHECK_LABELS,
    AlertResponse,
    DoseUnit,
    Instruction,
    MentalStatus,
    Nausea,
    PreCheckCode,
    PreCheckStatus,
    Route,
    ScoreKind,
    Severity,
    SideEffectKind,
    StopReason,
)

WEIGHT_KG = (Decimal(2), Decimal(400))
RATE_ML_H = (Decimal(0), Decimal(999))
CONCENTRATION_MG_ML = (Decimal("0.1"), Decimal(100))
BAG_ML = (Decimal(1), Decimal(1000))


class Payload:
    """Base of every event payload."""

    def check(self, checks: Checks) -> None:
        """Add this payload's problems to `checks`."""


@dataclass(frozen=True)
class SessionOpened(Payload):
    weight_kg: Decimal

    def check(self, checks: Checks) -> None:
        checks.in_range("weight_kg", "Weight", self.weight_kg, *WEIGHT_KG, "kg")
        checks.decimal_places("weight_kg", "Weight", self.weight_kg, 1)


@dataclass(frozen=True)
class PreCheckItem:
    code: PreCheckCode
    status: PreCheckStatus
    detail: str = ""


@dataclass(frozen=True)
class PreChecks(Payload):
    """The checks charted now, and the escort arranged for the ride home (kept as typed, so
    that discharge can offer the same escort for the nurse to confirm)."""

    items: tuple[PreCheckItem, ...]
    escort_name: str = ""
    escort_relationship: str = ""
    escort_phone: str = ""

    def check(self, checks: Checks) -> None:
        if not self.items:
            checks.fail("items", "At least one pre-session check is required.")
        for item in self.items:
            label = PRE_CHECK_LABELS[item.code]
            checks.text(f"items.{item.code}", label, item.detail, max_len=limits.REASON)
            if item.status is PreCheckStatus.OVERRIDDEN and not item.detail.strip():
                checks.fail(f"items.{item.code}", f"Overriding '{label}' needs a reason.")
        checks.text("escort_name", "Escort name", self.escort_name, max_len=limits.PERSON_NAME)
        checks.text(
            "escort_relationship", "Relationship", self.escort_relationship, max_len=limits.CONTACT
        )
        # Kept as typed: the nurse confirms the phone number with the ride home at discharge.
        checks.text("escort_phone", "Escort phone", self.escort_phone, max_len=limits.CONTACT)

    @property
    def escort(self) -> Escort | None:
        """The escort typed with these checks, None if none was."""
        escort = Escort(self.escort_name, self.escort_relationship, self.escort_phone)
        return escort if escort.given else None


@dataclass(frozen=True)
class Escort:
    """Who takes the patient home, as arranged (pre-checks) or confirmed (ride home)."""

    name: str
    relationship: str
    phone: str

    @property
    def given(self) -> bool:
        return any(t.strip() for t in (self.name, self.relationship, self.phone))


@dataclass(frozen=True)
class IvStart(Payload):
    site: str
    gauge: int
    attempts: int

    def check(self, checks: Checks) -> None:
        checks.text("site", "IV site", self.site, required=True, max_len=limits.LABEL)
        if self.gauge not in IV_GAUGES:
            allowed = ", ".join(str(g) for g in IV_GAUGES)
            checks.fail("gauge", f"Gauge {self.gauge} is not a catheter size: allowed {allowed}.")
        checks.in_range("attempts", "Attempts", self.attempts, 1, 10, "")


@dataclass(frozen=True)
class InfusionStart(Payload):
    drug: str
    concentration_mg_ml: Decimal
    bag_volume_ml: Decimal
    rate_ml_h: Decimal
    dose_mg_h: Decimal = Decimal(0)
    dose_mg_kg_h: Decimal = Decimal(0)

    def check(self, checks: Checks) -> None:
        checks.text("drug", "Drug", self.drug, required=True, max_len=limits.LABEL)
        checks.in_range(
            "concentration_mg_ml",
            "Concentration",
            self.concentration_mg_ml,
            *CONCENTRATION_MG_ML,
            "mg/mL",
        )
        checks.in_range("bag_volume_ml", "Bag volume", self.bag_volume_ml, *BAG_ML, "mL")
        check_rate(checks, self.rate_ml_h, allow_zero=False)
        check_dose_fields(checks, self.dose_mg_h, self.dose_mg_kg_h)


def check_rate(checks: Checks, rate_ml_h: Decimal, *, allow_zero: bool) -> None:
    low = RATE_ML_H[0] if allow_zero else Decimal("0.1")
    checks.in_range("rate_ml_h", "Pump rate", rate_ml_h, low, RATE_ML_H[1], "mL/h")
    checks.decimal_places("rate_ml_h", "Pump rate", rate_ml_h, 1)


def check_dose_fields(checks: Checks, dose_mg_h: Decimal, dose_mg_kg_h: Decimal) -> None:
    """The dose derived from the rate (filled in by the service): a number, not negative."""
    for name, value, unit in (
        ("dose_mg_h", dose_mg_h, "mg/h"),
        ("dose_mg_kg_h", dose_mg_kg_h, "mg/kg/h"),
    ):
        if not value.is_finite() or value < 0:
            checks.fail(name, f"The dose rate in {unit} must be a number of 0 or more.")


@dataclass(frozen=True)
class RateChange(Payload):
    rate_ml_h: Decimal
    reason: str
    dose_mg_h: Decimal = Decimal(0)
    dose_mg_kg_h: Decimal = Decimal(0)

    def check(self, checks: Checks) -> None:
        check_rate(checks, self.rate_ml_h, allow_zero=False)
        checks.text(
            "reason",
            "Reason for the rate change",
            self.reason,
            required=True,
            max_len=limits.REASON,
        )
        check_dose_fields(checks, self.dose_mg_h, self.dose_mg_kg_h)


@dataclass(frozen=True)
class Pause(Payload):
    reason: str

    def check(self, checks: Checks) -> None:
        checks.text(
            "reason", "Reason for the pause", self.reason, required=True, max_len=limits.REASON
        )


@dataclass(frozen=True)
class Resume(Payload):
    note: str = ""

    def check(self, checks: Checks) -> None:
        checks.text("note", "Note", self.note, max_len=limits.REASON)


@dataclass(frozen=True)
class AlertAcknowledgement:
    """The nurse saw the alerts a reading raised (`codes`) and says what was done about them:
    saved with the reading itself, so the chart never holds an unanswered abnormal reading."""

    codes: tuple[ClinicalCode, ...]
    responses: tuple[AlertResponse, ...]
    detail: str = ""

    def check(self, checks: Checks) -> None:
        field_name = "acknowledgement"
        if not self.responses:
            checks.fail(field_name, "Choose at least one response to the alerts.")
        needs_detail = AlertResponse.OTHER in self.responses
        checks.text(
            field_name, "Response detail", self.detail, required=needs_detail, max_len=limits.REASON
        )


@dataclass(frozen=True)
class Vitals(Payload):
    systolic: int
    diastolic: int
    heart_rate: int
    resp_rate: int
    spo2: int
    temperature_c: Decimal | None = None
    moaas: int | None = None
    pain: int | None = None
    cadss6: int | None = None
    acknowledgement: AlertAcknowledgement | None = field(
        default=None, metadata={OMIT_IF_NONE: True}
    )
    """Left out of the stored form when None: readings stored before acknowledgements
    existed keep their exact canonical JSON."""

    def check(self, checks: Checks) -> None:
        checks.in_range("systolic", "Systolic BP", self.systolic, 40, 300, "mmHg")
        checks.in_range("diastolic", "Diastolic BP", self.diastolic, 20, 200, "mmHg")
        if self.diastolic >= self.systolic:
            checks.fail("diastolic", "Diastolic BP must be lower than systolic BP.")
        checks.in_range("heart_rate", "Heart rate", self.heart_rate, 20, 250, "/min")
        checks.in_range("resp_rate", "Respiratory rate", self.resp_rate, 2, 60, "/min")
        checks.in_range("spo2", "SpO2", self.spo2, 50, 100, "%")
        checks.optional_range(
            "temperature_c", "Temperature", self.temperature_c, Decimal(30), Decimal(43), "°C"
        )
        checks.decimal_places("temperature_c", "Temperature", self.temperature_c, 1)
        checks.optional_range("moaas", "MOAA/S", self.moaas, 0, 5, "")
        checks.optional_range("pain", "Pain", self.pain, 0, 10, "")
        checks.optional_range("cadss6", "CADSS-6", self.cadss6, 0, 24, "")
        if self.acknowledgement is not None:
            self.acknowledgement.check(checks)


@dataclass(frozen=True)
class SideEffect(Payload):
    kind: SideEffectKind
    severity: Severity
    description: str = ""
    intervention: str = ""

    def check(self, checks: Checks) -> None:
        checks.text(
            "description",
            "Description",
            self.description,
            required=self.kind is SideEffectKind.OTHER,
            max_len=limits.DESCRIPTION,
        )
        checks.text("intervention", "Intervention", self.intervention, max_len=limits.DESCRIPTION)


@dataclass(frozen=True)
class RescueMedicine(Payload):
    drug: str
    dose: Decimal
    unit: DoseUnit
    route: Route
    indication: str = ""
    response: str = ""
    side_effect_id: str | None = None

    def check(self, checks: Checks) -> None:
        checks.text("drug", "Drug", self.drug, required=True, max_len=limits.LABEL)
        checks.in_range("dose", "Dose", self.dose, Decimal("0.001"), Decimal(10000), self.unit)
        checks.decimal_places("dose", "Dose", self.dose, 3)
        checks.text("indication", "Indication", self.indication, max_len=limits.REASON)
        checks.text("response", "Response", self.response, max_len=limits.DESCRIPTION)


@dataclass(frozen=True)
class Note(Payload):
    text: str

    def check(self, checks: Checks) -> None:
        checks.text("text", "Note", self.text, required=True, max_len=limits.NOTE, multiline=True)


@dataclass(frozen=True)
class InfusionStop(Payload):
    pump_volume_ml: Decimal
    reason: StopReason
    detail: str = ""

    def check(self, checks: Checks) -> None:
        checks.in_range(
            "pump_volume_ml", "Volume infused", self.pump_volume_ml, Decimal(0), BAG_ML[1], "mL"
        )
        checks.decimal_places("pump_volume_ml", "Volume infused", self.pump_volume_ml, 1)
        checks.text(
            "detail",
            "Reason",
            self.detail,
            required=self.reason is StopReason.STOPPED_EARLY,
            max_len=limits.REASON,
        )


@dataclass(frozen=True)
class RecoveryCheck(Payload):
    vitals: Vitals
    nausea: Nausea
    mental_status: MentalStatus
    score_kind: ScoreKind
    score_items: dict[str, int] = field(default_factory=dict)

    def check(self, checks: Checks) -> None:
        self.vitals.check(checks)
        check_score_items(checks, self.score_kind, self.score_items)


@dataclass(frozen=True)
class IvRemoved(Payload):
    catheter_intact: bool
    site_ok: bool
    note: str = ""

    def check(self, checks: Checks) -> None:
        needs_note = not (self.catheter_intact and self.site_ok)
        checks.text(
            "note",
            "Note on the catheter or site",
            self.note,
            required=needs_note,
            max_len=limits.REASON,
        )


@dataclass(frozen=True)
class RideConfirmed(Payload):
    escort_name: str
    relationship: str
    phone: str
    confirmed_by: str

    def check(self, checks: Checks) -> None:
        checks.text(
            "escort_name",
            "Escort name",
            self.escort_name,
            required=True,
            max_len=limits.PERSON_NAME,
        )
        checks.text(
            "relationship", "Relationship", self.relationship, required=True, max_len=limits.CONTACT
        )
        checks.text(
            "confirmed_by",
            "Confirmed by",
            self.confirmed_by,
            required=True,
            max_len=limits.PERSON_NAME,
        )
        long = too_long("Escort phone", self.phone, limits.CONTACT)
        digits = [] if long else [c for c in self.phone if c.isdigit()]
        if long is not None:
            checks.fail("phone", long)
        elif not 7 <= len(digits) <= 15 or any(c not in "0123456789+-() ." for c in self.phone):
            checks.fail("phone", "Escort phone must be a phone number (7-15 digits).")


@dataclass(frozen=True)
class DoseReconciliation(Payload):
    """Resolves a difference between the delivered dose, the pump volume and the
    controlled-substance record (clinical reference, "One reconciliation rule"): the amounts
    as they were found, the delivered amount accepted or an explanation, and why. It counts
    once a physician co-signs it, and only for the amounts it found."""

    delivered_mg: Decimal
    pump_mg: Decimal | None
    recorded_mg: Decimal | None
    reason: str
    accepted_mg: Decimal | None = None
    explanation: str = ""

    def check(self, checks: Checks) -> None:
        for name, found in (
            ("delivered_mg", self.delivered_mg),
            ("pump_mg", self.pump_mg),
            ("recorded_mg", self.recorded_mg),
        ):
            if found is not None and (not found.is_finite() or found < 0):
                checks.fail(name, "The amounts found must be numbers of 0 mg or more.")
        checks.text("reason", "Reason", self.reason, required=True, max_len=limits.REASON)
        checks.text("explanation", "Explanation", self.explanation, max_len=limits.DESCRIPTION)
        if self.accepted_mg is None and not self.explanation.strip():
            checks.fail(
                "accepted_mg",
                "Give the delivered amount accepted, or explain the difference.",
            )
        checks.optional_range(
            "accepted_mg",
            "Delivered amount accepted",
            self.accepted_mg,
            Decimal(0),
            Decimal(5000),
            "mg",
        )
        checks.decimal_places("accepted_mg", "Delivered amount accepted", self.accepted_mg, 2)


@dataclass(frozen=True)
class Discharge(Payload):
    instructions: tuple[Instruction, ...]
    note: str = ""

    def check(self, checks: Checks) -> None:
        missing = [i for i in Instruction if i not in self.instructions]
        if missing:
            names = "; ".join(INSTRUCTION_LABELS[m] for m in missing)
            checks.fail("instructions", f"Discharge instructions not yet given: {names}.")
        checks.text("note", "Note", self.note, max_len=limits.DESCRIPTION)


@dataclass(frozen=True)
class Correction(Payload):
    corrects: str
    reason: str
    replacement: dict[str, Any] | None = None
    replacement_occurred_at: datetime | None = None
    supersedes: str | None = None

    def check(self, checks: Checks) -> None:
        checks.text(
            "reason", "Reason for the correction", self.reason, required=True, max_len=limits.REASON
        )


@dataclass(frozen=True)
class ControlledSubstance(Payload):
    drug: str
    lot: str
    expiry: date
    concentration_mg_ml: Decimal
    container_ml: Decimal
    drawn_mg: Decimal
    administered_mg: Decimal
    wasted_mg: Decimal
    witness_user_id: int = 0
    witness_name: str = ""
    witness_signature: str | None = field(default=None, metadata={OMIT_IF_NONE: True})
    """The witness's digital signature of the rest of the record (services.charting)."""

    def check(self, checks: Checks) -> None:
        checks.text("drug", "Drug", self.drug, required=True, max_len=limits.LABEL)
        checks.text("lot", "Vial lot", self.lot, required=True, max_len=limits.CODE)
        checks.in_range(
            "concentration_mg_ml",
            "Concentration",
            self.concentration_mg_ml,
            *CONCENTRATION_MG_ML,
            "mg/mL",
        )
        checks.in_range(
            "container_ml", "Vial size", self.container_ml, Decimal(1), Decimal(100), "mL"
        )
        for name, label in (
            ("drawn_mg", "Drawn"),
            ("administered_mg", "Administered"),
            ("wasted_mg", "Wasted"),
        ):
            checks.in_range(name, label, getattr(self, name), Decimal(0), Decimal(5000), "mg")
        if not checks.problems and self.drawn_mg != self.administered_mg + self.wasted_mg:
            checks.fail(
                "wasted_mg",
                f"Drawn ({self.drawn_mg} mg) must equal administered "
                f"({self.administered_mg} mg) plus wasted ({self.wasted_mg} mg).",
            )
        if not checks.problems and self.drawn_mg > self.concentration_mg_ml * self.container_ml:
            checks.fail("drawn_mg", "Drawn amount is more than the vial holds.")


@dataclass(frozen=True)
class Attestation(Payload):
    meaning: str
    signer_name: str
    credentials: str
    content_hash: str
    head_seq: int
    head_hash: str
    patient_version_hash: str | None = field(default=None, metadata={OMIT_IF_NONE: True})
    """The patient's version at signing (services.patient_history), which `content_hash`
    then covers. Left out when None: signatures made before keep their canonical JSON."""
    key_signature: str | None = field(default=None, metadata={OMIT_IF_NONE: True})
    """The signer's digital signature of the rest (services.signing.signed_message)."""


@dataclass(frozen=True)
class Signature(Payload):
    meaning: str
    signer_name: str
    credentials: str
    content_hash: str
    head_seq: int
    head_hash: str
    addendum_id: str | None = None
    patient_version_hash: str | None = field(default=None, metadata={OMIT_IF_NONE: True})
    """As in Attestation: the patient as they were at signing is signed too."""
    key_signature: str | None = field(default=None, metadata={OMIT_IF_NONE: True})
    """The signer's digital signature of the rest (services.signing.signed_message)."""


@dataclass(frozen=True)
class Addendum(Payload):
    text: str

    def check(self, checks: Checks) -> None:
        checks.text(
            "text", "Addendum", self.text, required=True, max_len=limits.NOTE, multiline=True
        )
