"""Every code an alert, a confirmation or an override carries, with its label.

One enumeration: the screens, the PDF and the services name these codes and print these
labels; nobody keeps a copy of the words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar


class ClinicalCode(StrEnum):
    # Alerts
    VITALS_OVERDUE = "vitals_overdue"
    RECOVERY_OVERDUE = "recovery_overdue"
    BP_RISE = "bp_rise"
    BP_HIGH = "bp_high"
    SPO2_LOW = "spo2_low"
    HR_LOW = "hr_low"
    HR_HIGH = "hr_high"
    RR_LOW = "rr_low"
    SEDATION_DEEP = "sedation_deep"
    DOSE_ABOVE_MAX = "dose_above_max"
    PUMP_MISMATCH = "pump_mismatch"
    # Confirmations (a reason from the person charting)
    WEIGHT_POUNDS = "weight.pounds"
    WEIGHT_CHANGE = "weight.change"
    WEIGHT_LOW = "weight.low"
    RATE_ABOVE_PLAN = "rate.above_plan"
    # Overrides (a reason approved by a physician)
    DOSE_RATE = "dose.rate"
    DOSE_TOTAL = "dose.total"
    BP_PRE_INFUSION = "bp.pre_infusion"
    DISCHARGE_OBSERVATION = "discharge.observation"
    DISCHARGE_SCORE = "discharge.score"
    DISCHARGE_IV = "discharge.iv"
    DISCHARGE_RIDE = "discharge.ride"
    DOSE_RECONCILIATION = "dose.reconciliation"


CODE_LABELS: dict[ClinicalCode, str] = {
    ClinicalCode.VITALS_OVERDUE: "Vitals overdue",
    ClinicalCode.RECOVERY_OVERDUE: "Recovery check overdue",
    ClinicalCode.BP_RISE: "BP rise",
    ClinicalCode.BP_HIGH: "BP high",
    ClinicalCode.SPO2_LOW: "SpO2 low",
    ClinicalCode.HR_LOW: "HR low",
    ClinicalCode.HR_HIGH: "HR high",
    ClinicalCode.RR_LOW: "RR low",
    ClinicalCode.SEDATION_DEEP: "Deep sedation",
    ClinicalCode.DOSE_ABOVE_MAX: "Dose above maximum",
    ClinicalCode.PUMP_MISMATCH: "Pump mismatch",
    ClinicalCode.WEIGHT_POUNDS: "Weight in pounds?",
    ClinicalCode.WEIGHT_CHANGE: "Weight changed",
    ClinicalCode.WEIGHT_LOW: "Weight implausibly low",
    ClinicalCode.RATE_ABOVE_PLAN: "Rate above plan",
    ClinicalCode.DOSE_RATE: "Rate above protocol maximum",
    ClinicalCode.DOSE_TOTAL: "Total dose above protocol maximum",
    ClinicalCode.BP_PRE_INFUSION: "Baseline BP above pre-infusion limit",
    ClinicalCode.DISCHARGE_OBSERVATION: "Discharge before minimum observation",
    ClinicalCode.DISCHARGE_SCORE: "Discharge without a passing current score",
    ClinicalCode.DISCHARGE_IV: "Discharge with the IV in place",
    ClinicalCode.DISCHARGE_RIDE: "Discharge without a confirmed ride",
    ClinicalCode.DOSE_RECONCILIATION: "Dose reconciliation (physician co-sign)",
}

ALERT_CODES = frozenset(
    {
        ClinicalCode.VITALS_OVERDUE,
        ClinicalCode.RECOVERY_OVERDUE,
        ClinicalCode.BP_RISE,
        ClinicalCode.BP_HIGH,
        ClinicalCode.SPO2_LOW,
        ClinicalCode.HR_LOW,
        ClinicalCode.HR_HIGH,
        ClinicalCode.RR_LOW,
        ClinicalCode.SEDATION_DEEP,
        ClinicalCode.DOSE_ABOVE_MAX,
        ClinicalCode.PUMP_MISMATCH,
    }
)

# Codes only a physician may approve; the others a nurse confirms with a reason.
PHYSICIAN_CODES = frozenset(
    {
        ClinicalCode.DOSE_RATE,
        ClinicalCode.DOSE_TOTAL,
        ClinicalCode.BP_PRE_INFUSION,
        ClinicalCode.DISCHARGE_OBSERVATION,
        ClinicalCode.DISCHARGE_SCORE,
        ClinicalCode.DISCHARGE_IV,
        ClinicalCode.DISCHARGE_RIDE,
        ClinicalCode.DOSE_RECONCILIATION,
    }
)

# Physician codes that co-sign an entry rather than override a rule.
COSIGN_CODES = frozenset({ClinicalCode.DOSE_RECONCILIATION})


def code_label(code: str) -> str:
    """The label of a code; an unknown code (from an older version) is shown as stored."""
    try:
        return CODE_LABELS[ClinicalCode(code)]
    except ValueError:
        return code


@dataclass(frozen=True)
class Concern:
    """Something an entry needs approved before it is saved: a confirmation (a reason) or,
    for PHYSICIAN_CODES, a physician's override. `detail` names the value that raised it, so
    that the same concern with a new value (a corrected rate, a new weight) is a new one."""

    code: ClinicalCode
    message: str
    detail: str = ""

    @property
    def physician(self) -> bool:
        return self.code in PHYSICIAN_CODES


class HasCode(Protocol):
    @property
    def code(self) -> str: ...


Coded = TypeVar("Coded", bound=HasCode)


def first_per_code(items: Iterable[Coded]) -> list[Coded]:
    """One item per code, the first found (one reason answers every item of a code)."""
    seen: dict[str, Coded] = {}
    for item in items:
        seen.setdefault(item.code, item)
    return list(seen.values())
