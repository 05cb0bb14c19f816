"""Properties of validation and the canonical encoding, over every payload type.

* Any value of the right type (NaN, infinities, huge numbers, unicode, control characters,
  surrogates, empty strings) either passes validation or raises ValidationError whose
  problems each name a field and say what is wrong; never any other exception.
* Values inside the documented plausible ranges always pass.
* What passes validation can be encoded, hashed, decoded back to an equal payload and
  re-encoded to the same bytes.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_CEILING, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ketachart.domain import payloads as p
from ketachart.domain.checks import Checks
from ketachart.domain.codec import canonical_json, format_instant, from_plain, to_plain
from ketachart.domain.dose import plan_dose
from ketachart.domain.events import (
    GENESIS_HASH,
    PAYLOAD_TYPES,
    EventKind,
    chain_hash,
    decode_payload,
    encode_payload,
    kind_of,
    validate_payload,
)
from ketachart.domain.protocol import EXAMPLE_PROTOCOLS, AlertThresholds, DoseMode, ProtocolSpec
from ketachart.domain.scores import SCORE_ITEMS
from ketachart.domain.vocab import (
    IV_GAUGES,
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
from ketachart.errors import ConfirmationRequired, FieldProblem, ValidationError
from tests.unit.gate_shims import check_weight

D = Decimal
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- Wild values: anything of the right Python type -------------------------------------------

ODD_TEXT = [
    "",
    " ",
    "\t\n",
    "\x00",
    "a\x00b",
    "\x07\x1b[31m",
    "\ud800",
    "x\udfff",
    "\u202eevil",
    "\u200b",
    "Zoë Łukasiewicz 🩺",
    "a" * 5000,
]
ODD_DECIMALS = [
    D("NaN"),
    D("-NaN"),
    D("sNaN"),
    D("Infinity"),
    D("-Infinity"),
    D("-0"),
    D("0E-30"),
    D("1E+999999"),
    D("-1E+999999"),
    D("1E-999999"),
    D("0.1000000000000000000000000000001"),
]
ODD_INTS = [0, -1, 2**31, 2**63, -(2**63), 10**40, -(10**40)]
ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]

ANY_CHARACTER = st.characters(exclude_categories=())
WILD_TEXT = st.text(ANY_CHARACTER, max_size=40) | st.sampled_from(ODD_TEXT)
# Plausible text has no invisible, format or control characters: those are refused everywhere.
SAFE_CHARACTER = st.characters(exclude_categories=["Cc", "Cf", "Co", "Cs", "Zl", "Zp"])
SAFE_TEXT = st.text(SAFE_CHARACTER, max_size=40)
WILD_DECIMAL = st.decimals(allow_nan=True, allow_infinity=True) | st.sampled_from(ODD_DECIMALS)
WILD_INT = st.integers() | st.sampled_from(ODD_INTS)
AWARE = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.sampled_from(ZONES)
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | SAFE_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(SAFE_TEXT, inner, max_size=3),
    max_leaves=8,
)

# Strings the system fills in (ids, hashes, signer names from the user table): not validated
# by the payload, so they are generated storable here.
SYSTEM_FIELDS: dict[type, frozenset[str]] = {
    p.Correction: frozenset({"corrects", "supersedes", "replacement"}),
    p.ControlledSubstance: frozenset({"witness_name"}),
    p.RescueMedicine: frozenset({"side_effect_id"}),
    p.Attestation: frozenset(
        {"meaning", "signer_name", "credentials", "content_hash", "head_hash"}
    ),
    p.Signature: frozenset(
        {"meaning", "signer_name", "credentials", "content_hash", "head_hash", "addendum_id"}
    ),
}


def wild(tp: Any, safe: bool = False) -> st.SearchStrategy[Any]:
    """Any value of type `tp` (dataclasses field by field)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(wild(arg, safe) for arg in typing.get_args(tp)))
    if origin is tuple:
        item = typing.get_args(tp)[0]
        return st.lists(wild(item, safe), max_size=5).map(tuple)
    if origin is dict:
        key, value = typing.get_args(tp)
        return st.dictionaries(wild(key, safe), wild(value, safe), max_size=6)
    if dataclasses.is_dataclass(tp):
        return wild_dataclass(typing.cast(type, tp))
    return _wild_simple(tp, safe)


