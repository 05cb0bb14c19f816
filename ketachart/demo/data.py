"""The synthetic people and words the demo charts with. Every name here is invented."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ketachart.domain.vocab import DoseUnit, Role, Route, Severity, SideEffectKind


@dataclass(frozen=True)
class StaffSpec:
    username: str
    display_name: str
    credentials: str
    role: Role
    password: str


STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("demoadmin", "Ádám Kovács", "", Role.ADMIN, "cobalt-harbor-2026"),
    StaffSpec("nina", "Nina Øster", "RN", Role.NURSE, "tulip-meadow-river"),
    StaffSpec("jose", "José Peña", "RN", Role.NURSE, "amber-falcon-stone"),
    StaffSpec("agnieszka", "Agnieszka Wróbel", "RN", Role.NURSE, "silver-otter-bridge"),
    StaffSpec("drnunez", "María Núñez", "MD", Role.PHYSICIAN, "cedar-lantern-moss"),
    StaffSpec("drweiss", "Jürgen Weiß", "MD", Role.PHYSICIAN, "plum-glacier-rain"),
)
CLINIC_PASSPHRASE = "demo-clinic-key-juniper-41"
"""The demo clinic's key passphrase (synthetic, printed with the demo accounts): a tester
types it on the staff screen to add or change an account."""

CLINIC_NAME = "Lindenhof Infusion Clinic (demo data)"
CLINIC_ADDRESS = "Mühlenstraße 12, 10115 Berlin · Tel. +49 30 5550 1234"

GIVEN_NAMES: tuple[tuple[str, str], ...] = (
    ("Zoë", "female"),
    ("Amélie", "female"),
    ("Joaquín", "male"),
    ("Łucja", "female"),
    ("Björn", "male"),
    ("Søren", "male"),
    ("Çağla", "female"),
    ("François", "male"),
    ("Núria", "female"),
    ("Małgorzata", "female"),
    ("Jürgen", "male"),
    ("Anaïs", "female"),
    ("Ödön", "male"),
    ("Sinéad", "female"),
    ("Dagný", "female"),
    ("Αθηνά", "female"),
    ("Νίκος", "male"),
    ("芳", "female"),
    ("伟", "male"),
    ("Zoltán", "male"),
    ("Grete", "female"),
    ("Émile", "male"),
    ("Ingrid", "female"),
    ("Tomáš", "male"),
    ("Renée", "female"),
    ("Iñigo", "male"),
    ("Alex", "other"),
)

FAMILY_NAMES: tuple[str, ...] = (
    "Łukasiewicz",
    "Müller",
    "Weiß",
    "Nørgaard",
    "Peña",
    "Çelik",
    "Dvořák",
    "Brontë",
    "Ibáñez",
    "Kowalczyk",
    "Øvergård",
    "Strauß",
    "Ó Briain",
    "Παπαδόπουλος",
    "王",
    "李",
    "Schröder",
    "Ramírez",
    "Šimůnek",
    "Lefèvre",
    "García",
    "Åström",
    "Fuß",
    "Nguyễn",
    "Żółkiewski",
)

ALLERGIES: tuple[str, ...] = (
    "Penicillin (rash)",
    "Sulfonamides",
    "Latex",
    "Codeine (nausea)",
    "Shellfish",
    "Adhesive tape (skin irritation)",
)

ESCORTS: tuple[tuple[str, str], ...] = (
    ("Jürgen Weiß", "spouse"),
    ("Ana Núñez", "sister"),
    ("Søren Dahl", "partner"),
    ("Marta Łęcka", "friend"),
    ("François Dubois", "father"),
    ("Çiğdem Aydın", "daughter"),
    ("Ελένη Ιωάννου", "mother"),
    ("李娜", "wife"),
)

IV_SITES: tuple[str, ...] = (
    "Left antecubital",
    "Right antecubital",
    "Left forearm",
    "Right forearm",
    "Left hand, dorsal",
)

NOTES: tuple[str, ...] = (
    "Patient settled with eyeshades and own music; intentions for the session discussed.",
    "Patient reports a pleasant floating feeling; calm, breathing easily.",
    "Lights dimmed at patient's request. Call bell within reach.",
    "Patient briefly tearful, reassured; settled within a few minutes.",
    "Patient asks about the next appointment; scheduling informed.",
)

ADDENDA: tuple[str, ...] = (
    "Follow-up call the next day: patient well, slept normally, no residual dizziness.",
    "Patient phoned the next morning: mild headache overnight, resolved with paracetamol.",
    "Escort confirmed by phone that the patient arrived home safely.",
    "PHQ-9 completed at home the next day and reviewed; no item-9 concerns.",
)


@dataclass(frozen=True)
class RescueSpec:
    drug: str
    dose: Decimal
    unit: DoseUnit
    route: Route
    response: str


@dataclass(frozen=True)
class SideEffectSpec:
    kind: SideEffectKind
    severity: Severity
    description: str
    intervention: str
    rescue: RescueSpec | None


SIDE_EFFECTS: tuple[SideEffectSpec, ...] = (
    SideEffectSpec(
        SideEffectKind.NAUSEA,
        Severity.MODERATE,
        "Nausea without vomiting.",
        "Ondansetron given, emesis bag at hand.",
        RescueSpec(
            "Ondansetron", Decimal(4), DoseUnit.MG, Route.IV, "Nausea settled within 10 min."
        ),
    ),
    SideEffectSpec(
        SideEffectKind.ANXIETY,
        Severity.MODERATE,
        "Anxious, restless with the dissociation.",
        "Reassurance; midazolam per protocol.",
        RescueSpec("Midazolam", Decimal(1), DoseUnit.MG, Route.IV, "Calmer after about 5 min."),
    ),
    SideEffectSpec(
        SideEffectKind.HYPERTENSION,
        Severity.MODERATE,
        "Blood pressure rise above the protocol alert limit.",
        "Physician informed; labetalol given; BP rechecked.",
        RescueSpec(
            "Labetalol", Decimal(10), DoseUnit.MG, Route.IV, "BP back below the alert limit."
        ),
    ),
    SideEffectSpec(
        SideEffectKind.DISSOCIATION,
        Severity.MILD,
        "Marked dissociation, patient comfortable.",
        "Reassurance, lights dimmed.",
        None,
    ),
    SideEffectSpec(
        SideEffectKind.HEADACHE,
        Severity.MILD,
        "Mild frontal headache.",
        "Paracetamol by mouth.",
        RescueSpec("Paracetamol", Decimal(1000), DoseUnit.MG, Route.PO, "Headache eased."),
    ),
    SideEffectSpec(
        SideEffectKind.DIZZINESS,
        Severity.MILD,
        "Light-headed when sitting up.",
        "Kept reclined, fluids offered.",
        None,
    ),
)

RATE_UP_REASON = "Tolerating well; titrated up per protocol after physician review."
RATE_DOWN_REASON = "Dissociation uncomfortable for the patient; rate reduced."
PAUSE_REASONS: tuple[str, ...] = (
    "Patient asked for a short break (bathroom).",
    "Blood pressure recheck before continuing.",
    "Pump occlusion alarm; line checked and flushed.",
)
EARLY_STOP_DETAIL = "Patient asked to stop: dissociation too intense today."
RECONCILE_REASON = "Vial record mistyped: the pump volume and the charted rates agree."
RECONCILE_COSIGN = "Pump history and vial checked with the nurse."
