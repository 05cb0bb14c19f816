"""Properties of the write gate over random sequences of entries, late entries and
corrections: whatever is accepted, the whole timeline keeps every order rule, every rate or
dose above the protocol maximum has a physician's override on record, and the delivered dose
never exceeds what the charted rate segments allow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal as D  # noqa: N817
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketachart.domain import payloads as p
from ketachart.domain.codec import to_plain
from ketachart.domain.dose import delivered_mg
from ketachart.domain.events import EventRecord, Override
from ketachart.domain.timeline import SessionStatus
from ketachart.domain.vocab import StopReason
from ketachart.domain.write_gate import ORDER, GateContext, check_write, timeline_findings
from ketachart.errors import ApprovalRequired, RuleViolation
from tests.unit.builders import Chart, at, rate_change, vitals
from tests.unit.test_write_gate import PHYSICIAN, propose

Draw = Callable[[st.SearchStrategy[Any]], Any]
RATES = st.sampled_from(["20", "40", "52.5", "66", "90", "105", "105.1", "140", "160"])
DOSE_CODES = ("dose.rate", "dose.total")


def _new_entry(draw: Draw, minute: int) -> p.Payload:
    choice = draw(st.sampled_from(["rate", "pause", "resume", "vitals", "stop", "note"]))
    if choice == "rate":
        return rate_change(draw(RATES))
    if choice == "pause":
        return p.Pause("nausea")
    if choice == "resume":
        return p.Resume()
    if choice == "vitals":
        return vitals()
    if choice == "stop":
        return p.InfusionStop(D(20), StopReason.COMPLETED)
    return p.Note(f"minute {minute}")


def _correction(draw: Draw, chart: Chart) -> p.Correction | None:
    targets = [e for e in chart.events if isinstance(e.payload, (p.RateChange, p.Pause, p.Resume))]
    if not targets:
        return None
    target = draw(st.sampled_from(targets))
    if isinstance(target.payload, p.RateChange) and draw(st.booleans()):
        return p.Correction(target.id, "typo", to_plain(rate_change(draw(RATES))))
    return p.Correction(target.id, "entered in error", None)


def _answer(draw: Draw, needed: ApprovalRequired) -> tuple[Override, ...]:
    """Sometimes a physician approves everything, sometimes only a nurse's reasons."""
    by = PHYSICIAN if draw(st.booleans()) else None
    return tuple(Override(a.code, "seen and judged at the bedside", by) for a in needed.needed)


def _write(draw: Draw, chart: Chart, payload: p.Payload, minute: int) -> None:
    overrides: tuple[Override, ...] = ()
    for _attempt in range(2):
        try:
            check_write(propose(chart, payload, at(minute), overrides))
        except RuleViolation:
            return
        except ApprovalRequired as needed:
            overrides = _answer(draw, needed)
            continue
        chart.add(payload, at(minute), overrides=overrides)
        return


def _check_invariants(chart: Chart, now: int) -> None:
    findings = timeline_findings(GateContext(chart.protocol), chart.events)
    assert [f for f in findings if f.code == ORDER] == []
    on_record = {o.code for e in chart.events for o in e.overrides if o.approved_by is not None}
    for finding in findings:
        if finding.code in DOSE_CODES:
            assert finding.code in on_record
    state = chart.state()
    delivered = delivered_mg(state.segments, at(now))
    if state.infusion_started_at is not None:
        fastest = max((s.rate_ml_h * s.concentration_mg_ml for s in state.segments), default=D(0))
        hours = Fraction((at(now) - state.infusion_started_at) / timedelta(microseconds=1))
        allowed = Fraction(fastest) * hours / 3_600_000_000
        assert Fraction(delivered) <= allowed + Fraction(1, 1000)
    if state.status is SessionStatus.PAUSED:
        assert state.segments[-1].end is not None


def _step(draw: Draw, chart: Chart, latest: int) -> int:
    kind = draw(st.sampled_from(["now", "late", "correction"]))
    if kind == "correction":
        correction = _correction(draw, chart)
        if correction is not None:
            _write(draw, chart, correction, latest)
        return latest
    step: int = draw(st.integers(1, 8))
    late: int = draw(st.integers(1, latest))
    minute = latest + step if kind == "now" else late
    _write(draw, chart, _new_entry(draw, minute), minute)
    return max(latest, minute)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_sequence_of_writes_breaks_the_timeline(data: st.DataObject) -> None:
    chart = Chart().infusing(minute=1)
    latest = 1
    for _ in range(data.draw(st.integers(1, 14))):
        latest = _step(data.draw, chart, latest)
        _check_invariants(chart, latest)


def test_the_writes_above_are_not_all_refused() -> None:
    """A sanity check of the property's generator: a plain pause and resume go through."""
    chart = Chart().infusing(minute=1)
    assert isinstance(chart.events[-1], EventRecord)
    check_write(propose(chart, p.Pause("nausea"), at(5)))
