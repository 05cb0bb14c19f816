"""A hypothesis state machine over the session lifecycle, on the pure domain.

Each rule tries to chart one entry; the rules module decides (check_can_chart, and the dose
and discharge gates); refused entries are skipped. After every step the fold must not raise,
the status must follow from what was charted, and the delivered dose must match an
independent running integral and stay within max rate x elapsed time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ketachart.domain import payloads as p
from ketachart.domain.codec import to_plain
from ketachart.domain.discharge import discharge_blockers
from ketachart.domain.dose import rate_mg_h, rate_mg_kg_h, to_mg
from ketachart.domain.events import EventKind, EventRecord, Override, kind_of, validate_payload
from ketachart.domain.monitoring import (
    current_alerts,
    delivered_so_far,
    due_times,
    infusion_elapsed,
)
from ketachart.domain.protocol import EXAMPLE_PROTOCOLS, ProtocolSpec
from ketachart.domain.rules import (
    check_can_chart,
)
from ketachart.domain.scores import SCORE_ITEMS
from ketachart.domain.timeline import SessionState, SessionStatus
from ketachart.domain.vocab import Instruction, MentalStatus, Nausea, StopReason
from ketachart.errors import OverrideRequired, RuleViolation, SessionLocked
from tests.unit.builders import ALL_PRE_CHECKS, IV, IV_OUT, RIDE, T0, Chart
from tests.unit.gate_shims import check_discharge, check_rate_dose

S = SessionStatus
RANK = {
    S.SCHEDULED: 0,
    S.PRE_CHECKS: 1,
    S.INFUSING: 2,
    S.PAUSED: 2,
    S.RECOVERY: 3,
    S.DISCHARGED: 4,
    S.SIGNED: 5,
}
MICROS_PER_HOUR = 3_600_000_000

VITALS = st.builds(
    p.Vitals,
    systolic=st.integers(90, 220),
    diastolic=st.integers(40, 89),
    heart_rate=st.integers(40, 140),
    resp_rate=st.integers(6, 24),
    spo2=st.integers(85, 100),
    moaas=st.none() | st.integers(0, 5),
)
RATES = st.decimals(min_value="0.1", max_value="150", places=1)

Refused = Literal["Cc", "Cf", "Co", "Cs", "Zl", "Zp"]
REFUSED: list[Refused] = ["Cc", "Cf", "Co", "Cs", "Zl", "Zp"]
"""What Checks.text refuses (domain.checks.REFUSED_CATEGORIES): a typed note holds none."""


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class SessionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.chart = Chart()
        self.now = T0
        # the model: what the events should add up to
        self.prepared = False
        self.started = False
        self.paused = False
        self.stopped = False
        self.discharged = False
        self.signed = False
        self.rate_ml_h = Decimal(0)
        self.concentration = Decimal(1)
        self.mg = Fraction(0)
        self.max_mg_h = Decimal(0)
        self.last_rank = 0
        self._cached: tuple[int, SessionState] | None = None

    @initialize(
        protocol=st.sampled_from(EXAMPLE_PROTOCOLS),
        weight=st.decimals(min_value=40, max_value=150, places=1),
    )
    def open_session(self, protocol: ProtocolSpec, weight: Decimal) -> None:
        self.chart = Chart(protocol, str(weight))
        self._cached = None
        self.concentration = protocol.concentration_mg_ml

    # -- helpers ---------------------------------------------------------------------------

    def state(self) -> SessionState:
        """The folded state, refolded whenever an event was added."""
        count = len(self.chart.events)
        if self._cached is None or self._cached[0] != count:
            self._cached = (count, self.chart.state())
        return self._cached[1]

    def attempt(
        self, payload: p.Payload, gate: Callable[[SessionState], object] | None = None
    ) -> EventRecord | None:
        """Chart `payload` now if the rules accept it; otherwise skip it."""
        state = self.state()
        try:
            check_can_chart(state, kind_of(payload))
            if gate is not None:
                gate(state)
        except (RuleViolation, OverrideRequired):
            return None
        validate_payload(payload)
        return self.chart.add(payload, self.now)

    @property
    def running(self) -> bool:
        return self.started and not self.stopped and not self.paused

    # -- rules -----------------------------------------------------------------------------

    @rule(minutes=st.integers(0, 20), micros=st.integers(0, 999_999))
    def wait(self, minutes: int, micros: int) -> None:
        step = timedelta(minutes=minutes, microseconds=micros)
        if self.running:
            self.mg += (
                Fraction(self.rate_ml_h) * Fraction(self.concentration) * _micros(step)
            ) / MICROS_PER_HOUR
        self.now += step

    @rule()
    def pre_checks(self) -> None:
        if self.attempt(ALL_PRE_CHECKS):
            self.prepared = True

    @rule(vitals=VITALS)
    def vitals(self, vitals: p.Vitals) -> None:
        if self.attempt(vitals):
            self.prepared = True

    @rule(vitals=VITALS)
    def get_ready(self, vitals: p.Vitals) -> None:
        """Pre-checks, baseline vitals and the IV in one go, so sessions get going."""
        self.pre_checks()
        self.vitals(vitals)
        self.iv_start()

    @rule()
    def iv_start(self) -> None:
        if self.attempt(IV):
            self.prepared = True

    @rule(rate=RATES, physician=st.booleans())
    def infusion_start(self, rate: Decimal, physician: bool) -> None:
        state = self.state()
        payload = p.InfusionStart(
            "Ketamine",
            self.concentration,
            Decimal(100),
            rate,
            rate_mg_h(rate, self.concentration),
            rate_mg_kg_h(rate, self.concentration, state.weight_kg),
        )
        if self.attempt(payload, self._dose_gate(rate, physician)):
            self.started = True
            self.rate_ml_h = rate
            self.max_mg_h = max(self.max_mg_h, rate * self.concentration)

    @rule(rate=RATES, physician=st.booleans())
    def rate_change(self, rate: Decimal, physician: bool) -> None:
        payload = p.RateChange(rate, "titration")
        if self.attempt(payload, self._dose_gate(rate, physician)):
            self.rate_ml_h = rate
            self.max_mg_h = max(self.max_mg_h, rate * self.concentration)

    def _dose_gate(self, rate: Decimal, physician: bool) -> Callable[[SessionState], None]:
        overrides = (
            (Override("dose.rate", "MD at bedside"), Override("dose.total", "MD at bedside"))
            if physician
            else ()
        )

        def gate(state: SessionState) -> None:
            check_rate_dose(state, rate, self.concentration, self.now, overrides, physician)

        return gate

    @rule()
    def pause(self) -> None:
        if self.attempt(p.Pause("patient request")):
            self.paused = True

    @rule()
    def resume(self) -> None:
        if self.attempt(p.Resume()):
            self.paused = False

    @rule(volume=st.decimals(min_value=0, max_value=1000, places=1))
    def stop(self, volume: Decimal) -> None:
        if self.attempt(p.InfusionStop(volume, StopReason.COMPLETED)):
            self.stopped = True
            self.paused = False

    @rule(vitals=VITALS, data=st.data())
    def recovery_check(self, vitals: p.Vitals, data: st.DataObject) -> None:
        kind = self.chart.protocol.discharge_score
        items = {name: data.draw(st.integers(1, 2)) for name in SCORE_ITEMS[kind]}
        self.attempt(p.RecoveryCheck(vitals, Nausea.NONE, MentalStatus.BASELINE, kind, items))

    @rule()
    def iv_removed(self) -> None:
        self.attempt(IV_OUT)

    @rule()
    def ride(self) -> None:
        self.attempt(RIDE)

    @rule(physician=st.sampled_from([False, False, False, True]))
    def discharge(self, physician: bool) -> None:
        def gate(state: SessionState) -> None:
            blockers = discharge_blockers(state, self.now)
            overrides = tuple(
                Override(f"discharge.{b.code}", "physician reviewed") for b in blockers
            )
            check_discharge(state, self.now, overrides if physician else (), physician)

        if self.attempt(p.Discharge(tuple(Instruction)), gate):
            self.discharged = True

    @rule()
    def sign(self) -> None:
        signature = p.Signature("reviewed and approved", "Dr M", "MD", "c" * 64, 1, "h" * 64)
        if self.state().status is S.DISCHARGED and self.attempt(signature):
            self.signed = True

    @rule(text=st.text(st.characters(exclude_categories=REFUSED), max_size=20))
    def note(self, text: str) -> None:
        """Any text a person can type: invisible and control characters are refused."""
        self.attempt(p.Note(f"Note: {text}"))

    @rule()
    def addendum(self) -> None:
        self.attempt(p.Addendum("Patient called: doing well."))

    @rule(vitals=VITALS, data=st.data())
    def correct_a_reading(self, vitals: p.Vitals, data: st.DataObject) -> None:
        targets = [e for e in self.chart.events if e.kind is EventKind.VITALS]
        if not targets:
            return
        target = data.draw(st.sampled_from(targets))
        self.attempt(p.Correction(target.id, "wrong patient monitor", to_plain(vitals)))

    @rule(weight=st.none() | st.decimals(min_value=40, max_value=150, places=1))
    def correct_the_opening(self, weight: Decimal | None) -> None:
        """A new weight, or the opening marked entered in error (the fold must survive)."""
        replacement = None if weight is None else to_plain(p.SessionOpened(weight))
        self.attempt(p.Correction(self.chart.opened.id, "weighed again", replacement))

    @rule(data=st.data())
    def void_a_note(self, data: st.DataObject) -> None:
        targets = [e for e in self.chart.events if e.kind is EventKind.NOTE]
        if targets:
            target = data.draw(st.sampled_from(targets))
            self.attempt(p.Correction(target.id, "wrong chart", None))

    @rule(minutes_ago=st.integers(1, 30), vitals=VITALS)
    def late_vitals(self, minutes_ago: int, vitals: p.Vitals) -> None:
        at = max(self.now - timedelta(minutes=minutes_ago), self.chart.opened.occurred_at)
        state = self.state()
        try:
            check_can_chart(state, EventKind.VITALS)
        except RuleViolation:
            return
        self.chart.add(vitals, at, recorded_at=self.now)
        self.prepared = True

    # -- invariants ------------------------------------------------------------------------

    def expected_status(self) -> SessionStatus:
        if self.signed:
            return S.SIGNED
        if self.discharged:
            return S.DISCHARGED
        if self.stopped:
            return S.RECOVERY
        if self.paused:
            return S.PAUSED
        if self.started:
            return S.INFUSING
        return S.PRE_CHECKS if self.prepared else S.SCHEDULED

    @invariant()
    def status_follows_the_events(self) -> None:
        state = self.state()
        event(f"reached {state.status.value}")
        assert state.status is self.expected_status()
        assert RANK[state.status] >= self.last_rank
        self.last_rank = RANK[state.status]
        assert state.infusion_running == (self.started and not self.stopped)
        assert state.paused == self.paused

    @invariant()
    def delivered_dose_is_the_exact_integral(self) -> None:
        state = self.state()
        delivered = delivered_so_far(state, self.now)
        assert delivered >= 0
        assert delivered == to_mg(self.mg)
        elapsed = _micros(infusion_elapsed(state, self.now))
        ceiling = Fraction(self.max_mg_h) * elapsed / MICROS_PER_HOUR
        assert Fraction(delivered) <= ceiling + Fraction(1, 2000)

    @invariant()
    def readings_match_the_charted_vitals(self) -> None:
        state = self.state()
        charted = [
            e for e in self.chart.events if e.kind in (EventKind.VITALS, EventKind.RECOVERY_CHECK)
        ]
        assert len(state.readings) == len(charted)
        times = [r.at for r in state.readings]
        assert times == sorted(times)

    @invariant()
    def monitoring_never_raises_and_stops_after_discharge(self) -> None:
        state = self.state()
        due = due_times(state, self.now)
        current_alerts(state, self.now)
        if state.status in (S.DISCHARGED, S.SIGNED):
            assert due.next_recovery_at is None
        if not state.infusion_running:
            assert due.next_vitals_at is None

    @invariant()
    def signed_sessions_are_locked(self) -> None:
        state = self.state()
        if state.status is S.SIGNED:
            try:
                check_can_chart(state, EventKind.VITALS)
            except SessionLocked:
                pass
            else:
                raise AssertionError("a signed session accepted vitals")

    @invariant()
    def time_never_runs_backwards(self) -> None:
        assert all(e.occurred_at <= self.now for e in self.chart.events)
        assert isinstance(self.now, datetime)


SessionMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=50, deadline=None)
TestSessionLifecycle = SessionMachine.TestCase
