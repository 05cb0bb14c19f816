"""Dose arithmetic. Exact: rationals inside, Decimal out, rounded once at the end.

Delivered dose is the integral of rate over the rate segments (pauses are segments of rate 0).
It is summed exactly as fractions and rounded once, to the microgram, when turned to Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

from ketachart.domain.protocol import DoseMode, ProtocolSpec

MG_QUANTUM = Decimal("0.001")
RATE_QUANTUM = Decimal("0.1")
MICROSECONDS_PER_HOUR = 3_600_000_000


@dataclass(frozen=True)
class DosePlan:
    """The dose the protocol asks for at today's weight."""

    weight_kg: Decimal
    total_mg: Decimal
    rate_mg_h: Decimal
    rate_mg_kg_h: Decimal
    rate_ml_h: Decimal
    duration_min: int
    volume_ml: Decimal
    max_total_mg: Decimal


def planned_rate_mg_h(protocol: ProtocolSpec, weight_kg: Decimal) -> Fraction:
    """The planned rate in mg/h, exactly."""
    if protocol.dose_mode is DoseMode.PER_KG_PER_HOUR:
        return Fraction(weight_kg) * Fraction(protocol.dose_mg_per_kg)
    return Fraction(weight_kg) * Fraction(protocol.dose_mg_per_kg) * 60 / protocol.duration_min


def plan_dose(protocol: ProtocolSpec, weight_kg: Decimal) -> DosePlan:
    """Planned total and the pump rate (rounded to 0.1 mL/h) at the protocol concentration."""
    # From the protocol's own numbers, not planned_total_mg_per_kg: that Decimal is rounded
    # to 28 digits for per-hour protocols (x / 60), which can flip a half-even tie.
    rate_mg_h = planned_rate_mg_h(protocol, weight_kg)
    total = rate_mg_h * protocol.duration_min / 60
    rate_ml_h = rate_mg_h / Fraction(protocol.concentration_mg_ml)
    return DosePlan(
        weight_kg=weight_kg,
        total_mg=to_mg(total),
        rate_mg_h=to_mg(rate_mg_h),
        rate_mg_kg_h=to_mg(rate_mg_h / Fraction(weight_kg)),
        rate_ml_h=_round(rate_ml_h, RATE_QUANTUM, ROUND_HALF_UP),
        duration_min=protocol.duration_min,
        volume_ml=to_mg(total / Fraction(protocol.concentration_mg_ml)),
        max_total_mg=to_mg(Fraction(weight_kg) * Fraction(protocol.max_total_mg_per_kg)),
    )


def rate_mg_h(rate_ml_h: Decimal, concentration_mg_ml: Decimal) -> Decimal:
    return rate_ml_h * concentration_mg_ml


def rate_mg_kg_h(rate_ml_h: Decimal, concentration_mg_ml: Decimal, weight_kg: Decimal) -> Decimal:
    return to_mg(Fraction(rate_ml_h) * Fraction(concentration_mg_ml) / Fraction(weight_kg))


@dataclass(frozen=True)
class RateSegment:
    """A stretch of time at one pump rate (0 while paused). `end` is None while running."""

    start: datetime
    end: datetime | None
    rate_ml_h: Decimal
    concentration_mg_ml: Decimal

    def mg_until(self, now: datetime) -> Fraction:
        end = self.end if self.end is not None else now
        if end <= self.start:
            return Fraction(0)
        micros = _microseconds(end - self.start)
        return (
            Fraction(self.rate_ml_h)
            * Fraction(self.concentration_mg_ml)
            * micros
            / MICROSECONDS_PER_HOUR
        )


def delivered_mg(segments: tuple[RateSegment, ...], now: datetime) -> Decimal:
    """Exact integral of rate over the segments up to `now`, rounded once to 0.001 mg."""
    return to_mg(delivered_exact(segments, now))


def delivered_exact(segments: tuple[RateSegment, ...], now: datetime) -> Fraction:
    """The integral of rate over the segments up to `now`, as an exact rational."""
    return sum((s.mg_until(now) for s in segments), Fraction(0))


def to_mg(value: Fraction) -> Decimal:
    return _round(value, MG_QUANTUM, ROUND_HALF_EVEN)


def _round(value: Fraction, quantum: Decimal, rounding: str) -> Decimal:
    """Round a rational to a multiple of `quantum` with integer arithmetic only."""
    scaled = Fraction(value) / Fraction(quantum)
    whole, remainder = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * remainder
    if twice > scaled.denominator or (
        twice == scaled.denominator and _round_up_on_tie(whole, rounding)
    ):
        whole += 1
    return (Decimal(whole) * quantum).quantize(quantum)


def _round_up_on_tie(whole: int, rounding: str) -> bool:
    if rounding == ROUND_HALF_UP:
        return whole >= 0
    return whole % 2 == 1


def _microseconds(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
