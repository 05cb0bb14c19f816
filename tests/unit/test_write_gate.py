"""The write gate: a new entry, a late entry and a correction are checked alike, over the
whole timeline they would make (clinical reference, "Rules that hold for every write")."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal as D  # noqa: N817

import pytest

from ketachart.domain import payloads as p
from ketachart.domain.codec import to_plain
from ketachart.domain.events import EventRecord, Override, kind_of
from ketachart.domain.vocab import MentalStatus, Nausea, ScoreKind, StopReason
from ketachart.domain.write_gate import (
    CANDIDATE_ID,
    GateContext,
    Proposal,
    check_opening,
    check_write,
    concerns_needed,
    timeline_findings,
)
from ketachart.errors import ApprovalRequired, ConfirmationRequired, OverrideRequired, RuleViolation
from tests.unit.builders import (
    ALDRETE_FULL,
    BASELINE,
    IV_OUT,
    RIDE,
    Chart,
    at,
    infusion_start,
    rate_change,
    recovery_check,
    vitals,
)

PHYSICIAN = 7


def propose(
    chart: Chart,
    payload: p.Payload,
    when: datetime,
    overrides: tuple[Override, ...] = (),
    *,
    earlier_kg: D | None = None,
) -> Proposal:
    """`payload` proposed at `when` (a correction is entered at `when`)."""
    seq = len(chart.events) + 1
    candidate = EventRecord(
        CANDIDATE_ID, "session-1", seq, kind_of(payload), when, when, 1, payload, overrides, "", ""
    )
    events = tuple(chart.events)
    latest = max(e.occurred_at for e in events)
    ctx = GateContext(chart.protocol, earlier_kg)
    return Proposal(ctx, events, chart.state(), latest, candidate)


def correction(target: EventRecord, replacement: p.Payload | None, **kw: datetime) -> p.Correction:
    plain = None if replacement is None else to_plain(replacement)
    return p.Correction(target.id, "typo", plain, kw.get("occurred_at"))


def approved(*codes: str, physician: bool = True) -> tuple[Override, ...]:
    by = PHYSICIAN if physician else None
    return tuple(Override(c, "checked with the physician at the bedside", by) for c in codes)


def needed_codes(proposal: Proposal) -> list[str]:
    return [a.code for a in concerns_needed(proposal)]


# -- A late entry that changes the meaning of later entries --------------------------------


def test_a_late_pause_before_a_later_rate_change_is_refused_naming_it() -> None:
    chart = Chart().infusing()
    chart.add(rate_change("60"), at(20))
    with pytest.raises(RuleViolation) as refused:
        check_write(propose(chart, p.Pause("nausea"), at(15)))
    text = refused.value.message
    assert text.startswith("A pause at ")
    assert "conflicts with the rate change charted at " in text
    assert "resume it before changing the rate" in text


def test_the_same_pause_after_the_rate_change_is_accepted() -> None:
    chart = Chart().infusing()
    chart.add(rate_change("60"), at(20))
    check_write(propose(chart, p.Pause("nausea"), at(25)))


def test_a_late_stop_before_later_rate_changes_is_refused() -> None:
    chart = Chart().infusing()
    chart.add(rate_change("60"), at(20))
    with pytest.raises(RuleViolation, match="rate change charted at"):
        check_write(propose(chart, p.InfusionStop(D(10), StopReason.STOPPED_EARLY, "x"), at(10)))


def test_a_late_vitals_entry_changes_nothing_after_it() -> None:
    chart = Chart().infusing()
    chart.add(rate_change("60"), at(20))
    check_write(propose(chart, vitals(), at(12)))


# -- Corrections pass the guards of the entry they replace ----------------------------------


def test_correcting_a_rate_above_the_maximum_needs_a_physician() -> None:
    chart = Chart().infusing()
    change = chart.add(rate_change("60"), at(20))
    proposal = propose(chart, correction(change, rate_change("140")), at(21))
    with pytest.raises(OverrideRequired) as needed:
        check_write(proposal)
    assert needed.value.code == "dose.rate"
    assert "140 mL/h is 2 mg/kg/h" in needed.value.message
    nurse_reason = propose(
        chart,
        correction(change, rate_change("140")),
        at(21),
        approved("dose.rate", physician=False),
    )
    with pytest.raises(OverrideRequired):
        check_write(nurse_reason)
    check_write(
        propose(chart, correction(change, rate_change("140")), at(21), approved("dose.rate"))
    )


def test_a_direct_entry_and_a_correction_get_the_same_answer() -> None:
    chart = Chart().infusing()
    change = chart.add(rate_change("60"), at(20))
    direct = concerns_needed(propose(chart, rate_change("140"), at(21)))
    corrected = concerns_needed(propose(chart, correction(change, rate_change("140")), at(21)))
    assert [a.code for a in direct] == ["dose.rate"]
    assert [a.code for a in corrected] == ["dose.rate"]
    assert corrected[0].message.endswith(direct[0].message)


def test_correcting_the_weight_to_pounds_asks_the_pounds_question() -> None:
    chart = Chart().infusing()
    proposal = propose(
        chart, correction(chart.opened, p.SessionOpened(D(154))), at(5), earlier_kg=D(70)
    )
    assert "weight.pounds" in needed_codes(proposal)
    with pytest.raises(ApprovalRequired) as needed:
        check_write(proposal)
    assert "pounds" in needed.value.message


def test_a_weight_correction_that_puts_the_running_rate_above_the_maximum() -> None:
    chart = Chart().infusing(rate="100")  # 100 mg/h at 70 kg = 1.43 mg/kg/h: allowed
    lower = propose(
        chart, correction(chart.opened, p.SessionOpened(D(60))), at(5), earlier_kg=D(62)
    )
    assert needed_codes(lower) == ["dose.rate"]  # 1.67 mg/kg/h at 60 kg


def test_moving_the_infusion_start_before_the_iv_is_refused() -> None:
    chart = Chart().infusing(minute=10)
    start = chart.events[-1]
    moved = correction(start, start.payload, occurred_at=at(-23 * 60))
    with pytest.raises(RuleViolation, match="No infusion before an IV"):
        check_write(propose(chart, moved, at(11)))


def test_voiding_the_iv_start_under_a_running_infusion_is_refused() -> None:
    chart = Chart().infusing()
    iv = next(e for e in chart.events if isinstance(e.payload, p.IvStart))
    with pytest.raises(RuleViolation, match="infusion start charted at"):
        check_write(propose(chart, correction(iv, None), at(5)))


def test_a_correction_that_fixes_a_typo_is_not_asked_about_old_approvals() -> None:
    chart = Chart().infusing()
    chart.add(rate_change("140"), at(20), overrides=approved("dose.rate"))
    note = chart.add(p.Note("pump checked"), at(21))
    check_write(propose(chart, correction(note, p.Note("pump checked twice")), at(22)))


# -- Limits on exact values -----------------------------------------------------------------


@pytest.mark.parametrize(("rate", "needed"), [("150", []), ("150.05", ["dose.rate"])])
def test_the_rate_limit_compares_exact_values(rate: str, needed: list[str]) -> None:
    chart = Chart(weight="100").ready()  # 1.5 mg/kg/h maximum at 1 mg/mL: 150 mL/h
    start = p.InfusionStart("Ketamine", D(1), D(500), D(rate))
    codes = [c for c in needed_codes(propose(chart, start, at(1))) if c.startswith("dose.")]
    assert codes == needed  # 150.05 mL/h is 1.5005 mg/kg/h, which rounds to 1.500


# -- Before the first mL --------------------------------------------------------------------


@pytest.mark.parametrize(("rate", "needed"), [("65.6", []), ("65.7", ["rate.above_plan"])])
def test_a_rate_more_than_25_percent_above_plan_asks_for_a_confirmation(
    rate: str, needed: list[str]
) -> None:
    chart = Chart().ready()  # 70 kg, 0.5 mg/kg over 40 min: 52.5 mL/h; +25 % = 65.625
    start = p.InfusionStart("Ketamine", D(1), D(500), D(rate))
    assert needed_codes(propose(chart, start, at(1))) == needed
    with_reason = approved(*needed, physician=False)
    check_write(propose(chart, start, at(1), with_reason))


def test_changing_to_a_rate_above_plan_asks_too() -> None:
    chart = Chart().infusing()
    assert needed_codes(propose(chart, rate_change("66"), at(10))) == ["rate.above_plan"]


@pytest.mark.parametrize(
    ("systolic", "diastolic", "needed"),
    [(160, 100, []), (161, 80, ["bp.pre_infusion"]), (120, 101, ["bp.pre_infusion"])],
)
def test_a_baseline_above_the_pre_infusion_limit_blocks_the_start(
    systolic: int, diastolic: int, needed: list[str]
) -> None:
    chart = Chart().ready()
    chart.add(vitals(systolic, diastolic), at(0.5))
    start = p.InfusionStart("Ketamine", D(1), D(500), D("52.5"))
    assert needed_codes(propose(chart, start, at(1))) == needed
    if needed:
        with pytest.raises(OverrideRequired):
            check_write(propose(chart, start, at(1), approved(*needed, physician=False)))
        check_write(propose(chart, start, at(1), approved(*needed)))


def test_correcting_the_baseline_above_the_limit_after_the_start_needs_the_override() -> None:
    chart = Chart().infusing(minute=0)
    baseline = next(e for e in chart.events if e.payload == BASELINE)
    high = correction(baseline, vitals(172, 104))
    assert needed_codes(propose(chart, high, at(5))) == ["bp.pre_infusion"]


@pytest.mark.parametrize(("weight", "needed"), [("150", []), ("150.5", ["weight.pounds"])])
def test_a_first_weight_above_150_asks_if_it_is_pounds(weight: str, needed: list[str]) -> None:
    chart = Chart()
    proposal = propose(chart, correction(chart.opened, p.SessionOpened(D(weight))), at(1))
    assert needed_codes(proposal) == needed


# -- Discharge on the patient now -----------------------------------------------------------


def discharge(chart: Chart, when: datetime, overrides: tuple[Override, ...] = ()) -> Proposal:
    return propose(chart, p.Discharge(()), when, overrides)


def test_a_later_abnormal_vitals_set_blocks_discharge_until_a_new_check() -> None:
    chart = Chart().stopped(40)
    chart.add(IV_OUT, at(41))
    chart.add(RIDE, at(41))
    chart.add(recovery_check(), at(60))  # Aldrete 10
    chart.add(vitals(spo2=86, resp_rate=8, moaas=2), at(73))
    with pytest.raises(OverrideRequired) as blocked:
        check_write(discharge(chart, at(74)))
    assert blocked.value.code == "discharge.score"
    assert "after the last recovery check, crossed an alert threshold" in blocked.value.message
    chart.add(recovery_check(), at(75))
    check_write(discharge(chart, at(76)))


def test_score_items_follow_from_the_checks_own_vitals() -> None:
    chart = Chart().stopped(40)
    chart.add(IV_OUT, at(41))
    chart.add(RIDE, at(41))
    typed_full = p.RecoveryCheck(
        vitals(190, 80, spo2=85),
        Nausea.NONE,
        MentalStatus.BASELINE,
        ScoreKind.ALDRETE,
        dict(ALDRETE_FULL),
    )  # SBP +58 % over the 120 baseline, SpO2 85 %: circulation 0 and SpO2 0, typed 2 + 2
    chart.add(typed_full, at(70))
    with pytest.raises(OverrideRequired) as blocked:
        check_write(discharge(chart, at(71)))
    assert "score 6 is below the discharge threshold 9" in blocked.value.message
    assert "circulation counts 0 from the check's vitals (typed 2)" in blocked.value.message


def test_an_old_score_does_not_clear_the_gate() -> None:
    chart = Chart().stopped(40)
    chart.add(IV_OUT, at(41))
    chart.add(RIDE, at(41))
    chart.add(recovery_check(), at(55))
    check_write(discharge(chart, at(70)))  # 15 min old: current
    with pytest.raises(OverrideRequired, match="55 min old"):
        check_write(discharge(chart, at(110)))


def test_a_running_or_paused_infusion_can_never_be_overridden() -> None:
    everything = approved(
        "discharge.observation", "discharge.score", "discharge.iv", "discharge.ride"
    )
    running = Chart().infusing()
    with pytest.raises(RuleViolation, match="is running"):
        check_write(discharge(running, at(50), everything))
    paused = Chart().infusing()
    paused.add(p.Pause("nausea"), at(10))
    with pytest.raises(RuleViolation, match="is paused"):
        check_write(discharge(paused, at(50), everything))


def test_every_discharge_blocker_is_listed_at_once() -> None:
    chart = Chart().stopped(40)
    with pytest.raises(OverrideRequired) as blocked:
        check_write(discharge(chart, at(50)))
    assert [a.code for a in blocked.value.needed] == [
        "discharge.observation",
        "discharge.score",
        "discharge.iv",
        "discharge.ride",
    ]
    assert all(a.physician for a in blocked.value.needed)


def test_a_late_recovery_check_correction_that_fails_the_score_after_discharge() -> None:
    chart = Chart().discharge_ready(40)
    check = next(e for e in chart.events if isinstance(e.payload, p.RecoveryCheck))
    chart.add(p.Discharge(()), at(70))
    assert isinstance(check.payload, p.RecoveryCheck)
    failing = replace(check.payload, score_items={**ALDRETE_FULL, "activity": 0, "respiration": 0})
    assert needed_codes(propose(chart, correction(check, failing), at(71))) == ["discharge.score"]


def test_confirmations_alone_raise_a_confirmation() -> None:
    chart = Chart().ready()
    start = p.InfusionStart("Ketamine", D(1), D(500), D(70))
    with pytest.raises(ConfirmationRequired):
        check_write(propose(chart, start, at(1)))


def test_an_accepted_timeline_has_no_findings_of_order() -> None:
    chart = Chart().discharge_ready(40)
    ctx = GateContext(chart.protocol)
    assert [f for f in timeline_findings(ctx, chart.events) if f.code == "order"] == []


# -- Every rule, on both sides of its boundary, for a direct entry, a late entry and a
# -- correction alike -------------------------------------------------------------------------

RATE_CASES = [
    # (rate mL/h at 100 kg and 1 mg/mL, what it needs): maximum 1.5 mg/kg/h = 150 mL/h;
    # the plan is 0.5 mg/kg over 40 min = 75 mL/h, +25 % = 93.75 mL/h.
    ("93.75", []),
    ("93.8", ["rate.above_plan"]),
    ("150", ["rate.above_plan"]),
    ("150.05", ["dose.rate"]),
]


def _running_at_100_kg() -> tuple[Chart, EventRecord]:
    chart = Chart(weight="100").infusing(rate="75")
    change = chart.add(rate_change("80"), at(10))
    chart.add(vitals(), at(20))
    return chart, change


@pytest.mark.parametrize(("rate", "needed"), RATE_CASES)
def test_a_rate_change_needs_the_same_charted_now_late_or_as_a_correction(
    rate: str, needed: list[str]
) -> None:
    chart, change = _running_at_100_kg()
    direct = propose(chart, rate_change(rate), at(21))
    late = propose(chart, rate_change(rate), at(15))
    corrected = propose(chart, correction(change, rate_change(rate)), at(21))
    for proposal in (direct, late, corrected):
        assert needed_codes(proposal) == needed


@pytest.mark.parametrize(("systolic", "needed"), [(160, []), (161, ["bp.pre_infusion"])])
def test_the_pre_infusion_limit_holds_for_a_late_baseline_and_its_correction(
    systolic: int, needed: list[str]
) -> None:
    chart = Chart().ready(5)  # baseline at 5, infusion started at 10
    chart.add(infusion_start(), at(10))
    late_baseline = propose(chart, vitals(systolic, 90), at(8))  # now the last before the start
    baseline = next(e for e in chart.events if e.payload == BASELINE)
    corrected = propose(chart, correction(baseline, vitals(systolic, 90)), at(12))
    assert needed_codes(late_baseline) == needed
    assert needed_codes(corrected) == needed


@pytest.mark.parametrize(
    ("weight", "earlier", "needed"),
    [
        ("77", "70", []),
        ("77.1", "70", ["weight.change"]),
        ("154", "70", ["weight.pounds"]),
        ("150", None, []),
        ("150.1", None, ["weight.pounds"]),
        ("30", None, []),
        ("29.9", None, ["weight.low"]),
    ],
)
def test_the_weight_rules_hold_for_the_opening_and_its_correction(
    weight: str, earlier: str | None, needed: list[str]
) -> None:
    earlier_kg = None if earlier is None else D(earlier)
    chart = Chart()
    corrected = propose(
        chart, correction(chart.opened, p.SessionOpened(D(weight))), at(1), earlier_kg=earlier_kg
    )
    assert needed_codes(corrected) == needed
    ctx = GateContext(chart.protocol, earlier_kg)
    if needed:
        with pytest.raises(ApprovalRequired):
            check_opening(ctx, D(weight), ())
    else:
        check_opening(ctx, D(weight), ())