def _wild_simple(tp: Any, safe: bool) -> st.SearchStrategy[Any]:
    simple: dict[Any, st.SearchStrategy[Any]] = {
        type(None): st.none(),
        Any: JSON,
        bool: st.booleans(),
        int: WILD_INT,
        str: SAFE_TEXT if safe else WILD_TEXT,
        Decimal: WILD_DECIMAL,
        datetime: AWARE,
        date: st.dates(),
    }
    if tp in simple:
        return simple[tp]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    raise TypeError(f"no strategy for {tp!r}")


def wild_dataclass(cls: type) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    system = SYSTEM_FIELDS.get(cls, frozenset())
    return st.builds(
        cls,
        **{f.name: wild(hints[f.name], f.name in system) for f in dataclasses.fields(cls)},
    )


def field_roots(cls: type) -> set[str]:
    """Names a problem's field may start with: the fields, nested fields, score items."""
    roots = {"score"}
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        roots.add(f.name)
        if dataclasses.is_dataclass(hints[f.name]):
            roots |= {g.name for g in dataclasses.fields(hints[f.name])}
    return roots


def problems_of(check: Callable[[], None]) -> tuple[FieldProblem, ...]:
    """Run a validation; it may pass or raise ValidationError, nothing else."""
    raised: ValidationError | None = None
    try:
        check()
    except ValidationError as error:
        raised = error
    if raised is None:
        return ()
    assert raised.problems
    for problem in raised.problems:
        assert isinstance(problem.field, str)
        assert problem.field.strip()
        assert isinstance(problem.message, str)
        assert problem.message.strip()
    assert raised.message == "; ".join(p.message for p in raised.problems)
    return raised.problems


KINDS = list(PAYLOAD_TYPES)


@pytest.mark.parametrize("kind", KINDS, ids=[k.value for k in KINDS])
@FAST
@given(data=st.data())
def test_wild_payloads_pass_or_raise_validation_error(kind: EventKind, data: st.DataObject) -> None:
    cls = PAYLOAD_TYPES[kind]
    payload = data.draw(wild_dataclass(cls))
    problems = problems_of(lambda: validate_payload(payload))
    roots = field_roots(cls)
    assert {pr.field.split(".")[0] for pr in problems} <= roots


@pytest.mark.parametrize("kind", KINDS, ids=[k.value for k in KINDS])
@FAST
@given(data=st.data())
def test_near_valid_payloads_pass_or_raise_validation_error(
    kind: EventKind, data: st.DataObject
) -> None:
    payload = data.draw(near_valid(kind))
    problems = problems_of(lambda: validate_payload(payload))
    assert {pr.field.split(".")[0] for pr in problems} <= field_roots(PAYLOAD_TYPES[kind])


@pytest.mark.parametrize("kind", KINDS, ids=[k.value for k in KINDS])
@FAST
@given(data=st.data())
def test_whatever_passes_validation_can_be_stored_and_read_back(
    kind: EventKind, data: st.DataObject
) -> None:
    payload = data.draw(near_valid(kind))
    if not problems_of(lambda: validate_payload(payload)):
        assert_round_trip(payload)


@st.composite
def near_valid(draw: st.DrawFn, kind: EventKind) -> p.Payload:
    """A plausible payload with some fields (often just one) replaced by wild values."""
    payload = draw(VALID[kind])
    cls = type(payload)
    hints = typing.get_type_hints(cls)
    system = SYSTEM_FIELDS.get(cls, frozenset())
    names = [f.name for f in dataclasses.fields(cls)]
    chosen = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    changes = {name: draw(wild(hints[name], name in system)) for name in chosen}
    return typing.cast(p.Payload, dataclasses.replace(payload, **changes))


@THOROUGH
@given(spec=wild_dataclass(ProtocolSpec))
def test_wild_protocols_pass_or_raise_validation_error(spec: ProtocolSpec) -> None:
    problems = problems_of(lambda: validate_spec(spec))
    assert {pr.field.split(".")[0] for pr in problems} <= field_roots(ProtocolSpec)


def validate_spec(spec: ProtocolSpec) -> None:
    checks = Checks()
    spec.check(checks)
    checks.done()


# -- Plausible values always pass -------------------------------------------------------------


