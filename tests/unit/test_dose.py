"""Dose arithmetic: the plan per protocol and weight, and the delivered-dose integral."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketachart.domain import payloads as p
from ketachart.domain.dose import (
    DosePlan,
    RateSegment,
    delivered_mg,
    plan_dose,
    rate_mg_h,
    rate_mg_kg_h,
    to_mg,
)
from ketachart.domain.monitoring import delivered_so_far
from ketachart.domain.protocol import ProtocolSpec
from ketachart.domain.vocab import StopReason
from tests.unit.builders import (
    ALL_PRE_CHECKS,
    BASELINE,
    IV,
    PAIN,
    PTSD,
    TRD,
    Chart,
    at,
    infusion_start,
    rate_change,
)

D = Decimal

STOP = p.InfusionStop(D("0.0"), StopReason.COMPLETED)
PAUSE = p.Pause("patient asked for a break")
RESUME = p.Resume()


# -- The plan ---------------------------------------------------------------------------------

PLANS = [
    # protocol, kg, total mg, mg/h, mg/kg/h, mL/h, volume mL, max total mg
    (TRD, "70", "35.000", "52.500", "0.750", "52.5", "35.000", "70.000"),
    (TRD, "55.5", "27.750", "41.625", "0.750", "41.6", "27.750", "55.500"),
    (TRD, "61.4", "30.700", "46.050", "0.750", "46.1", "30.700", "61.400"),
    (TRD, "123.7", "61.850", "92.775", "0.750", "92.8", "61.850", "123.700"),
    (PTSD, "70", "35.000", "52.500", "0.750", "52.5", "35.000", "56.000"),
    (PTSD, "90.1", "45.050", "67.575", "0.750", "67.6", "45.050", "72.080"),
    (PAIN, "70", "140.000", "35.000", "0.500", "17.5", "70.000", "175.000"),
    (PAIN, "63.3", "126.600", "31.650", "0.500", "15.8", "63.300", "158.250"),
    (PAIN, "101.1", "202.200", "50.550", "0.500", "25.3", "101.100", "252.750"),
]


@pytest.mark.parametrize(
    ("protocol", "kg", "total", "mg_h", "mg_kg_h", "ml_h", "volume", "max_total"), PLANS
)
def test_plan_dose_matches_hand_calculation(
    protocol: ProtocolSpec,
    kg: str,
    total: str,
    mg_h: str,
    mg_kg_h: str,
    ml_h: str,
    volume: str,
    max_total: str,
) -> None:
    plan = plan_dose(protocol, D(kg))
    expected = DosePlan(
        weight_kg=D(kg),
        total_mg=D(total),
        rate_mg_h=D(mg_h),
        rate_mg_kg_h=D(mg_kg_h),
        rate_ml_h=D(ml_h),
        duration_min=protocol.duration_min,
        volume_ml=D(volume),
        max_total_mg=D(max_total),
    )
    assert plan == expected
    assert str(plan.total_mg) == total  # exactly three places, no exponent
    assert str(plan.rate_ml_h) == ml_h


def test_plan_rate_with_repeating_fraction_rounds_each_output_once() -> None:
    # 0.5 mg/kg over 45 min at 70 kg: 35 mg, 46.666... mg/h, 0.666... mg/kg/h
    plan = plan_dose(replace(TRD, duration_min=45), D(70))
    assert (plan.total_mg, plan.rate_mg_h, plan.rate_mg_kg_h, plan.rate_ml_h) == (
        D("35.000"),
        D("46.667"),
        D("0.667"),
        D("46.7"),
    )


@pytest.mark.parametrize(
    ("kg", "ml_h"),
    [
        ("61.4", "46.1"),  # 46.05 mL/h exactly: the pump rate ties round half up (not to 46.0)
        ("61.0", "45.8"),  # 45.75 exactly
        ("61.3", "46.0"),  # 45.975
    ],
)
def test_pump_rate_rounds_half_up_to_a_tenth(kg: str, ml_h: str) -> None:
    assert plan_dose(TRD, D(kg)).rate_ml_h == D(ml_h)


@pytest.mark.parametrize(
    ("kg", "total"),
    [
        ("70.6", "0.882"),  # 0.8825 exactly: half-even keeps the even 2 (half-up would say .883)
        ("70.2", "0.878"),  # 0.8775 exactly: half-even goes to the even 8
        ("70.4", "0.880"),  # 0.88 exactly
    ],
)
def test_mg_ties_round_half_even(kg: str, total: str) -> None:
    protocol = replace(TRD, dose_mg_per_kg=D("0.0125"))
    assert plan_dose(protocol, D(kg)).total_mg == D(total)


def test_per_hour_plan_total_is_exact_not_a_rounded_decimal() -> None:
    # 60.3 kg x 0.25 mg/kg/h x 10 min = 2.5125 mg exactly -> 2.512 (half-even).
    # (Going through the Decimal 0.25 * 10 / 60 = 0.041666...667 used to give 2.513.)
    protocol = replace(PAIN, dose_mg_per_kg=D("0.25"), duration_min=10)
    plan = plan_dose(protocol, D("60.3"))
    assert (plan.total_mg, plan.rate_mg_h, plan.volume_ml) == (D("2.512"), D("15.075"), D("1.256"))


@pytest.mark.parametrize(
    ("ml_h", "mg_ml", "kg", "mg_kg_h"),
    [
        ("52.5", "1", "70", "0.750"),
        ("46.7", "1", "70", "0.667"),
        ("105.1", "1", "70", "1.501"),
        ("17.5", "2", "70", "0.500"),
        ("0.1", "0.1", "400", "0.000"),
    ],
)
def test_rate_per_kg(ml_h: str, mg_ml: str, kg: str, mg_kg_h: str) -> None:
    assert rate_mg_kg_h(D(ml_h), D(mg_ml), D(kg)) == D(mg_kg_h)


def test_rate_mg_h_is_rate_times_concentration() -> None:
    assert rate_mg_h(D("17.5"), D("2")) == D("35.0")


# -- Delivered dose through the real fold -----------------------------------------------------


def test_rate_changes_and_pause_integrate_exactly() -> None:
    chart = Chart().ready()
    chart.add(infusion_start("60"), at(0))
    chart.add(PAUSE, at(10))
    chart.add(RESUME, at(15))
    chart.add(rate_change("30"), at(15))
    chart.add(STOP, at(35))
    state = chart.state()
    # 60 mL/h x 1 mg/mL x 10 min = 10 mg; paused 5 min; 30 mL/h x 20 min = 10 mg
    assert delivered_so_far(state, at(100)) == D("20.000")
    assert [(s.start, s.end, s.rate_ml_h) for s in state.segments] == [
        (at(0), at(10), D(60)),
        (at(15), at(15), D(60)),
        (at(15), at(35), D(30)),
    ]


@pytest.mark.parametrize(
    ("minute", "mg"),
    [(0, "0.000"), (5, "5.000"), (10, "10.000"), (12, "10.000"), (15, "10.000"), (25, "15.000")],
)
def test_delivered_so_far_while_running_and_paused(minute: float, mg: str) -> None:
    chart = Chart().ready()
    chart.add(infusion_start("60"), at(0))
    chart.add(PAUSE, at(10))
    chart.add(RESUME, at(15))
    chart.add(rate_change("30"), at(15))
    assert delivered_so_far(chart.state(until=at(minute)), at(minute)) == D(mg)


def test_whole_depression_protocol_delivers_the_planned_35_mg() -> None:
    chart = Chart().infusing("52.5")
    chart.add(STOP, at(40))
    assert delivered_so_far(chart.state(), at(90)) == D("35.000")


def test_pause_time_is_excluded() -> None:
    chart = Chart().infusing("52.5")
    chart.add(PAUSE, at(20))
    chart.add(RESUME, at(25))
    chart.add(STOP, at(45))
    assert delivered_so_far(chart.state(), at(90)) == D("35.000")


def test_concentration_comes_from_the_infusion_start() -> None:
    chart = Chart(PAIN).infusing("17.5")
    chart.add(STOP, at(240))
    # 17.5 mL/h x 2 mg/mL x 4 h
    assert delivered_so_far(chart.state(), at(300)) == D("140.000")


def test_rounding_happens_once_not_per_segment() -> None:
    chart = Chart().ready()
    chart.add(infusion_start("1.2"), at(0))
    chart.add(rate_change("2.4"), at(seconds=1.2))
    chart.add(rate_change("3.6"), at(seconds=1.8))
    chart.add(STOP, at(seconds=2.2))
    segments = chart.state().segments
    # each segment is 0.0004 mg: rounded one by one they sum to 0.000, exactly they are 0.0012
    assert [s.mg_until(at(1)) for s in segments] == [Fraction(4, 10000)] * 3
    assert sum(to_mg(s.mg_until(at(1))) for s in segments) == D("0.000")
    assert delivered_mg(segments, at(1)) == D("0.001")


@pytest.mark.parametrize(
    ("micros", "mg"),
    [
        (1, "0.000"),
        (50_000, "0.000"),  # 0.0005 exactly: ties to even (0)
        (50_001, "0.001"),
        (150_000, "0.002"),  # 0.0015: ties to even (2)
        (250_000, "0.002"),  # 0.0025: ties to even (2)
        (250_001, "0.003"),
        (350_000, "0.004"),  # 0.0035: ties to even (4)
        (3_600_000_000, "36.000"),
    ],
)
def test_microsecond_timestamps(micros: int, mg: str) -> None:
    # 36 mL/h x 1 mg/mL = 0.01 mg/s = 1e-8 mg per microsecond
    chart = Chart().ready()
    chart.add(infusion_start("36"), at(0))
    chart.add(STOP, at(microseconds=micros))
    assert delivered_so_far(chart.state(), at(600)) == D(mg)


def test_running_segment_counts_up_to_now_only() -> None:
    chart = Chart().infusing("36")
    state = chart.state()
    assert state.segments[-1].end is None
    assert delivered_so_far(state, at(microseconds=250_001)) == D("0.003")
    assert delivered_so_far(state, at(-1)) == D("0.000")


def test_rate_change_charted_while_paused_is_not_folded() -> None:
    chart = Chart().infusing("60")
    chart.add(PAUSE, at(10))
    chart.add(rate_change("30"), at(12))  # the rules refuse this; the fold ignores it
    chart.add(RESUME, at(15))
    chart.add(STOP, at(25))
    state = chart.state()
    assert state.rate_ml_h == D(60)
    assert delivered_so_far(state, at(60)) == D("20.000")


def test_late_entry_is_folded_at_its_event_time() -> None:
    chart = Chart().infusing("60")
    chart.add(STOP, at(30))
    chart.add(rate_change("30"), at(10), recorded_at=at(31))  # charted late
    assert delivered_so_far(chart.state(), at(60)) == D("20.000")


def test_infusion_across_midnight() -> None:
    start = datetime(2026, 3, 10, 22, 0, tzinfo=UTC)
    chart = Chart(PAIN, opened_at=start)
    for payload in (ALL_PRE_CHECKS, BASELINE, IV, infusion_start("17.5", "2")):
        chart.add(payload, start)
    chart.add(STOP, start + timedelta(hours=4))
    assert delivered_so_far(chart.state(), start + timedelta(days=1)) == D("140.000")


def test_segment_that_ends_before_it_starts_delivers_nothing() -> None:
    segment = RateSegment(at(10), at(5), D(60), D(1))
    assert segment.mg_until(at(20)) == 0


# -- Properties -------------------------------------------------------------------------------

rates = st.decimals(min_value="0.1", max_value="999", places=1)
concentrations = st.decimals(min_value="0.1", max_value="100", places=1)


@settings(max_examples=200, deadline=None)
@given(
    rate=rates,
    concentration=concentrations,
    total_us=st.integers(min_value=0, max_value=8 * 3_600_000_000),
    cuts=st.lists(st.integers(min_value=0, max_value=8 * 3_600_000_000), max_size=6),
)
def test_splitting_a_run_into_segments_never_changes_the_total(
    rate: Decimal, concentration: Decimal, total_us: int, cuts: list[int]
) -> None:
    end = at(microseconds=total_us)
    whole = (RateSegment(at(0), end, rate, concentration),)
    points = sorted({0, total_us, *(c for c in cuts if c <= total_us)})
    pieces = tuple(
        RateSegment(at(microseconds=a), at(microseconds=b), rate, concentration)
        for a, b in itertools.pairwise(points)
    )
    exact = Fraction(rate) * Fraction(concentration) * total_us / 3_600_000_000
    assert delivered_mg(pieces, end) == delivered_mg(whole, end) == to_mg(exact)


@settings(max_examples=200, deadline=None)
@given(
    kg=st.decimals(min_value=2, max_value=400, places=1),
    protocol=st.sampled_from([TRD, PTSD, PAIN]),
)
def test_plan_is_consistent_for_any_plausible_weight(kg: Decimal, protocol: ProtocolSpec) -> None:
    plan = plan_dose(protocol, kg)
    exact_total = Fraction(kg) * Fraction(protocol.dose_mg_per_kg)
    if protocol is PAIN:
        exact_total = exact_total * protocol.duration_min / 60
    assert plan.total_mg == to_mg(exact_total)
    assert plan.total_mg <= plan.max_total_mg
    assert abs(plan.rate_ml_h * protocol.concentration_mg_ml - plan.rate_mg_h) <= D("0.05") * (
        protocol.concentration_mg_ml
    )
    assert plan.rate_mg_h.as_tuple().exponent == -3
    assert plan.rate_ml_h.as_tuple().exponent == -1
