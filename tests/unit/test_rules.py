"""Charting rules: order, lock, discharge gate, weight, rate/dose and event times."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ketachart.domain import payloads as p
from ketachart.domain.discharge import Blocker, discharge_blockers
from ketachart.domain.events import EventKind, Override
from ketachart.domain.protocol import AlertThresholds
from ketachart.domain.rules import (
    AFTER_DISCHARGE,
    AFTER_SIGNATURE,
    check_can_chart,
    check_event_time,
    check_order,
    check_vial,
    check_witness,
)
from ketachart.domain.timeline import SessionState, SessionStatus
from ketachart.domain.vocab import PreCheckCode, PreCheckStatus, ScoreKind
from ketachart.errors import (
    ConfirmationRequired,
    OverrideRequired,
    RuleViolation,
    SessionLocked,
    ValidationError,
)
from tests.unit.builders import (
    ALDRETE_FULL,
    ALL_INSTRUCTIONS,
    ALL_PRE_CHECKS,
    BASELINE,
    IV,
    IV_OUT,
    PAIN,
    RIDE,
    Chart,
    at,
    recovery_check,
)
from tests.unit.gate_shims import check_discharge, check_rate_dose, check_weight

D = Decimal
K = EventKind


def _signature() -> p.Signature:
    return p.Signature("reviewed and approved", "María Núñez", "MD", "c" * 64, 9, "h" * 64)


# Session states, each built through the real fold.


def scheduled() -> SessionState:
    return Chart().state()


def ready() -> SessionState:
    return Chart().ready().state()


def infusing() -> SessionState:
    return Chart().infusing().state()


def paused() -> SessionState:
    chart = Chart().infusing()
    chart.add(p.Pause("nausea"), at(10))
    return chart.state()


def stopped() -> SessionState:
    return Chart().stopped(40).state()


def iv_out_after_stop() -> SessionState:
    chart = Chart().stopped(40)
    chart.add(IV_OUT, at(50))
    return chart.state()


def discharged() -> SessionState:
    chart = Chart().discharge_ready()
    chart.add(ALL_INSTRUCTIONS, at(71))
    return chart.state()


def signed() -> SessionState:
    chart = Chart().discharge_ready()
    chart.add(ALL_INSTRUCTIONS, at(71))
    chart.add(_signature(), at(80))
    return chart.state()


def test_state_factories_have_the_status_their_name_says() -> None:
    statuses = [f().status for f in (scheduled, ready, infusing, paused, stopped)]
    statuses += [discharged().status, signed().status]
    assert statuses == list(SessionStatus)


# -- Order rules ------------------------------------------------------------------------------

ALREADY_STARTED = "The infusion was already started in this session."
NO_IV = "No infusion before an IV: chart the IV start first."
NO_BASELINE = "Chart baseline vitals before starting the infusion."
NO_RATE_CHANGE = "No rate change while the infusion is stopped or not started."
RATE_WHILE_PAUSED = "The infusion is paused; resume it before changing the rate."
NO_PAUSE = "No pause while the infusion is stopped or not started."
ALREADY_PAUSED = "The infusion is already paused."
NOT_PAUSED = "The infusion is not paused."
NOT_RUNNING = "The infusion is not running, so it cannot be stopped."
RECOVERY_TOO_EARLY = "Recovery checks start after the infusion is stopped."
NO_IV_TO_REMOVE = "There is no IV in place to remove."
STOP_FIRST = "Stop the infusion before removing the IV."
IV_IN_PLACE = "An IV is already in place; chart 'IV removed' before a new IV start."
ADDENDUM_TOO_EARLY = "Addenda are for discharged or signed sessions; chart a note instead."

ORDER_CASES: list[tuple[Callable[[], SessionState], EventKind, str | None]] = [
    (scheduled, K.IV_START, None),
    (ready, K.IV_START, IV_IN_PLACE),
    (iv_out_after_stop, K.IV_START, None),
    (scheduled, K.INFUSION_START, NO_IV),
    (ready, K.INFUSION_START, None),
    (infusing, K.INFUSION_START, ALREADY_STARTED),
    (stopped, K.INFUSION_START, ALREADY_STARTED),
    (scheduled, K.RATE_CHANGE, NO_RATE_CHANGE),
    (ready, K.RATE_CHANGE, NO_RATE_CHANGE),
    (infusing, K.RATE_CHANGE, None),
    (paused, K.RATE_CHANGE, RATE_WHILE_PAUSED),
    (stopped, K.RATE_CHANGE, NO_RATE_CHANGE),
    (ready, K.PAUSE, NO_PAUSE),
    (infusing, K.PAUSE, None),
    (paused, K.PAUSE, ALREADY_PAUSED),
    (stopped, K.PAUSE, NO_PAUSE),
    (ready, K.RESUME, NOT_PAUSED),
    (infusing, K.RESUME, NOT_PAUSED),
    (paused, K.RESUME, None),
    (stopped, K.RESUME, NOT_PAUSED),
    (ready, K.INFUSION_STOP, NOT_RUNNING),
    (infusing, K.INFUSION_STOP, None),
    (paused, K.INFUSION_STOP, None),
    (stopped, K.INFUSION_STOP, NOT_RUNNING),
    (ready, K.RECOVERY_CHECK, RECOVERY_TOO_EARLY),
    (infusing, K.RECOVERY_CHECK, RECOVERY_TOO_EARLY),
    (paused, K.RECOVERY_CHECK, RECOVERY_TOO_EARLY),
    (stopped, K.RECOVERY_CHECK, None),
    (scheduled, K.IV_REMOVED, NO_IV_TO_REMOVE),
    (ready, K.IV_REMOVED, None),
    (infusing, K.IV_REMOVED, STOP_FIRST),
    (paused, K.IV_REMOVED, STOP_FIRST),
    (stopped, K.IV_REMOVED, None),
    (iv_out_after_stop, K.IV_REMOVED, NO_IV_TO_REMOVE),
    (scheduled, K.ADDENDUM, ADDENDUM_TOO_EARLY),
    (stopped, K.ADDENDUM, ADDENDUM_TOO_EARLY),
    (discharged, K.ADDENDUM, None),
    (signed, K.ADDENDUM, None),
]


@pytest.mark.parametrize(
    ("make_state", "kind", "refusal"),
    ORDER_CASES,
    ids=[f"{f.__name__}-{k.value}" for f, k, _ in ORDER_CASES],
)
def test_order_rules(
    make_state: Callable[[], SessionState], kind: EventKind, refusal: str | None
) -> None:
    state = make_state()
    if refusal is None:
        check_order(state, kind)
    else:
        with pytest.raises(RuleViolation, match=f"^{re.escape(refusal)}$"):
            check_order(state, kind)


@pytest.mark.parametrize(
    "kind",
    [K.VITALS, K.NOTE, K.SIDE_EFFECT, K.RESCUE_MEDICINE, K.PRE_CHECKS, K.RIDE_CONFIRMED],
)
@pytest.mark.parametrize("make_state", [scheduled, ready, infusing, paused, stopped])
def test_kinds_without_order_rules_can_be_charted_until_discharge(
    make_state: Callable[[], SessionState], kind: EventKind
) -> None:
    check_can_chart(make_state(), kind)


def test_infusion_needs_every_pre_check() -> None:
    chart = Chart()
    items = tuple(
        p.PreCheckItem(code, PreCheckStatus.DONE)
        for code in PreCheckCode
        if code not in (PreCheckCode.FASTING, PreCheckCode.RIDE_ARRANGED)
    )
    chart.add(p.PreChecks(items), at(0))
    chart.add(BASELINE, at(0))
    chart.add(IV, at(0))
    message = "Pre-session checks not complete: Fasting as instructed; Ride home arranged."
    with pytest.raises(RuleViolation, match=f"^{re.escape(message)}$"):
        check_order(chart.state(), K.INFUSION_START)


def test_overridden_and_not_applicable_pre_checks_count() -> None:
    chart = Chart()
    items = [p.PreCheckItem(code, PreCheckStatus.DONE) for code in PreCheckCode]
    items[2] = p.PreCheckItem(PreCheckCode.FASTING, PreCheckStatus.OVERRIDDEN, "ate at 7, MD ok")
    items[3] = p.PreCheckItem(PreCheckCode.PREGNANCY, PreCheckStatus.NOT_APPLICABLE)
    chart.add(p.PreChecks(tuple(items)), at(0))
    chart.add(BASELINE, at(0))
    chart.add(IV, at(0))
    check_order(chart.state(), K.INFUSION_START)


def test_infusion_needs_baseline_vitals() -> None:
    chart = Chart()
    chart.add(ALL_PRE_CHECKS, at(0))
    chart.add(IV, at(0))
    with pytest.raises(RuleViolation, match=f"^{re.escape(NO_BASELINE)}$"):
        check_order(chart.state(), K.INFUSION_START)


def test_infusion_checks_iv_before_pre_checks() -> None:
    chart = Chart()
    chart.add(BASELINE, at(0))
    with pytest.raises(RuleViolation, match=re.escape(NO_IV)):
        check_order(chart.state(), K.INFUSION_START)


# -- Lock after discharge and signature -------------------------------------------------------


@pytest.mark.parametrize("kind", list(EventKind))
def test_after_signature_only_addenda_and_signatures(kind: EventKind) -> None:
    state = signed()
    if kind in (K.ADDENDUM, K.SIGNATURE):
        check_can_chart(state, kind)
    else:
        with pytest.raises(SessionLocked, match="signed and locked; add an addendum"):
            check_can_chart(state, kind)


@pytest.mark.parametrize("kind", list(EventKind))
def test_after_discharge_only_some_kinds(kind: EventKind) -> None:
    allowed = {
        K.NOTE,
        K.CORRECTION,
        K.ATTESTATION,
        K.SIGNATURE,
        K.CONTROLLED_SUBSTANCE,
        K.ADDENDUM,
        K.DOSE_RECONCILIATION,
    }
    state = discharged()
    if kind in allowed:
        check_can_chart(state, kind)
    else:
        with pytest.raises(RuleViolation, match="has been discharged") as raised:
            check_can_chart(state, kind)
        assert not isinstance(raised.value, SessionLocked)


def test_lock_sets() -> None:
    assert {K.ADDENDUM, K.SIGNATURE} == AFTER_SIGNATURE
    assert AFTER_SIGNATURE <= AFTER_DISCHARGE


# -- Discharge gate ---------------------------------------------------------------------------

OBSERVATION = "discharge.observation"
SCORE, IV_CODE, RIDE_CODE = "discharge.score", "discharge.iv", "discharge.ride"


def blockers_of(chart: Chart, now: datetime) -> list[Blocker]:
    return discharge_blockers(chart.state(until=now), now)


def test_nothing_blocks_a_ready_patient_after_observation() -> None:
    assert blockers_of(Chart().discharge_ready(40), at(70)) == []


@pytest.mark.parametrize(
    ("now", "minutes"),
    [
        (at(40), 30),
        (at(45, seconds=30), 25),
        (at(60), 10),
        (at(69), 1),
        (at(69, seconds=59, microseconds=999_999), 1),
    ],
)
def test_observation_time_blocks_alone(now: datetime, minutes: int) -> None:
    chart = Chart().discharge_ready(40)
    # move the other conditions before `now` so only the observation time is left
    for event in list(chart.events):
        if event.kind in (K.RECOVERY_CHECK, K.IV_REMOVED, K.RIDE_CONFIRMED):
            chart.correct(event, event.payload, occurred_at=now)
    assert blockers_of(chart, now) == [
        Blocker(OBSERVATION, f"Minimum observation not over: {minutes} min remaining of 30 min.")
    ]


def test_observation_uses_the_protocol_minimum() -> None:
    chart = Chart(PAIN).discharge_ready(240)
    assert [b.message for b in blockers_of(chart, at(260))] == [
        "Minimum observation not over: 40 min remaining of 60 min."
    ]
    chart.add(recovery_check(kind=ScoreKind.PADSS), at(295))  # a current check
    assert blockers_of(chart, at(300)) == []


def test_infusion_not_stopped_blocks_with_the_recovery_still_to_come() -> None:
    chart = Chart()
    chart.add(recovery_check(), at(1))
    chart.add(RIDE, at(1))
    found = blockers_of(chart, at(70))
    assert found[0] == Blocker("infusion", "The infusion has not been started and stopped.")
    assert [b.code for b in found[1:]] == [OBSERVATION, SCORE]
    assert [b.overridable for b in found] == [False, True, True]


def _stopped_with(*payloads: p.Payload) -> Chart:
    chart = Chart().stopped(40)
    for payload in payloads:
        chart.add(payload, at(55))
    return chart


@pytest.mark.parametrize(
    ("chart", "blocker"),
    [
        (
            _stopped_with(IV_OUT, RIDE),
            Blocker(SCORE, "No recovery check with a Modified Aldrete score yet."),
        ),
        (
            _stopped_with(IV_OUT, RIDE, recovery_check(kind=ScoreKind.PADSS)),
            Blocker(SCORE, "The last recovery check has no Modified Aldrete score."),
        ),
        (
            _stopped_with(IV_OUT, RIDE, recovery_check({**ALDRETE_FULL, "activity": 0})),
            Blocker(SCORE, "Modified Aldrete score 8 is below the discharge threshold 9."),
        ),
        (_stopped_with(recovery_check(), RIDE), Blocker(IV_CODE, "The IV has not been removed.")),
        (
            _stopped_with(recovery_check(), IV_OUT),
            Blocker(RIDE_CODE, "No ride home has been confirmed."),
        ),
    ],
    ids=["no-score", "wrong-score", "low-score", "iv", "ride"],
)
def test_each_blocker_alone(chart: Chart, blocker: Blocker) -> None:
    assert blockers_of(chart, at(70)) == [blocker]


def test_score_exactly_at_threshold_passes() -> None:
    chart = _stopped_with(IV_OUT, RIDE, recovery_check({**ALDRETE_FULL, "activity": 1}))
    assert blockers_of(chart, at(70)) == []


def test_the_last_recovery_check_counts() -> None:
    chart = _stopped_with(IV_OUT, RIDE, recovery_check())
    chart.add(recovery_check({**ALDRETE_FULL, "spo2": 0, "activity": 0}), at(60))
    assert [b.code for b in blockers_of(chart, at(70))] == [SCORE]


def test_padss_protocol_needs_a_padss_score() -> None:
    chart = Chart(PAIN).stopped(240, "17.5")
    chart.add(recovery_check(), at(255))  # Aldrete on a PADSS protocol
    chart.add(IV_OUT, at(256))
    chart.add(RIDE, at(256))
    assert blockers_of(chart, at(400)) == [
        Blocker(SCORE, "The last recovery check has no PADSS score.")
    ]


def test_all_blockers_together() -> None:
    """Before the stop every step left is listed, the pump first (a running infusion used to
    hide the rest, and the discharge dialog ticked 'IV removed' for an IV still in)."""
    assert [b.code for b in blockers_of(Chart().ready(), at(10))] == [
        "infusion",
        OBSERVATION,
        SCORE,
        IV_CODE,
        RIDE_CODE,
    ]
    assert [b.code for b in blockers_of(Chart().stopped(40), at(50))] == [
        OBSERVATION,
        SCORE,
        IV_CODE,
        RIDE_CODE,
    ]


def _override(code: str, reason: str = "physician at bedside, patient fine") -> Override:
    return Override(code if "." in code else f"discharge.{code}", reason)


@pytest.mark.parametrize("is_physician", [False, True])
def test_discharge_allowed_without_blockers(is_physician: bool) -> None:
    check_discharge(Chart().discharge_ready().state(), at(70), (), is_physician)


def test_discharge_refused_names_the_blockers() -> None:
    state = _stopped_with(recovery_check(), IV_OUT).state()
    with pytest.raises(OverrideRequired) as raised:
        check_discharge(state, at(70), (), is_physician=True)
    assert raised.value.code == "discharge.ride"
    assert raised.value.message == (
        "No ride home has been confirmed. Only a physician can override, with a reason."
    )


def test_physician_overrides_every_blocker_with_a_reason() -> None:
    state = Chart().stopped(40).state()
    codes = [OBSERVATION, SCORE, IV_CODE, RIDE_CODE]
    check_discharge(state, at(50), tuple(_override(c) for c in codes), is_physician=True)


def test_running_infusion_blocks_discharge_even_for_a_physician() -> None:
    state = Chart().infusing().state()
    codes = ["infusion", OBSERVATION, "score", "iv", "ride"]
    with pytest.raises(RuleViolation) as raised:
        check_discharge(state, at(50), tuple(_override(c) for c in codes), is_physician=True)
    assert raised.value.message == (
        "The infusion is running: stop the pump and chart the stop before discharge."
    )


def test_nurse_override_is_refused() -> None:
    state = _stopped_with(recovery_check(), IV_OUT).state()
    with pytest.raises(OverrideRequired) as raised:
        check_discharge(state, at(70), (_override("ride"),), is_physician=False)
    assert raised.value.code == "discharge.ride"
    assert raised.value.needed[0].physician


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_blank_override_reason_does_not_count(reason: str) -> None:
    state = _stopped_with(recovery_check(), IV_OUT).state()
    with pytest.raises(OverrideRequired) as raised:
        check_discharge(state, at(70), (_override("ride", reason),), is_physician=True)
    assert raised.value.code == "discharge.ride"


def test_partial_override_lists_every_open_blocker_and_only_those() -> None:
    state = _stopped_with(recovery_check()).state()
    with pytest.raises(OverrideRequired) as raised:
        check_discharge(state, at(70), (_override("ride"),), is_physician=True)
    assert [a.code for a in raised.value.needed] == ["discharge.iv"]
    assert "No ride home" not in raised.value.message


def test_override_codes_need_the_discharge_prefix() -> None:
    state = _stopped_with(recovery_check(), IV_OUT).state()
    with pytest.raises(OverrideRequired):
        check_discharge(state, at(70), (Override("ride", "ok"),), is_physician=True)


# -- Weight -----------------------------------------------------------------------------------

LIMITS = AlertThresholds()


@pytest.mark.parametrize(
    ("weight", "previous", "code"),
    [
        ("70", None, None),
        ("70", "70", None),
        ("154.3", "70", "weight.pounds"),  # 2.204 x
        ("195.5", "100", "weight.pounds"),  # 1.955 x: inside 2.20462 +- 0.25
        ("195.4", "100", "weight.change"),  # 1.954 x: just outside, still a big change
        ("245.4", "100", "weight.pounds"),  # 2.454 x
        ("245.5", "100", "weight.change"),  # 2.455 x
        ("77", "70", None),  # +10 % exactly
        ("77.1", "70", "weight.change"),
        ("63", "70", None),  # -10 % exactly
        ("62.9", "70", "weight.change"),
        ("31.8", "70", "weight.change"),  # kg entered where pounds were before
        ("30", None, None),
        ("29.9", None, "weight.low"),
        ("150", None, None),  # the first-session pounds question starts above 150 kg
        ("150.1", None, "weight.pounds"),
        ("250.1", None, "weight.pounds"),
        ("70", "0", None),  # no usable previous weight
    ],
)
def test_weight_concerns(weight: str, previous: str | None, code: str | None) -> None:
    prior = None if previous is None else D(previous)
    if code is None:
        check_weight(D(weight), prior, LIMITS, ())
    else:
        with pytest.raises(ConfirmationRequired) as raised:
            check_weight(D(weight), prior, LIMITS, ())
        assert raised.value.code == code


@pytest.mark.parametrize(
    ("weight", "previous", "message"),
    [
        (
            "154.3",
            "70",
            "154.3 kg is about 2.2 times the last weight (70 kg): was it entered in pounds?",
        ),
        ("77.1", "70", "Weight changed +10 % since the last session (70 kg): please confirm."),
        ("62.9", "70", "Weight changed -10 % since the last session (70 kg): please confirm."),
        (
            "250.1",
            None,
            "250.1 kg is implausible for an adult; if it was in pounds it is 113.4 kg.",
        ),
        ("29.9", None, "29.9 kg is implausibly low for an adult."),
    ],
)
def test_weight_messages(weight: str, previous: str | None, message: str) -> None:
    prior = None if previous is None else D(previous)
    with pytest.raises(ConfirmationRequired) as raised:
        check_weight(D(weight), prior, LIMITS, ())
    assert raised.value.message == message


def test_confirmed_weight_passes() -> None:
    confirm = Override("weight.pounds", "re-weighed: the scale shows 154.3 kg")
    check_weight(D("154.3"), D("70"), LIMITS, (confirm,))


@pytest.mark.parametrize("reason", ["", "  "])
def test_confirmation_needs_a_reason(reason: str) -> None:
    with pytest.raises(ConfirmationRequired):
        check_weight(D("154.3"), D("70"), LIMITS, (Override("weight.pounds", reason),))


def test_every_concern_must_be_confirmed() -> None:
    # 300 kg after 70 kg: a > 10 % change and above the adult maximum
    change = Override("weight.change", "checked")
    pounds = Override("weight.pounds", "checked")
    with pytest.raises(ConfirmationRequired) as raised:
        check_weight(D(300), D(70), LIMITS, (pounds,))
    assert raised.value.code == "weight.change"
    with pytest.raises(ConfirmationRequired) as raised:
        check_weight(D(300), D(70), LIMITS, (change,))
    assert raised.value.code == "weight.pounds"
    check_weight(D(300), D(70), LIMITS, (change, pounds))


def test_weight_limits_come_from_the_protocol() -> None:
    strict = AlertThresholds(weight_change_fraction=D("0.05"), weight_min_kg=D(40))
    with pytest.raises(ConfirmationRequired, match=r"\+6 %"):
        check_weight(D("74.2"), D("70"), strict, ())
    with pytest.raises(ConfirmationRequired, match="implausibly low"):
        check_weight(D("39.9"), None, strict, ())


# -- Rate and dose ----------------------------------------------------------------------------

PHYSICIAN_OK = (Override("dose.rate", "titrating for pain"), Override("dose.total", "per MD"))


def pain_running_until(minute: float) -> SessionState:
    chart = Chart(PAIN).infusing("17.5")  # 35 mg/h, 0.5 mg/kg/h at 70 kg
    return chart.state(until=at(minute))


@pytest.mark.parametrize(
    ("state", "rate", "concentration", "now", "code"),
    [
        (ready(), "105.0", "1", at(0), None),  # 1.500 mg/kg/h, 70.000 mg projected
        (ready(), "105.1", "1", at(0), "dose.rate"),
        (ready(), "52.6", "2", at(0), "dose.rate"),  # concentration counts
        (Chart(PAIN).ready().state(), "21.8", "2", at(0), None),  # 174.4 mg over 4 h
        (Chart(PAIN).ready().state(), "21.9", "2", at(0), "dose.total"),  # 175.2 mg
        (Chart(PAIN).ready().state(), "35.0", "2", at(0), "dose.total"),  # 1.0 mg/kg/h
        (Chart(PAIN).ready().state(), "35.1", "2", at(0), "dose.rate"),
        (pain_running_until(120), "26.2", "2", at(120), None),  # 70 + 52.4 x 2 = 174.8
        (pain_running_until(120), "26.3", "2", at(120), "dose.total"),  # 175.2
        (pain_running_until(250), "30", "2", at(250), None),  # past the planned end
    ],
)
def test_rate_dose_limits(
    state: SessionState, rate: str, concentration: str, now: datetime, code: str | None
) -> None:
    if code is None:
        check_rate_dose(state, D(rate), D(concentration), now, (), is_physician=False)
    else:
        with pytest.raises(OverrideRequired) as raised:
            check_rate_dose(state, D(rate), D(concentration), now, (), is_physician=False)
        assert raised.value.code == code


def test_rate_message() -> None:
    with pytest.raises(OverrideRequired) as raised:
        check_rate_dose(ready(), D("105.1"), D(1), at(0), (), is_physician=True)
    assert raised.value.message == (
        "105.1 mL/h is 1.5014 mg/kg/h, above the protocol maximum of 1.5 mg/kg/h. "
        "Only a physician can override, with a reason."
    )


def test_total_message() -> None:
    with pytest.raises(OverrideRequired) as raised:
        check_rate_dose(pain_running_until(120), D("26.3"), D(2), at(120), (), False)
    assert raised.value.message == (
        "At 26.3 mL/h the planned infusion would deliver 175.200 mg, above the protocol "
        "maximum of 175.000 mg. Only a physician can override, with a reason."
    )


@pytest.mark.parametrize(
    ("overrides", "is_physician", "allowed"),
    [
        (PHYSICIAN_OK, True, True),
        ((Override("dose.rate", "titrating"),), True, True),
        (PHYSICIAN_OK, False, False),
        ((Override("dose.rate", " "),), True, False),
        ((Override("dose.total", "per MD"),), True, False),  # wrong code
        ((), True, False),
    ],
)
def test_rate_override(overrides: tuple[Override, ...], is_physician: bool, allowed: bool) -> None:
    def attempt() -> None:
        check_rate_dose(ready(), D("105.1"), D(1), at(0), overrides, is_physician)

    if allowed:
        attempt()
    else:
        with pytest.raises(OverrideRequired):
            attempt()


# -- Event time -------------------------------------------------------------------------------

NOW = at(0)


@pytest.mark.parametrize(
    ("occurred", "opened", "message"),
    [
        (NOW, None, None),
        (at(2), None, None),
        (at(2, microseconds=1), None, "The time of an entry cannot be in the future."),
        (at(-24 * 60), None, None),
        (
            at(-24 * 60, microseconds=-1),
            None,
            "Entries more than 24 hours late must go in an addendum.",
        ),
        (at(-12 * 60), at(0), None),
        (
            at(-12 * 60, microseconds=-1),
            at(0),
            "The time is long before this session was opened.",
        ),
        (NOW.astimezone(timezone(timedelta(hours=-5))), None, None),
        (NOW.replace(tzinfo=None), None, "The time needs a time zone."),
    ],
)
def test_event_time(occurred: datetime, opened: datetime | None, message: str | None) -> None:
    if message is None:
        check_event_time(occurred, NOW, opened)
    else:
        with pytest.raises(ValidationError) as raised:
            check_event_time(occurred, NOW, opened)
        assert [(f.field, f.message) for f in raised.value.problems] == [("occurred_at", message)]


# -- Controlled substances --------------------------------------------------------------------


def test_witness_must_be_someone_else() -> None:
    check_witness(1, 2)
    with pytest.raises(RuleViolation, match="witness must be a different user"):
        check_witness(3, 3)


def _vial(expiry: date) -> p.ControlledSubstance:
    return p.ControlledSubstance(
        "Ketamine", "LOT-1", expiry, D(50), D(10), D(100), D(35), D(65), 2, "Wes Ng"
    )


def test_expired_vial_is_refused() -> None:
    check_vial(_vial(date(2026, 3, 10)), at(0))
    with pytest.raises(ValidationError) as raised:
        check_vial(_vial(date(2026, 3, 9)), at(0))
    assert raised.value.problems[0].field == "expiry"