def text(max_size: int, *, required: bool = False) -> st.SearchStrategy[str]:
    strategy = st.text(SAFE_CHARACTER, max_size=min(max_size, 60))
    return strategy.filter(str.strip) if required else strategy


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=D(low), max_value=D(high), places=places)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def valid_vitals(draw: st.DrawFn) -> p.Vitals:
    systolic = draw(st.integers(40, 300))
    return p.Vitals(
        systolic=systolic,
        diastolic=draw(st.integers(20, min(200, systolic - 1))),
        heart_rate=draw(st.integers(20, 250)),
        resp_rate=draw(st.integers(2, 60)),
        spo2=draw(st.integers(50, 100)),
        temperature_c=draw(optional(decimals("30", "43", 1))),
        moaas=draw(optional(st.integers(0, 5))),
        pain=draw(optional(st.integers(0, 10))),
        cadss6=draw(optional(st.integers(0, 24))),
    )


@st.composite
def valid_pre_check_item(draw: st.DrawFn) -> p.PreCheckItem:
    status = draw(st.sampled_from(PreCheckStatus))
    detail = draw(text(500, required=status is PreCheckStatus.OVERRIDDEN))
    return p.PreCheckItem(draw(st.sampled_from(PreCheckCode)), status, detail)


@st.composite
def valid_side_effect(draw: st.DrawFn) -> p.SideEffect:
    kind = draw(st.sampled_from(SideEffectKind))
    return p.SideEffect(
        kind,
        draw(st.sampled_from(Severity)),
        draw(text(1000, required=kind is SideEffectKind.OTHER)),
        draw(text(1000)),
    )


@st.composite
def valid_stop(draw: st.DrawFn) -> p.InfusionStop:
    reason = draw(st.sampled_from(StopReason))
    return p.InfusionStop(
        draw(decimals("0", "1000", 1)),
        reason,
        draw(text(500, required=reason is StopReason.STOPPED_EARLY)),
    )


@st.composite
def valid_recovery(draw: st.DrawFn) -> p.RecoveryCheck:
    kind = draw(st.sampled_from(ScoreKind))
    items = {name: draw(st.integers(0, 2)) for name in SCORE_ITEMS[kind]}
    return p.RecoveryCheck(
        draw(valid_vitals()),
        draw(st.sampled_from(Nausea)),
        draw(st.sampled_from(MentalStatus)),
        kind,
        items,
    )


@st.composite
def valid_iv_removed(draw: st.DrawFn) -> p.IvRemoved:
    intact, site_ok = draw(st.booleans()), draw(st.booleans())
    return p.IvRemoved(intact, site_ok, draw(text(500, required=not (intact and site_ok))))


PHONE_SEPARATORS = st.sampled_from(["", " ", "-", ".", "(", ")"])


@st.composite
def valid_phone(draw: st.DrawFn) -> str:
    digits = draw(st.lists(st.sampled_from("0123456789"), min_size=7, max_size=15))
    parts = [d + draw(PHONE_SEPARATORS) for d in digits]
    return draw(st.sampled_from(["", "+"])) + "".join(parts)


@st.composite
def valid_vial(draw: st.DrawFn) -> p.ControlledSubstance:
    concentration = draw(decimals("0.1", "100", 1))
    container = draw(decimals("1", "100", 1))
    most = min(D(5000), concentration * container)
    drawn = draw(st.decimals(min_value=0, max_value=most, places=3))
    administered = draw(st.decimals(min_value=0, max_value=drawn, places=3))
    return p.ControlledSubstance(
        drug=draw(text(80, required=True)),
        lot=draw(text(40, required=True)),
        expiry=draw(st.dates()),
        concentration_mg_ml=concentration,
        container_ml=container,
        drawn_mg=drawn,
        administered_mg=administered,
        wasted_mg=drawn - administered,
        witness_user_id=draw(st.integers(1, 10**6)),
        witness_name=draw(text(120)),
    )


def _signature_fields() -> dict[str, st.SearchStrategy[Any]]:
    return {
        "meaning": text(80, required=True),
        "signer_name": text(120, required=True),
        "credentials": text(40),
        "content_hash": st.text("0123456789abcdef", min_size=64, max_size=64),
        "head_seq": st.integers(1, 10**6),
        "head_hash": st.text("0123456789abcdef", min_size=64, max_size=64),
    }


RATES = decimals("0.1", "999", 1)
CONCENTRATIONS = decimals("0.1", "100", 2)

