"""One reconciliation rule for the dose: the rate integral, the pump volume and the
controlled-substance record agree when every pair differs by at most the larger of 0.5 mg
and 10 % of the delivered dose (the clinical reference). The screen, the board and every
section of the PDF take their verdict from `reconcile`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

ABSOLUTE_TOLERANCE_MG = Decimal("0.5")
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
