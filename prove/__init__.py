"""The proof harness: tests that fail when a reliability promise breaks, with figures.

Each area module has `run(full: bool) -> list[Figure]`: `full=False` is the reduced strength
CI runs (tests/prove/), `full=True` the strength `make prove` runs. `python -m prove` runs every
area and prints one table (see README: Reliability, proven).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One line of the table: what was tried, and what went wrong (must be 0)."""

    area: str
    tried_label: str
    tried: int
    failed_label: str
    failed: int

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.tried > 0

    def line(self) -> str:
        mark = "ok" if self.ok else "FAILED"
        return (
            f"| {self.area:<14} | {self.tried_label} {self.tried} / {self.failed_label} "
            f"{self.failed} | {mark} |"
        )