VALID: dict[EventKind, st.SearchStrategy[Any]] = {
    EventKind.SESSION_OPENED: st.builds(p.SessionOpened, decimals("2", "400", 1)),
    EventKind.PRE_CHECKS: st.builds(
        p.PreChecks, st.lists(valid_pre_check_item(), min_size=1, max_size=8).map(tuple)
    ),
    EventKind.IV_START: st.builds(
        p.IvStart, text(80, required=True), st.sampled_from(IV_GAUGES), st.integers(1, 10)
    ),
    EventKind.INFUSION_START: st.builds(
        p.InfusionStart,
        text(80, required=True),
        CONCENTRATIONS,
        decimals("1", "1000", 1),
        RATES,
        decimals("0", "99900", 3),
        decimals("0", "49950", 3),
    ),
    EventKind.RATE_CHANGE: st.builds(
        p.RateChange,
        RATES,
        text(500, required=True),
        decimals("0", "99900", 3),
        decimals("0", "49950", 3),
    ),
    EventKind.PAUSE: st.builds(p.Pause, text(500, required=True)),
    EventKind.RESUME: st.builds(p.Resume, text(500)),
    EventKind.VITALS: valid_vitals(),
    EventKind.SIDE_EFFECT: valid_side_effect(),
    EventKind.RESCUE_MEDICINE: st.builds(
        p.RescueMedicine,
        text(80, required=True),
        decimals("0.001", "10000", 3),
        st.sampled_from(DoseUnit),
        st.sampled_from(Route),
        text(500),
        text(1000),
        optional(text(40, required=True)),
    ),
    EventKind.NOTE: st.builds(p.Note, text(4000, required=True)),
    EventKind.INFUSION_STOP: valid_stop(),
    EventKind.RECOVERY_CHECK: valid_recovery(),
    EventKind.IV_REMOVED: valid_iv_removed(),
    EventKind.RIDE_CONFIRMED: st.builds(
        p.RideConfirmed,
        text(120, required=True),
        text(60, required=True),
        valid_phone(),
        text(120, required=True),
    ),
    EventKind.DISCHARGE: st.builds(
        p.Discharge,
        st.permutations(list(Instruction)).map(tuple),
        text(1000),
    ),
    EventKind.CORRECTION: st.builds(
        p.Correction,
        text(40, required=True),
        text(500, required=True),
        optional(st.dictionaries(SAFE_TEXT, JSON, max_size=5)),
        optional(AWARE),
        optional(text(40, required=True)),
    ),
    EventKind.CONTROLLED_SUBSTANCE: valid_vial(),
    EventKind.ATTESTATION: st.builds(p.Attestation, **_signature_fields()),
    EventKind.SIGNATURE: st.builds(
        p.Signature, **_signature_fields(), addendum_id=optional(text(40, required=True))
    ),
    EventKind.ADDENDUM: st.builds(p.Addendum, text(4000, required=True)),
    EventKind.DOSE_RECONCILIATION: st.builds(
        p.DoseReconciliation,
        decimals("0", "5000", 6),
        optional(decimals("0", "5000", 3)),
        optional(decimals("0", "5000", 3)),
        text(500, required=True),
        decimals("0", "5000", 2),
        text(1000),
    ),
}


def test_every_payload_type_has_a_valid_strategy() -> None:
    assert set(VALID) == set(PAYLOAD_TYPES)


@pytest.mark.parametrize("kind", KINDS, ids=[k.value for k in KINDS])
@FAST
@given(data=st.data())
def test_plausible_payloads_pass(kind: EventKind, data: st.DataObject) -> None:
    payload = data.draw(VALID[kind])
    assert kind_of(payload) is kind
    validate_payload(payload)


@pytest.mark.parametrize("kind", KINDS, ids=[k.value for k in KINDS])
@FAST
@given(data=st.data())
def test_plausible_payloads_round_trip(kind: EventKind, data: st.DataObject) -> None:
    assert_round_trip(data.draw(VALID[kind]))


def assert_round_trip(payload: p.Payload) -> None:
    kind = kind_of(payload)
    text_ = encode_payload(payload)
    decoded = decode_payload(kind, json.loads(text_))
    assert decoded == payload
    assert encode_payload(decoded) == text_
    assert encode_payload(payload) == text_  # deterministic
    digest = chain_hash({"kind": kind.value, "payload": text_}, GENESIS_HASH)
    assert len(digest) == 64


