"""Folding events into a SessionState: status, corrections, `until` and the baseline."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketachart.domain import payloads as p
from ketachart.domain.codec import to_plain
from ketachart.domain.dose import RateSegment
from ketachart.domain.events import EventKind
from ketachart.domain.monitoring import delivered_so_far
from ketachart.domain.timeline import (
    SessionStatus,
    apply_corrections,
    derive_state,
    latest_version_id,
)
from ketachart.domain.vocab import PreCheckCode, PreCheckStatus, ScoreKind, Severity, SideEffectKind
from tests.unit.builders import (
    ALDRETE_FULL,
    ALL_INSTRUCTIONS,
    ALL_PRE_CHECKS,
    BASELINE,
    COMPLETED,
    IV,
    IV_OUT,
    PAIN,
    RIDE,
    T0,
    Chart,
    at,
    infusion_start,
    rate_change,
    recovery_check,
    vitals,
)

D = Decimal
S = SessionStatus
PAUSE = p.Pause("nausea")
RESUME = p.Resume()


def signature(addendum_id: str | None = None) -> p.Signature:
    return p.Signature(
        "reviewed and approved", "María Núñez", "MD", "c" * 64, 9, "h" * 64, addendum_id
    )


# -- Status -----------------------------------------------------------------------------------


def test_status_walks_the_whole_session() -> None:
    chart = Chart()
    steps: list[tuple[p.Payload, float, SessionStatus]] = [
        (ALL_PRE_CHECKS, 1, S.PRE_CHECKS),
        (BASELINE, 2, S.PRE_CHECKS),
        (IV, 3, S.PRE_CHECKS),
        (infusion_start(), 5, S.INFUSING),
        (PAUSE, 15, S.PAUSED),
        (RESUME, 20, S.INFUSING),
        (rate_change("40"), 25, S.INFUSING),
        (COMPLETED, 45, S.RECOVERY),
        (recovery_check(), 60, S.RECOVERY),
        (IV_OUT, 76, S.RECOVERY),
        (RIDE, 76, S.RECOVERY),
        (ALL_INSTRUCTIONS, 77, S.DISCHARGED),
        (signature(), 90, S.SIGNED),
    ]
    assert chart.state().status is S.SCHEDULED
    seen = []
    for payload, minute, _expected in steps:
        chart.add(payload, at(minute))
        seen.append(chart.state().status)
    assert seen == [expected for _, _, expected in steps]


@pytest.mark.parametrize("payload", [ALL_PRE_CHECKS, BASELINE, IV], ids=["checks", "vitals", "iv"])
def test_any_preparation_moves_scheduled_to_pre_checks(payload: p.Payload) -> None:
    chart = Chart()
    chart.add(payload, at(1))
    assert chart.state().status is S.PRE_CHECKS


@pytest.mark.parametrize(
    "payload",
    [p.Note("hello"), p.SideEffect(SideEffectKind.NAUSEA, Severity.MILD)],
    ids=["note", "side_effect"],
)
def test_other_entries_leave_a_session_scheduled(payload: p.Payload) -> None:
    chart = Chart()
    chart.add(payload, at(1))
    assert chart.state().status is S.SCHEDULED


def test_stop_while_paused_ends_the_pause() -> None:
    chart = Chart().infusing()
    chart.add(PAUSE, at(10))
    chart.add(COMPLETED, at(12))
    state = chart.state()
    assert (state.status, state.paused, state.infusion_running) == (S.RECOVERY, False, False)
    assert state.segments[-1].end == at(10)


def test_addendum_signature_does_not_sign_the_session() -> None:
    chart = Chart().discharge_ready()
    chart.add(ALL_INSTRUCTIONS, at(71))
    chart.add(signature(addendum_id="ev-99"), at(80))
    assert chart.state().status is S.DISCHARGED
    first = chart.add(signature(), at(90))
    chart.add(signature(), at(95))
    state = chart.state()
    assert (state.status, state.signed_at) == (S.SIGNED, first.occurred_at)


def test_pre_checks_merge_and_the_latest_item_wins() -> None:
    chart = Chart()
    first = p.PreChecks((p.PreCheckItem(PreCheckCode.IDENTITY, PreCheckStatus.DONE),))
    later = p.PreChecks(
        (
            p.PreCheckItem(PreCheckCode.IDENTITY, PreCheckStatus.OVERRIDDEN, "wristband"),
            p.PreCheckItem(PreCheckCode.CONSENT, PreCheckStatus.DONE),
        )
    )
    chart.add(first, at(1))
    chart.add(later, at(2))
    state = chart.state()
    assert state.pre_checks[PreCheckCode.IDENTITY].status is PreCheckStatus.OVERRIDDEN
    assert state.pre_checks_missing == (
        PreCheckCode.FASTING,
        PreCheckCode.PREGNANCY,
        PreCheckCode.CONCOMITANT_MEDS,
        PreCheckCode.RIDE_ARRANGED,
    )


def test_iv_removed_and_restarted() -> None:
    chart = Chart()
    chart.add(IV, at(1))
    chart.add(IV_OUT, at(2))
    assert (chart.state().iv_in_place, chart.state().iv_removed_at) == (False, at(2))
    chart.add(IV, at(3))
    state = chart.state()
    assert (state.iv_in_place, state.iv_started_at, state.iv_removed_at) == (True, at(3), None)


def test_recovery_check_is_a_reading_and_gives_the_discharge_score() -> None:
    chart = Chart().stopped()
    assert chart.state().discharge_score is None
    chart.add(recovery_check({**ALDRETE_FULL, "activity": 1}), at(55))
    state = chart.state()
    assert state.discharge_score == 9
    assert state.last_recovery_at == at(55)
    assert [(r.at, r.in_recovery) for r in state.readings] == [(at(0), False), (at(55), True)]


def test_stop_records_the_pump_volume() -> None:
    chart = Chart().stopped(40)
    assert chart.state().pump_volume_ml == D("35.0")


def test_events_fold_in_event_time_order_not_entry_order() -> None:
    chart = Chart().infusing()
    chart.add(COMPLETED, at(40))
    chart.add(PAUSE, at(10), recorded_at=at(41))
    chart.add(RESUME, at(15), recorded_at=at(41))
    state = chart.state()
    assert [(s.start, s.end) for s in state.segments] == [(at(0), at(10)), (at(15), at(40))]


def test_same_time_events_fold_in_entry_order() -> None:
    chart = Chart().infusing()
    chart.add(PAUSE, at(10))
    chart.add(RESUME, at(10))
    assert chart.state().status is S.INFUSING


def test_weight_comes_from_the_session_opening() -> None:
    state = Chart(weight="82.4").state()
    assert (state.weight_kg, state.opened_at, state.plan.total_mg) == (D("82.4"), T0, D("41.200"))


def test_is_late_after_ten_minutes() -> None:
    chart = Chart()
    on_time = chart.add(BASELINE, at(0), recorded_at=at(10))
    late = chart.add(BASELINE, at(0), recorded_at=at(10, microseconds=1))
    assert (on_time.is_late, late.is_late) == (False, True)


# -- Corrections ------------------------------------------------------------------------------


def test_correction_replaces_values_and_the_latest_wins() -> None:
    chart = Chart()
    reading = chart.add(vitals(130, 85), at(1))
    chart.correct(reading, vitals(131, 85), when=at(2))
    chart.correct(reading, vitals(132, 86), when=at(3))
    state = chart.state()
    assert [r.vitals for r in state.readings] == [vitals(132, 86)]
    assert state.readings[0].event_id == reading.id


def test_latest_correction_is_by_entry_order() -> None:
    chart = Chart()
    reading = chart.add(vitals(130, 85), at(5))
    chart.correct(reading, vitals(131, 85), when=at(9))
    newest = chart.correct(reading, vitals(132, 85), when=at(6))  # earlier clock, later entry
    assert chart.state().readings[0].vitals.systolic == 132
    assert latest_version_id(chart.events, reading.id) == newest.id


def test_correction_without_replacement_voids_the_entry() -> None:
    chart = Chart().infusing()
    pause = chart.add(PAUSE, at(10))
    chart.add(RESUME, at(20))
    chart.add(COMPLETED, at(40))
    chart.correct(pause, None, when=at(41))
    state = chart.state()
    assert state.segments == (RateSegment(at(0), at(40), D("52.5"), D(1)),)
    assert delivered_so_far(state, at(60)) == D("35.000")


def test_a_later_correction_can_restore_a_voided_entry() -> None:
    chart = Chart()
    reading = chart.add(vitals(130, 85), at(1))
    chart.correct(reading, None, when=at(2))
    assert chart.state().readings == ()
    chart.correct(reading, vitals(130, 85), when=at(3))
    assert [r.vitals for r in chart.state().readings] == [vitals(130, 85)]


def test_voiding_the_infusion_start_returns_to_pre_checks() -> None:
    chart = Chart().infusing()
    start = chart.events[-1]
    chart.correct(start, None, when=at(1))
    state = chart.state()
    assert (state.status, state.infusion_started_at, state.segments) == (S.PRE_CHECKS, None, ())


def test_corrected_time_moves_the_entry() -> None:
    chart = Chart().infusing("60")
    stop = chart.add(COMPLETED, at(30))
    chart.correct(stop, COMPLETED, occurred_at=at(20), when=at(31))
    state = chart.state()
    assert state.infusion_stopped_at == at(20)
    assert delivered_so_far(state, at(60)) == D("20.000")


def test_corrected_time_can_make_a_reading_the_baseline() -> None:
    chart = Chart().infusing()
    after = chart.add(vitals(150, 95), at(5))
    assert chart.state().baseline == BASELINE
    chart.correct(after, vitals(150, 95), occurred_at=at(-1), when=at(6))
    state = chart.state()
    assert state.baseline == BASELINE  # the original baseline at T0 is still the last before
    chart.correct(after, vitals(150, 95), occurred_at=at(0), when=at(7))
    assert chart.state().baseline == vitals(150, 95)  # same time: entry order puts it last


def test_correcting_the_infusion_rate_changes_the_dose() -> None:
    chart = Chart().infusing("52.5")
    start = chart.events[-1]
    chart.add(COMPLETED, at(40))
    chart.correct(start, infusion_start("60"), when=at(41))
    state = chart.state()
    assert (state.rate_ml_h, delivered_so_far(state, at(60))) == (D(60), D("40.000"))


def test_correcting_the_weight_changes_the_plan() -> None:
    chart = Chart(weight="154")  # entered in pounds
    chart.correct(chart.opened, p.SessionOpened(D(70)), when=at(1))
    state = chart.state()
    assert (state.weight_kg, state.plan.total_mg) == (D(70), D("35.000"))


def test_voiding_the_opening_does_not_break_the_session() -> None:
    chart = Chart(weight="70").infusing()
    chart.correct(chart.opened, None, when=at(1))
    state = chart.state()
    assert (state.status, state.weight_kg, state.opened_at) == (S.INFUSING, D(70), T0)


def test_apply_corrections_keeps_the_original_and_its_history() -> None:
    chart = Chart()
    reading = chart.add(vitals(130, 85), at(1))
    first = chart.correct(reading, vitals(131, 85), when=at(2))
    second = chart.correct(reading, None, when=at(3))
    effective = apply_corrections(chart.events)
    assert [e.kind for e in effective] == [EventKind.SESSION_OPENED, EventKind.VITALS]
    corrected = effective[1]
    assert (corrected.record, corrected.corrections, corrected.voided) == (
        reading,
        (first, second),
        True,
    )
    assert corrected.payload == reading.payload  # voided: the original stays for display


def test_latest_version_id_of_an_uncorrected_entry_is_none() -> None:
    chart = Chart()
    reading = chart.add(BASELINE, at(1))
    assert latest_version_id(chart.events, reading.id) is None


def test_correction_replacement_is_decoded_to_the_payload_type() -> None:
    chart = Chart().stopped()
    check = chart.add(recovery_check(), at(55))
    replacement = recovery_check({**ALDRETE_FULL, "activity": 1})
    chart.add(
        p.Correction(check.id, "typo", to_plain(replacement), None), at(56)
    )  # plain JSON, as stored
    state = chart.state()
    assert state.last_recovery_check == replacement
    assert state.discharge_score == 9


# -- until ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minute", "status"),
    [
        (-1, S.SCHEDULED),
        (0, S.INFUSING),
        (9.99, S.INFUSING),
        (10, S.PAUSED),
        (15, S.INFUSING),
        (40, S.RECOVERY),
    ],
)
def test_until_includes_events_at_exactly_that_time(minute: float, status: SessionStatus) -> None:
    chart = Chart(opened_at=at(-5)).infusing()
    chart.add(PAUSE, at(10))
    chart.add(RESUME, at(15))
    chart.add(COMPLETED, at(40))
    assert chart.state(until=at(minute)).status is status


def test_until_before_opening_still_has_the_opening() -> None:
    chart = Chart(weight="80").infusing()
    state = chart.state(until=at(-60))
    assert (state.status, state.weight_kg) == (S.SCHEDULED, D(80))


def test_until_leaves_the_running_segment_open() -> None:
    chart = Chart().infusing("60")
    chart.add(COMPLETED, at(30))
    state = chart.state(until=at(20))
    assert (state.infusion_running, state.segments[-1].end) == (True, None)
    assert delivered_so_far(state, at(20)) == D("20.000")


def test_until_applies_corrections_entered_later() -> None:
    chart = Chart()
    reading = chart.add(vitals(130, 85), at(1))
    chart.correct(reading, vitals(135, 85), when=at(30))
    assert chart.state(until=at(2)).readings[0].vitals.systolic == 135


# -- Baseline ---------------------------------------------------------------------------------


def test_baseline_is_the_last_vitals_at_or_before_infusion_start() -> None:
    chart = Chart()
    chart.add(ALL_PRE_CHECKS, at(-10))
    chart.add(vitals(140, 90), at(-10))
    chart.add(vitals(128, 82), at(-5))
    chart.add(IV, at(-2))
    chart.add(vitals(126, 81), at(0))
    chart.add(infusion_start(), at(0))
    chart.add(vitals(150, 95), at(5))
    assert chart.state().baseline == vitals(126, 81)


def test_baseline_before_the_infusion_is_the_latest_reading() -> None:
    chart = Chart()
    chart.add(vitals(140, 90), at(1))
    chart.add(vitals(128, 82), at(2))
    assert chart.state().baseline == vitals(128, 82)


def test_no_baseline_without_vitals() -> None:
    chart = Chart()
    chart.add(ALL_PRE_CHECKS, at(1))
    chart.add(IV, at(1))
    chart.add(infusion_start(), at(2))
    chart.add(vitals(), at(3))
    assert chart.state().baseline is None


def test_padss_protocol_recovery_score() -> None:
    chart = Chart(PAIN).stopped(240, "17.5")
    chart.add(recovery_check(kind=ScoreKind.PADSS), at(255))
    assert chart.state().discharge_score == 10


def test_state_is_a_pure_function_of_the_events() -> None:
    chart = Chart().discharge_ready()
    assert chart.state() == chart.state()
    shuffled = list(reversed(chart.events))
    assert derive_state(chart.protocol, shuffled) == chart.state()


def test_a_values_only_correction_keeps_the_time_an_earlier_correction_gave() -> None:
    chart = Chart()
    reading = chart.add(BASELINE, at(5))
    chart.correct(reading, BASELINE, occurred_at=at(-1), when=at(6))
    chart.correct(reading, p.Vitals(118, 78, 70, 14, 98), when=at(7))
    (entry,) = [e for e in apply_corrections(chart.events) if e.record.id == reading.id]
    assert entry.occurred_at == at(-1)
    assert chart.state().readings[0].at == at(-1)
