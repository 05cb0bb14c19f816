"""Due times, overdue flags and every alert, each at its boundary."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from ketachart.domain import payloads as p
from ketachart.domain.codes import ALERT_CODES
from ketachart.domain.monitoring import (
    Alert,
    AlertCode,
    DueTimes,
    current_alerts,
    due_times,
    infusion_elapsed,
    pump_mismatch_mg,
    recovery_elapsed,
    vitals_alerts,
)
from ketachart.domain.protocol import AlertThresholds, ProtocolSpec
from ketachart.domain.timeline import SessionState
from ketachart.domain.vocab import StopReason
from tests.unit.builders import (
    ALL_INSTRUCTIONS,
    ALL_PRE_CHECKS,
    IV,
    PAIN,
    TRD,
    Chart,
    at,
    infusion_start,
    recovery_check,
    vitals,
)

D = Decimal
A = AlertCode


def started(
    protocol: ProtocolSpec = TRD,
    baseline: p.Vitals | None = None,
    rate: str = "52.5",
) -> Chart:
    """Baseline at -5 min, infusion running from minute 0."""
    chart = Chart(protocol, opened_at=at(-10))
    chart.add(ALL_PRE_CHECKS, at(-5))
    chart.add(baseline or vitals(120, 80), at(-5))
    chart.add(IV, at(-5))
    chart.add(infusion_start(rate, str(protocol.concentration_mg_ml)), at(0))
    return chart


def stop(volume: str = "35.0") -> p.InfusionStop:
    return p.InfusionStop(D(volume), StopReason.COMPLETED)


# -- Vitals due during the infusion -----------------------------------------------------------


@pytest.mark.parametrize(
    ("readings", "due"),
    [
        ([], 10),
        ([0], 10),  # a reading at the very start counts as the first one
        ([8], 18),
        ([10, 20, 30], 40),
        ([10, 20, 34], 40),  # 6 min before the peak: the peak reading is still due at 40
        ([10, 20, 35], 45),  # exactly 5 min before the peak covers it
        ([10, 20, 30, 38], 48),
        ([10, 20, 30, 45], 55),  # exactly 5 min after the peak covers it
        ([10, 20, 30, 46], 56),  # a reading after the peak, however late, ends the peak check
    ],
)
def test_vitals_due_every_interval_and_at_the_peak(readings: list[float], due: float) -> None:
    chart = started()
    for minute in readings:
        chart.add(vitals(), at(minute))
    assert due_times(chart.state(), at(0)).next_vitals_at == at(due)


@pytest.mark.parametrize(
    ("readings", "due"),
    [
        ([], 15),
        ([15, 30], 40),  # the peak at 40 comes before the 45-min interval
        ([15, 30, 40], 55),
        ([15, 30, 44], 59),
    ],
)
def test_vitals_due_with_a_15_minute_interval(readings: list[float], due: float) -> None:
    chart = started(PAIN, rate="17.5")
    for minute in readings:
        chart.add(vitals(), at(minute))
    assert due_times(chart.state(), at(0)).next_vitals_at == at(due)


def test_peak_check_can_be_turned_off() -> None:
    chart = started(replace(TRD, peak_check_min=0))
    for minute in (10, 20, 34):
        chart.add(vitals(), at(minute))
    assert due_times(chart.state(), at(0)).next_vitals_at == at(44)


def test_pre_infusion_readings_do_not_count_towards_the_interval() -> None:
    chart = started()
    assert chart.state().readings[0].at == at(-5)
    assert due_times(chart.state(), at(0)).next_vitals_at == at(10)


def test_vitals_still_due_while_paused() -> None:
    chart = started()
    chart.add(vitals(), at(8))
    chart.add(p.Pause("nausea"), at(12))
    assert due_times(chart.state(), at(12)).next_vitals_at == at(18)


@pytest.mark.parametrize(
    ("now", "overdue"),
    [(at(9), False), (at(10), False), (at(10, microseconds=1), True), (at(30), True)],
)
def test_vitals_overdue_only_after_the_due_time(now: datetime, overdue: bool) -> None:
    due = due_times(started().state(), now)
    assert (due.next_vitals_at, due.vitals_overdue, due.overdue) == (at(10), overdue, overdue)


def test_nothing_due_before_the_infusion() -> None:
    chart = Chart()
    chart.add(ALL_PRE_CHECKS, at(1))
    chart.add(vitals(), at(1))
    assert due_times(chart.state(), at(120)) == DueTimes(None, False, None, False)


# -- Recovery checks --------------------------------------------------------------------------


def test_after_stop_vitals_are_not_due_but_recovery_checks_are() -> None:
    chart = started()
    chart.add(stop(), at(40))
    due = due_times(chart.state(), at(40))
    assert (due.next_vitals_at, due.next_recovery_at) == (None, at(55))


@pytest.mark.parametrize(
    ("checks", "due"),
    [([], 55), ([55], 70), ([50], 65), ([55, 70], 85), ([55, 69], 84)],
)
def test_recovery_checks_every_interval_after_the_last(checks: list[float], due: float) -> None:
    chart = started()
    chart.add(stop(), at(40))
    for minute in checks:
        chart.add(recovery_check(), at(minute))
    assert due_times(chart.state(), at(40)).next_recovery_at == at(due)


def test_plain_vitals_in_recovery_do_not_count_as_a_recovery_check() -> None:
    chart = started()
    chart.add(stop(), at(40))
    chart.add(vitals(), at(50))
    assert due_times(chart.state(), at(40)).next_recovery_at == at(55)


@pytest.mark.parametrize(
    ("now", "overdue"),
    [(at(54), False), (at(55), False), (at(55, microseconds=1), True)],
)
def test_recovery_overdue_only_after_the_due_time(now: datetime, overdue: bool) -> None:
    chart = started()
    chart.add(stop(), at(40))
    due = due_times(chart.state(), now)
    assert (due.recovery_overdue, due.overdue, due.vitals_overdue) == (overdue, overdue, False)


def test_nothing_due_after_discharge() -> None:
    chart = started()
    chart.add(stop(), at(40))
    chart.add(ALL_INSTRUCTIONS, at(71))
    assert due_times(chart.state(), at(500)) == DueTimes(None, False, None, False)


def test_next_due_is_the_earlier_of_the_two() -> None:
    assert DueTimes(at(10), False, at(5), True).next_due_at == at(5)
    assert DueTimes(None, False, at(5), False).next_due_at == at(5)
    assert DueTimes(None, False, None, False).next_due_at is None


# -- Elapsed times ----------------------------------------------------------------------------


def test_elapsed_times_include_pauses_and_end_at_stop_and_discharge() -> None:
    chart = started()
    assert infusion_elapsed(chart.state(), at(12)) == timedelta(minutes=12)
    chart.add(p.Pause("break"), at(10))
    chart.add(p.Resume(), at(15))
    chart.add(stop(), at(45))
    assert recovery_elapsed(chart.state(), at(60)) == timedelta(minutes=15)
    chart.add(ALL_INSTRUCTIONS, at(80))
    state = chart.state()
    assert infusion_elapsed(state, at(200)) == timedelta(minutes=45)
    assert recovery_elapsed(state, at(200)) == timedelta(minutes=35)
    assert infusion_elapsed(Chart().state(), at(1)) == timedelta(0)
    assert recovery_elapsed(Chart().state(), at(1)) == timedelta(0)


# -- Vitals alerts ----------------------------------------------------------------------------


def reading_alerts(reading: p.Vitals, baseline: p.Vitals | None = None) -> list[AlertCode]:
    chart = started(baseline=baseline)
    event = chart.add(reading, at(20))
    return [a.code for a in vitals_alerts(chart.state()) if a.event_id == event.id]


@pytest.mark.parametrize(
    ("reading", "codes"),
    [
        (vitals(160, 80), [A.BP_RISE]),  # +40 systolic
        (vitals(159, 80), []),
        (vitals(120, 105), [A.BP_RISE]),  # +25 diastolic
        (vitals(120, 104), []),
        (vitals(159, 104), []),
        (vitals(165, 110), [A.BP_RISE]),  # both rise: one alert
        (vitals(180, 110), [A.BP_RISE, A.BP_HIGH]),
        (vitals(100, 60), []),  # a fall is not a rise
    ],
)
def test_bp_rise_from_baseline_120_80(reading: p.Vitals, codes: list[AlertCode]) -> None:
    assert reading_alerts(reading) == codes


@pytest.mark.parametrize(
    ("reading", "codes"),
    [
        (vitals(180, 100), [A.BP_HIGH]),
        (vitals(179, 119), []),
        (vitals(150, 120), [A.BP_HIGH]),
        (vitals(150, 119), []),
    ],
)
def test_absolute_bp_limit(reading: p.Vitals, codes: list[AlertCode]) -> None:
    assert reading_alerts(reading, baseline=vitals(150, 100)) == codes


@pytest.mark.parametrize(
    ("reading", "codes"),
    [
        (vitals(spo2=91), [A.SPO2_LOW]),
        (vitals(spo2=92), []),
        (vitals(heart_rate=49), [A.HR_LOW]),
        (vitals(heart_rate=50), []),
        (vitals(heart_rate=120), []),
        (vitals(heart_rate=121), [A.HR_HIGH]),
        (vitals(resp_rate=9), [A.RR_LOW]),
        (vitals(resp_rate=10), []),
        (vitals(moaas=2), [A.SEDATION_DEEP]),
        (vitals(moaas=0), [A.SEDATION_DEEP]),
        (vitals(moaas=3), []),
        (vitals(), []),  # MOAA/S not scored
        (
            vitals(200, 125, spo2=85, heart_rate=130, resp_rate=6, moaas=1),
            [A.BP_RISE, A.BP_HIGH, A.SPO2_LOW, A.HR_HIGH, A.RR_LOW, A.SEDATION_DEEP],
        ),
    ],
)
def test_vital_sign_limits(reading: p.Vitals, codes: list[AlertCode]) -> None:
    assert reading_alerts(reading) == codes


def test_alert_messages_and_origin() -> None:
    chart = started()
    event = chart.add(vitals(160, 80, spo2=91), at(20))
    alerts = [a for a in vitals_alerts(chart.state()) if a.event_id == event.id]
    assert alerts == [
        Alert(A.BP_RISE, "BP rose +40/+0 mmHg from baseline 120/80", at(20), event.id),
        Alert(A.SPO2_LOW, "SpO2 91 % below 92 %", at(20), event.id),
    ]


def test_the_baseline_reading_itself_is_not_compared_with_itself() -> None:
    chart = started(baseline=vitals(185, 95))
    assert [a.code for a in vitals_alerts(chart.state())] == [A.BP_HIGH]


def test_no_bp_rise_without_a_baseline() -> None:
    chart = Chart()
    chart.add(IV, at(0))
    chart.add(infusion_start(), at(0))
    chart.add(vitals(200, 110), at(10))
    assert [a.code for a in vitals_alerts(chart.state())] == [A.BP_HIGH]


def test_recovery_check_vitals_raise_alerts() -> None:
    chart = started()
    chart.add(stop(), at(40))
    check = replace(recovery_check(), vitals=vitals(spo2=90))
    event = chart.add(check, at(55))
    assert [a.code for a in vitals_alerts(chart.state()) if a.event_id == event.id] == [A.SPO2_LOW]


@pytest.mark.parametrize(
    ("thresholds", "reading", "codes"),
    [
        (AlertThresholds(spo2_min=94), vitals(spo2=93), [A.SPO2_LOW]),
        (AlertThresholds(bp_rise_systolic=20), vitals(140, 80), [A.BP_RISE]),
        (AlertThresholds(hr_max=100), vitals(heart_rate=101), [A.HR_HIGH]),
        (AlertThresholds(moaas_alert_at_or_below=3), vitals(moaas=3), [A.SEDATION_DEEP]),
        (AlertThresholds(systolic_max=160), vitals(159, 80), []),
    ],
)
def test_thresholds_come_from_the_protocol(
    thresholds: AlertThresholds, reading: p.Vitals, codes: list[AlertCode]
) -> None:
    chart = started(replace(TRD, alerts=thresholds))
    event = chart.add(reading, at(20))
    assert [a.code for a in vitals_alerts(chart.state()) if a.event_id == event.id] == codes


# -- Current alerts: overdue, latest reading, dose -------------------------------------------


def codes_now(state: SessionState, now: datetime) -> list[AlertCode]:
    return [a.code for a in current_alerts(state, now)]


def test_vitals_overdue_alert_at_its_boundary() -> None:
    state = started().state()
    assert codes_now(state, at(10)) == []
    assert current_alerts(state, at(10, microseconds=1)) == [
        Alert(A.VITALS_OVERDUE, "Vitals overdue", at(10))
    ]


def test_recovery_overdue_alert_at_its_boundary() -> None:
    chart = started()
    chart.add(stop(), at(40))
    state = chart.state()
    assert codes_now(state, at(55)) == []
    assert current_alerts(state, at(55, microseconds=1)) == [
        Alert(A.RECOVERY_OVERDUE, "Recovery check overdue", at(55))
    ]


def test_only_the_latest_reading_counts_now() -> None:
    chart = started()
    chart.add(vitals(spo2=85), at(5))
    assert codes_now(chart.state(), at(6)) == [A.SPO2_LOW]
    chart.add(vitals(spo2=97), at(7))
    assert codes_now(chart.state(), at(8)) == []


@pytest.mark.parametrize(
    ("micros", "alert"),
    [(0, False), (25_000, False), (25_001, True)],
)
def test_dose_above_maximum_at_its_boundary(micros: int, alert: bool) -> None:
    # 70 kg x 1.0 mg/kg max = 70.000 mg; 72 mg/h reaches it at 58 min 20 s; 0.0005 mg more
    # takes 25 ms and rounds half-even to 70.000, one microsecond more to 70.001.
    state = started(rate="72").state()
    now = at(58, seconds=20, microseconds=micros)
    dose = [a for a in current_alerts(state, now) if a.code is A.DOSE_ABOVE_MAX]
    expected = [
        Alert(
            A.DOSE_ABOVE_MAX,
            "Delivered 70.001 mg is above the protocol maximum 70.000 mg",
            now,
        )
    ]
    assert dose == (expected if alert else [])


@pytest.mark.parametrize(
    ("rate", "volume", "mismatch"),
    [
        ("52.5", "35.0", None),  # charted 35.000 mg
        ("52.5", "38.8", "3.800"),  # 3.8 mg off: over 10 % of the 35.000 delivered
        ("52.5", "39.0", "4.000"),
        ("52.5", "31.5", None),  # 3.5 mg off, exactly 10 % of 35.000
        ("52.5", "31.4", "3.600"),
        ("3", "2.5", None),  # 2.000 mg charted: 0.5 mg off is within the absolute floor
        ("3", "2.6", "0.600"),
        ("3", "1.5", None),
        ("3", "1.4", "0.600"),
    ],
)
def test_pump_mismatch(rate: str, volume: str, mismatch: str | None) -> None:
    chart = started(rate=rate)
    chart.add(stop(volume), at(40))
    state = chart.state()
    expected = None if mismatch is None else D(mismatch)
    assert pump_mismatch_mg(state, at(60)) == expected
    codes = [a.code for a in current_alerts(state, at(41)) if a.code is A.PUMP_MISMATCH]
    assert codes == ([] if mismatch is None else [A.PUMP_MISMATCH])


def test_no_pump_mismatch_before_the_stop() -> None:
    assert pump_mismatch_mg(started().state(), at(30)) is None


def test_pump_mismatch_message() -> None:
    chart = started()
    chart.add(stop("39.0"), at(40))
    (alert,) = [a for a in current_alerts(chart.state(), at(41)) if a.code is A.PUMP_MISMATCH]
    assert alert == Alert(
        A.PUMP_MISMATCH,
        "Dose amounts differ by 4.000 mg (charted rates, pump volume, controlled-substance "
        "record); reconcile",
        at(41),
    )


def test_every_alert_code_is_covered_here() -> None:
    assert {
        A.VITALS_OVERDUE,
        A.RECOVERY_OVERDUE,
        A.BP_RISE,
        A.BP_HIGH,
        A.SPO2_LOW,
        A.HR_LOW,
        A.HR_HIGH,
        A.RR_LOW,
        A.SEDATION_DEEP,
        A.DOSE_ABOVE_MAX,
        A.PUMP_MISMATCH,
    } == ALERT_CODES