@st.composite
def valid_protocol(draw: st.DrawFn) -> ProtocolSpec:
    mode = draw(st.sampled_from(DoseMode))
    dose = draw(decimals("0.01", "10", 2))
    duration = draw(st.integers(10, 480))
    planned = dose if mode is DoseMode.PER_KG_OVER_MINUTES else dose * duration / 60
    floor = max(planned.quantize(D("0.01"), rounding=ROUND_CEILING), D("0.01"))
    assume(floor <= 20)
    alerts = AlertThresholds(
        bp_rise_systolic=draw(st.integers(5, 100)),
        bp_rise_diastolic=draw(st.integers(5, 100)),
        systolic_max=draw(st.integers(100, 250)),
        diastolic_max=draw(st.integers(60, 160)),
        spo2_min=draw(st.integers(80, 99)),
        hr_min=draw(st.integers(30, 80)),
        hr_max=draw(st.integers(90, 200)),
        rr_min=draw(st.integers(4, 16)),
        moaas_alert_at_or_below=draw(st.integers(0, 4)),
        weight_min_kg=draw(decimals("2", "100", 1)),
        weight_max_kg=draw(decimals("100", "400", 1)),
        weight_change_fraction=draw(decimals("0.01", "1", 2)),
    )
    return ProtocolSpec(
        code=draw(text(40, required=True)),
        name=draw(text(120, required=True)),
        indication=draw(text(120, required=True)),
        drug=draw(text(80, required=True)),
        concentration_mg_ml=draw(CONCENTRATIONS),
        dose_mode=mode,
        dose_mg_per_kg=dose,
        duration_min=duration,
        max_total_mg_per_kg=draw(st.decimals(min_value=floor, max_value=20, places=2)),
        max_rate_mg_per_kg_h=draw(decimals("0.01", "10", 2)),
        vitals_interval_min=draw(st.integers(1, 60)),
        peak_check_min=draw(st.integers(0, 240)),
        recovery_interval_min=draw(st.integers(5, 30)),
        min_observation_min=draw(st.integers(30, 480)),
        discharge_score=draw(st.sampled_from(ScoreKind)),
        discharge_threshold=draw(st.integers(0, 10)),
        alerts=alerts,
    )


@THOROUGH
@given(spec=valid_protocol())
def test_plausible_protocols_pass_and_round_trip(spec: ProtocolSpec) -> None:
    validate_spec(spec)
    plain = json.loads(canonical_json(spec))
    assert from_plain(ProtocolSpec, plain) == spec


@pytest.mark.parametrize("spec", EXAMPLE_PROTOCOLS, ids=[s.code for s in EXAMPLE_PROTOCOLS])
def test_example_protocols_pass(spec: ProtocolSpec) -> None:
    validate_spec(spec)


@THOROUGH
@given(
    spec=valid_protocol(),
    weight_min=decimals("2", "100", 1) | WILD_DECIMAL,
    weight_max=decimals("100", "400", 1) | WILD_DECIMAL,
    change=decimals("0.01", "1", 2) | WILD_DECIMAL,
    weight=decimals("2", "400", 1),
    previous=optional(decimals("2", "400", 1)),
)
def test_a_protocol_that_passes_validation_can_be_used(
    spec: ProtocolSpec,
    weight_min: Decimal,
    weight_max: Decimal,
    change: Decimal,
    weight: Decimal,
    previous: Decimal | None,
) -> None:
    alerts = dataclasses.replace(
        spec.alerts,
        weight_min_kg=weight_min,
        weight_max_kg=weight_max,
        weight_change_fraction=change,
    )
    spec = dataclasses.replace(spec, alerts=alerts)
    if problems_of(lambda: validate_spec(spec)):
        return
    plan = plan_dose(spec, weight)
    assert plan.total_mg <= plan.max_total_mg
    code = None
    try:
        check_weight(weight, previous, spec.alerts, ())
    except ConfirmationRequired as concern:
        code = concern.code
    assert code in {None, "weight.pounds", "weight.change", "weight.low"}


