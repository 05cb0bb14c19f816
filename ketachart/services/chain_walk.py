"""Walking one hash chain link by link, for `verify`: the same findings whether the links come
from a list (a row's versions) or a stream read once (the timeline, the audit trail)."""

from __future__ import annotations

from collections.abc import Sequence

from ketachart.domain.events import GENESIS_HASH
from ketachart.domain.findings import Problem

Head = tuple[int, str]
"""A chain head record: its newest entry's number and hash."""


class ChainWalk:
    """The state of a walk: the entry expected next and what it must link to. `genesis`:
    what the first entry links to, and what it means when it does not; `start`: the entry
    the walk starts at (a partial check starts after an anchored entry)."""

    def __init__(
        self,
        where: str,
        genesis: tuple[str, str] = (GENESIS_HASH, "entry 1 does not start the chain"),
        start: int = 1,
    ) -> None:
        self.where = where
        self.broken_start = genesis[1]
        self.expected_prev = genesis[0]
        self.expected_seq = start
        self.intact = start - 1
        """The last entry up to which the chain recomputes and links unbroken."""
        self.last: Head | None = None

    def step(self, seq: int, prev_hash: str, stored: str, recomputed: str) -> list[Problem]:
        """One link: (seq, stored prev hash, stored hash, recomputed hash)."""
        problems: list[Problem] = []
        if seq != self.expected_seq:
            problems.append(
                Problem(
                    self.where,
                    f"entry {self.expected_seq} is missing or out of order (found {seq})",
                )
            )
        if prev_hash != self.expected_prev:
            broken = (
                self.broken_start
                if seq == 1
                else f"entry {seq} does not link to the entry before it"
            )
            problems.append(Problem(self.where, broken))
        if stored != recomputed:
            problems.append(Problem(self.where, f"entry {seq} was changed after it was written"))
        if not problems and self.intact == seq - 1:
            self.intact = seq
        self.expected_prev, self.expected_seq = stored, seq + 1
        self.last = (seq, stored)
        return problems


def walk_chain(
    where: str,
    links: Sequence[tuple[int, str, str, str]],
    genesis: tuple[str, str] = (GENESIS_HASH, "entry 1 does not start the chain"),
) -> list[Problem]:
    """Each link: (seq, stored prev hash, stored hash, recomputed hash)."""
    walk = ChainWalk(where, genesis)
    return [problem for link in links for problem in walk.step(*link)]


def check_head(where: str, head: Head | None, seq: int, digest: str | None) -> list[Problem]:
    """The chain's newest entry (`seq`, `digest`) against its head record."""
    if head is None:
        return [] if seq == 0 else [Problem(where, "the chain head record is missing")]
    if head != (seq, digest):
        return [
            Problem(
                where,
                f"the chain ends at entry {seq} but its head record says "
                f"{head[0]}: newest entries were removed or the head was altered",
            )
        ]
    return []
