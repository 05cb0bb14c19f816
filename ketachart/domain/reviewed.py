"""Signing what was seen: the head of a session's chain as the signer's screen showed it.

A signature, an attestation or an addendum's signature covers the chain up to a head. That
head must be the one the signer reviewed, not whatever the chain holds when the click reaches
the database: a correction charted on another workstation in between (SpO2 98 → 85) would
otherwise be signed unseen. The screen takes the head from the rows it rendered; the signing
service compares it with the session's head inside the signature's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ketachart.domain.events import KIND_LABELS, EventRecord
from ketachart.errors import ConflictError


@dataclass(frozen=True)
class ReviewedHead:
    """The last entry of the chain the signer was shown: its sequence number and hash."""

    seq: int
    hash: str


def reviewed_head(events: Sequence[EventRecord]) -> ReviewedHead:
    """The head of the entries a screen rendered (chain order; a session always has its
    opening entry)."""
    last = events[-1]
    return ReviewedHead(last.seq, last.hash)


class ChartChangedSinceReview(ConflictError):
    """The chart gained entries after the signer's screen showed it: nothing was signed.
    `new_entries` are the entries the signer has not seen, in chain order, for the screen to
    show (highlighted) before the signer signs the new version."""

    def __init__(self, new_entries: tuple[EventRecord, ...]) -> None:
        count = len(new_entries)
        kinds = ", ".join(dict.fromkeys(KIND_LABELS[e.kind].lower() for e in new_entries))
        noun, them = ("entry", "it") if count == 1 else ("entries", "them")
        super().__init__(
            f"Not signed: the chart changed after you opened it ({count} new {noun}: {kinds}). "
            f"Review {them}, then sign again."
        )
        self.new_entries = new_entries


def entries_since(events: Sequence[EventRecord], seen: ReviewedHead) -> tuple[EventRecord, ...]:
    """The entries after `seen`. If `seen` is not an entry of this chain (its hash differs),
    the signer saw none of it as it is: every entry is new to them."""
    at_seen = next((e for e in events if e.seq == seen.seq), None)
    if at_seen is None or at_seen.hash != seen.hash:
        return tuple(events)
    return tuple(e for e in events if e.seq > seen.seq)


def require_reviewed(events: Sequence[EventRecord], seen: ReviewedHead) -> EventRecord:
    """The chain's head, if it is the one the signer reviewed; otherwise
    ChartChangedSinceReview with the entries they have not seen."""
    head = events[-1]
    if ReviewedHead(head.seq, head.hash) != seen:
        raise ChartChangedSinceReview(entries_since(events, seen))
    return head
