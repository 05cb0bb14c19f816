"""Protocols: the clinic-editable template a session follows (dose rule, intervals, limits)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from ketachart.domain import limits
from ketachart.domain.checks import Checks
from ketachart.domain.vocab import ScoreKind


class DoseMode(StrEnum):
    PER_KG_OVER_MINUTES = "per_kg_over_minutes"
    PER_KG_PER_HOUR = "per_kg_per_hour"


@dataclass(frozen=True)
class AlertThresholds:
    """Alert limits; the defaults are those in the clinical reference."""

    bp_rise_systolic: int = 40
    bp_rise_diastolic: int = 25
    systolic_max: int = 180
    diastolic_max: int = 120
    spo2_min: int = 92
    hr_min: int = 50
    hr_max: int = 120
    rr_min: int = 10
    moaas_alert_at_or_below: int = 2
    weight_min_kg: Decimal = Decimal(30)
    weight_max_kg: Decimal = Decimal(250)
    weight_change_fraction: Decimal = Decimal("0.10")
    # Before the first mL: a baseline above this blocks the infusion start (physician override).
    pre_infusion_systolic_max: int = 160
    pre_infusion_diastolic_max: int = 100
    # A first-session weight above this asks "is this in pounds?".
    pounds_question_above_kg: Decimal = Decimal(150)

    def check(self, checks: Checks) -> None:
        checks.in_range(
            "alerts.bp_rise_systolic", "Systolic rise alert", self.bp_rise_systolic, 5, 100, "mmHg"
        )
        checks.in_range(
            "alerts.bp_rise_diastolic",
            "Diastolic rise alert",
            self.bp_rise_diastolic,
            5,
            100,
            "mmHg",
        )
        checks.in_range(
            "alerts.systolic_max", "Systolic limit", self.systolic_max, 100, 250, "mmHg"
        )
        checks.in_range(
            "alerts.diastolic_max", "Diastolic limit", self.diastolic_max, 60, 160, "mmHg"
        )
        checks.in_range("alerts.spo2_min", "SpO2 alert", self.spo2_min, 80, 99, "%")
        checks.in_range("alerts.hr_min", "Low heart rate alert", self.hr_min, 30, 80, "/min")
        checks.in_range("alerts.hr_max", "High heart rate alert", self.hr_max, 90, 200, "/min")
        checks.in_range("alerts.rr_min", "Low respiratory rate alert", self.rr_min, 4, 16, "/min")
        checks.in_range(
            "alerts.moaas_alert_at_or_below", "MOAA/S alert", self.moaas_alert_at_or_below, 0, 4, ""
        )
        self._check_weight_limits(checks)
        self._check_pre_infusion_limits(checks)

    def _check_pre_infusion_limits(self, checks: Checks) -> None:
        checks.in_range(
            "alerts.pre_infusion_systolic_max",
            "Pre-infusion systolic limit",
            self.pre_infusion_systolic_max,
            100,
            250,
            "mmHg",
        )
        checks.in_range(
            "alerts.pre_infusion_diastolic_max",
            "Pre-infusion diastolic limit",
            self.pre_infusion_diastolic_max,
            60,
            160,
            "mmHg",
        )
        checks.in_range(
            "alerts.pounds_question_above_kg",
            "First-weight pounds question",
            self.pounds_question_above_kg,
            60,
            400,
            "kg",
        )

    def _check_weight_limits(self, checks: Checks) -> None:
        checks.in_range(
            "alerts.weight_min_kg", "Low weight alert", self.weight_min_kg, 2, 100, "kg"
        )
        checks.in_range(
            "alerts.weight_max_kg", "High weight alert", self.weight_max_kg, 100, 400, "kg"
        )
        checks.in_range(
            "alerts.weight_change_fraction",
            "Weight change alert",
            self.weight_change_fraction,
            Decimal("0.01"),
            Decimal(1),
            "(fraction)",
        )


@dataclass(frozen=True)
class ProtocolSpec:
    """One version of a protocol. Editing a protocol makes a new version; sessions keep theirs."""

    code: str
    name: str
    indication: str
    drug: str
    concentration_mg_ml: Decimal
    dose_mode: DoseMode
    dose_mg_per_kg: Decimal
    duration_min: int
    max_total_mg_per_kg: Decimal
    max_rate_mg_per_kg_h: Decimal
    # Starting at, or changing to, a rate more than this fraction above the plan asks for a
    # confirmation with a reason.
    rate_above_plan_fraction: Decimal = Decimal("0.25")
    vitals_interval_min: int = 10
    peak_check_min: int = 40
    recovery_interval_min: int = 15
    min_observation_min: int = 30
    discharge_score: ScoreKind = ScoreKind.ALDRETE
    discharge_threshold: int = 9
    alerts: AlertThresholds = field(default_factory=AlertThresholds)
    is_example: bool = False
    version: int = 1

    @property
    def planned_total_mg_per_kg(self) -> Decimal:
        if self.dose_mode is DoseMode.PER_KG_OVER_MINUTES:
            return self.dose_mg_per_kg
        return self.dose_mg_per_kg * self.duration_min / 60

    def check(self, checks: Checks) -> None:
        checks.text("code", "Protocol code", self.code, required=True, max_len=limits.CODE)
        checks.text("name", "Protocol name", self.name, required=True, max_len=limits.TITLE)
        checks.text(
            "indication", "Indication", self.indication, required=True, max_len=limits.TITLE
        )
        checks.text("drug", "Drug", self.drug, required=True, max_len=limits.LABEL)
        checks.in_range(
            "concentration_mg_ml",
            "Concentration",
            self.concentration_mg_ml,
            Decimal("0.1"),
            Decimal(100),
            "mg/mL",
        )
        checks.in_range(
            "dose_mg_per_kg", "Dose", self.dose_mg_per_kg, Decimal("0.01"), Decimal(10), "mg/kg"
        )
        checks.in_range("duration_min", "Duration", self.duration_min, 10, 480, "min")
        checks.in_range(
            "max_total_mg_per_kg",
            "Maximum dose",
            self.max_total_mg_per_kg,
            Decimal("0.01"),
            Decimal(20),
            "mg/kg",
        )
        checks.in_range(
            "max_rate_mg_per_kg_h",
            "Maximum rate",
            self.max_rate_mg_per_kg_h,
            Decimal("0.01"),
            Decimal(10),
            "mg/kg/h",
        )
        checks.in_range(
            "rate_above_plan_fraction",
            "Rate above plan confirmation",
            self.rate_above_plan_fraction,
            Decimal(0),
            Decimal(5),
            "(fraction)",
        )
        self._check_intervals(checks)
        self.alerts.check(checks)
        if not checks.problems and self.planned_total_mg_per_kg > self.max_total_mg_per_kg:
            checks.fail("max_total_mg_per_kg", "The planned dose is above the protocol maximum.")

    def _check_intervals(self, checks: Checks) -> None:
        checks.in_range(
            "vitals_interval_min", "Vitals interval", self.vitals_interval_min, 1, 60, "min"
        )
        checks.in_range("peak_check_min", "Peak BP check", self.peak_check_min, 0, 240, "min")
        checks.in_range(
            "recovery_interval_min",
            "Recovery-check interval",
            self.recovery_interval_min,
            5,
            30,
            "min",
        )
        checks.in_range(
            "min_observation_min", "Minimum observation", self.min_observation_min, 30, 480, "min"
        )
        checks.in_range(
            "discharge_threshold", "Discharge score threshold", self.discharge_threshold, 0, 10, ""
        )


EXAMPLE_PROTOCOLS: tuple[ProtocolSpec, ...] = (
    ProtocolSpec(
        code="EXAMPLE-TRD-40",
        name="EXAMPLE - edit before use: depression, 0.5 mg/kg over 40 min",
        indication="Treatment-resistant depression",
        drug="Ketamine",
        concentration_mg_ml=Decimal(1),
        dose_mode=DoseMode.PER_KG_OVER_MINUTES,
        dose_mg_per_kg=Decimal("0.5"),
        duration_min=40,
        max_total_mg_per_kg=Decimal("1.0"),
        max_rate_mg_per_kg_h=Decimal("1.5"),
        is_example=True,
    ),
    ProtocolSpec(
        code="EXAMPLE-PTSD-40",
        name="EXAMPLE - edit before use: PTSD / anxiety, 0.5 mg/kg over 40 min",
        indication="PTSD and anxiety",
        drug="Ketamine",
        concentration_mg_ml=Decimal(1),
        dose_mode=DoseMode.PER_KG_OVER_MINUTES,
        dose_mg_per_kg=Decimal("0.5"),
        duration_min=40,
        max_total_mg_per_kg=Decimal("0.8"),
        max_rate_mg_per_kg_h=Decimal("1.2"),
        vitals_interval_min=5,
        is_example=True,
    ),
    ProtocolSpec(
        code="EXAMPLE-PAIN-4H",
        name="EXAMPLE - edit before use: chronic pain, 0.5 mg/kg/h for 4 h",
        indication="Chronic pain",
        drug="Ketamine",
        concentration_mg_ml=Decimal(2),
        dose_mode=DoseMode.PER_KG_PER_HOUR,
        dose_mg_per_kg=Decimal("0.5"),
        duration_min=240,
        max_total_mg_per_kg=Decimal("2.5"),
        max_rate_mg_per_kg_h=Decimal("1.0"),
        vitals_interval_min=15,
        min_observation_min=60,
        discharge_score=ScoreKind.PADSS,
        is_example=True,
    ),
)
