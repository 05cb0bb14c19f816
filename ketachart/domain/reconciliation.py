"""One reconciliation rule for the dose: the rate integral, the pump volume and the
controlled-substance record agree when every pair differs by at most the larger of 0.5 mg
and 10 % of the delivered dose (the clinical reference). The screen, the board and every
section of the PDF take their verdict from `reconcile`. A difference stays flagged until a
reconciliation entry, co-signed by a physician, resolves it (`Resolution`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

from ketachart.domain import payloads as p

ABSOLUTE_TOLERANCE_MG = Decimal("0.5")
Amounts = tuple[Decimal, Decimal | None, Decimal | None]
RELATIVE_TOLERANCE = Decimal("0.10")


@dataclass(frozen=True)
class Reconciliation:
    """The amounts compared and the verdict. An amount not known yet (no pump volume, no
    controlled-substance record) takes no part in the comparison."""

    delivered_mg: Decimal
    pump_mg: Decimal | None
    recorded_mg: Decimal | None
    tolerance_mg: Decimal
    largest_difference_mg: Decimal

    @property
    def agrees(self) -> bool:
        return self.largest_difference_mg <= self.tolerance_mg

    @property
    def amounts(self) -> Amounts:
        """Delivered, pump and recorded, as compared."""
        return (self.delivered_mg, self.pump_mg, self.recorded_mg)

    @property
    def compared(self) -> bool:
        """Whether there was anything to compare the delivered dose with."""
        return self.pump_mg is not None or self.recorded_mg is not None


def reconcile(
    delivered_mg: Decimal, pump_mg: Decimal | None, recorded_mg: Decimal | None
) -> Reconciliation:
    """Compare every pair of the known amounts against one tolerance."""
    tolerance = max(ABSOLUTE_TOLERANCE_MG, delivered_mg * RELATIVE_TOLERANCE)
    amounts = [a for a in (delivered_mg, pump_mg, recorded_mg) if a is not None]
    largest = max((abs(a - b) for a, b in combinations(amounts, 2)), default=Decimal(0))
    return Reconciliation(delivered_mg, pump_mg, recorded_mg, tolerance, largest)


@dataclass(frozen=True)
class Resolution:
    """A reconciliation entry as it counts: what it found and accepted, who recorded it and
    the physician who co-signed it (the gate refuses it without one)."""

    event_id: str
    entry: p.DoseReconciliation
    recorded_by: int
    cosigned_by: int | None

    def resolves(self, verdict: Reconciliation) -> bool:
        """Whether this entry answers `verdict`: it found these very amounts. Amounts changed
        since (a corrected pump volume, another vial record) are a new difference."""
        return found_amounts(self.entry) == verdict.amounts


def found_amounts(entry: p.DoseReconciliation) -> Amounts:
    return (entry.delivered_mg, entry.pump_mg, entry.recorded_mg)


@dataclass(frozen=True)
class DoseVerdict:
    """The reconciliation and the entry that resolves its difference, if any."""

    reconciliation: Reconciliation
    resolution: Resolution | None = None

    @property
    def differs(self) -> bool:
        return not self.reconciliation.agrees

    @property
    def resolved(self) -> bool:
        return self.differs and self.resolution is not None

    @property
    def unresolved(self) -> bool:
        """A difference no reconciliation entry has resolved: flagged, and in the queue."""
        return self.differs and self.resolution is None


def dose_verdict(verdict: Reconciliation, latest: Resolution | None) -> DoseVerdict:
    """The verdict with the latest reconciliation entry, if that entry found these amounts."""
    if verdict.agrees or latest is None or not latest.resolves(verdict):
        return DoseVerdict(verdict)
    return DoseVerdict(verdict, latest)