# -- Specific validation facts ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        (p.SessionOpened(D("NaN")), ["weight_kg"]),
        (p.SessionOpened(D("70.25")), ["weight_kg"]),
        (p.SessionOpened(D("1.9")), ["weight_kg"]),
        (p.Vitals(120, 120, 72, 14, 98), ["diastolic"]),
        (
            p.Vitals(301, 80, 19, 1, 49, D("43.1"), 6, 11, 25),
            [
                "systolic",
                "heart_rate",
                "resp_rate",
                "spo2",
                "temperature_c",
                "moaas",
                "pain",
                "cadss6",
            ],
        ),
        (p.Note("\x00"), ["text"]),
        (p.Note("   "), ["text"]),
        (p.Note("x\ud800"), ["text"]),
        (p.RideConfirmed("A", "B", "555-01٣4567", "C"), ["phone"]),
        (p.RideConfirmed("A", "B", "123456", "C"), ["phone"]),
        (p.InfusionStart("Ketamine", D(1), D(50), D("52.55")), ["rate_ml_h"]),
        (p.InfusionStart("Ketamine", D(1), D(50), D(0)), ["rate_ml_h"]),
        (p.InfusionStart("Ketamine", D(1), D(50), D(50), D("NaN")), ["dose_mg_h"]),
        (p.RateChange(D(50), "x", D(50), D("-1")), ["dose_mg_kg_h"]),
        (p.Discharge((Instruction.NO_DRIVING,)), ["instructions"]),
        (p.PreChecks(()), ["items"]),
        (
            p.PreChecks((p.PreCheckItem(PreCheckCode.FASTING, PreCheckStatus.OVERRIDDEN),)),
            ["items.fasting"],
        ),
        (p.IvStart("", 21, 0), ["site", "gauge", "attempts"]),
    ],
)
def test_invalid_values_name_their_fields(payload: p.Payload, fields: list[str]) -> None:
    problems = problems_of(lambda: validate_payload(payload))
    assert [pr.field for pr in problems] == fields


def test_vial_arithmetic_must_balance() -> None:
    vial = p.ControlledSubstance(
        "Ketamine", "L1", date(2027, 1, 1), D(50), D(10), D(100), D(35), D(60)
    )
    problems = problems_of(lambda: validate_payload(vial))
    assert [(pr.field, pr.message) for pr in problems] == [
        ("wasted_mg", "Drawn (100 mg) must equal administered (35 mg) plus wasted (60 mg).")
    ]
    too_much = dataclasses.replace(vial, drawn_mg=D(600), wasted_mg=D(565))
    assert [pr.field for pr in problems_of(lambda: validate_payload(too_much))] == ["drawn_mg"]


# -- Canonical JSON ---------------------------------------------------------------------------


def test_canonical_json_is_compact_sorted_and_exact() -> None:
    vitals = p.Vitals(120, 80, 72, 14, 98, temperature_c=D("36.60"))
    assert canonical_json(vitals) == (
        '{"cadss6":null,"diastolic":80,"heart_rate":72,"moaas":null,"pain":null,'
        '"resp_rate":14,"spo2":98,"systolic":120,"temperature_c":"36.60"}'
    )
    assert canonical_json(p.Note("Zoë ✓")) == '{"text":"Zoë ✓"}'


def test_instants_are_utc_with_microseconds() -> None:
    local = datetime(2026, 3, 10, 9, 0, 0, 5, tzinfo=timezone(timedelta(hours=-5)))
    assert format_instant(local) == "2026-03-10T14:00:00.000005Z"
    with pytest.raises(ValueError, match="naive"):
        format_instant(datetime(2026, 3, 10))


@FAST
@given(st.dictionaries(SAFE_TEXT, JSON, max_size=8))
def test_canonical_json_ignores_insertion_order(data: dict[str, Any]) -> None:
    backwards = dict(reversed(list(data.items())))
    assert canonical_json(data) == canonical_json(backwards)
    assert json.loads(canonical_json(data)) == data


@FAST
@given(items=st.dictionaries(st.sampled_from(SCORE_ITEMS[ScoreKind.ALDRETE]), st.integers(0, 2)))
def test_payload_with_a_dict_encodes_the_same_in_any_order(items: dict[str, int]) -> None:
    vitals = p.Vitals(120, 80, 72, 14, 98)
    one = p.RecoveryCheck(vitals, Nausea.NONE, MentalStatus.BASELINE, ScoreKind.ALDRETE, items)
    other = dataclasses.replace(one, score_items=dict(reversed(list(items.items()))))
    assert encode_payload(one) == encode_payload(other)


def test_to_plain_handles_nested_values() -> None:
    assert to_plain({"a": (D("1.50"), date(2026, 1, 2), ScoreKind.PADSS)}) == {
        "a": ["1.50", "2026-01-02", "padss"]
    }
