"""What every section builder needs: the view, local times, and the effective entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ketachart.domain.codes import code_label
from ketachart.domain.describe import describe
from ketachart.domain.events import KIND_LABELS, EventKind, EventRecord
from ketachart.domain.protocol import ProtocolSpec
from ketachart.domain.session_model import SessionModel
from ketachart.domain.timeline import EffectiveEvent, SessionState
from ketachart.reports.blocks import Cell, Span, Tone
from ketachart.reports.formats import LocalTimes
from ketachart.services.sessions import SessionView

CORRECTIONS_SECTION = 11


@dataclass(frozen=True)
class ReportContext:
    view: SessionView
    times: LocalTimes
    now: datetime
    """When the report was made; derived values of a running session are as of then."""
    model: SessionModel
    """The session's read model as of `now`: every section renders it."""
    clinic_key: str | None
    """The clinic key's fingerprint as the database held it when the chart was read
    (services.keys.clinic_fingerprint), None for a clinic with no clinic key yet."""

    @classmethod
    def of(cls, view: SessionView, now: datetime, clinic_key: str | None) -> ReportContext:
        times = LocalTimes.around(view.state.opened_at)
        return cls(view, times, now, view.model(now), clinic_key)

    @property
    def entries(self) -> tuple[EffectiveEvent, ...]:
        """Every entry but corrections, corrections applied, voided ones kept, in time order."""
        return self.model.entries

    @property
    def state(self) -> SessionState:
        return self.view.state

    @property
    def protocol(self) -> ProtocolSpec:
        return self.view.protocol

    @property
    def infusion_end(self) -> datetime:
        """Until when the charted rates count: the stop, else the moment of the report."""
        return self.state.infusion_stopped_at or self.now

    def of_kind(self, *kinds: EventKind) -> list[EffectiveEvent]:
        return [e for e in self.entries if e.kind in kinds]

    def records(self, kind: EventKind) -> list[EventRecord]:
        return [e for e in self.view.events if e.kind is kind]

    def author(self, user_id: int | None) -> str:
        return self.model.label(user_id)

    def when(self, entry: EffectiveEvent) -> Cell:
        return self.value(entry, self.times.time(entry.occurred_at))

    def value(self, entry: EffectiveEvent, text: str) -> Cell:
        """The entry's text, struck through if the entry was voided as entered in error."""
        return (Span(text, struck=True),) if entry.voided else text

    def attribution(self, entry: EffectiveEvent) -> Cell:
        """Who charted it, and whether it is late, corrected or voided."""
        spans = [Span(self.author(entry.record.recorded_by))]
        if entry.record.is_late:
            recorded = self.times.time(entry.record.recorded_at)
            spans.append(Span(f"\nLate entry, recorded {recorded}", tone=Tone.MUTED))
        if entry.voided:
            spans.append(Span(f"\nENTERED IN ERROR, see §{CORRECTIONS_SECTION}", tone=Tone.ALERT))
        elif entry.corrections:
            spans.append(Span(f"\nCORRECTED, see §{CORRECTIONS_SECTION}", tone=Tone.ALERT))
        return tuple(spans)

    def flagged(self, entry: EffectiveEvent, text: str) -> Cell:
        """The entry's text with a short mark if it was corrected or voided."""
        if entry.voided:
            return (
                Span(text, struck=True),
                Span(f" (entered in error, see §{CORRECTIONS_SECTION})"),
            )
        if entry.corrections:
            return (Span(text), Span(f" (corrected, see §{CORRECTIONS_SECTION})", tone=Tone.ALERT))
        return text

    def details(self, entry: EffectiveEvent) -> Cell:
        """What the entry says, then any rule the user overrode on it and why."""
        spans = [Span(describe(entry.payload), struck=entry.voided)]
        for override in entry.record.overrides:
            approver = self.author(override.approved_by) or "the person charting"
            spans.append(
                Span(
                    f"\nOverride ({code_label(override.code)}): {override.reason}; "
                    f"approved by {approver}",
                    tone=Tone.ALERT,
                )
            )
        return tuple(spans)

    def entry_row(self, entry: EffectiveEvent) -> tuple[Cell, ...]:
        """Time, kind, what it says, who: the row of a generic entries table."""
        kind = self.value(entry, KIND_LABELS[entry.kind])
        return (self.when(entry), kind, self.details(entry), self.attribution(entry))


def clinic_key_line(fingerprint: str | None) -> str:
    """How a printed page names the clinic key: 'Clinic key SHA256 1a2b …'."""
    if fingerprint is None:
        return "No clinic key: signers' keys not certified"
    return f"Clinic key {fingerprint}"


ENTRY_HEADER = ("Time", "Entry", "Details", "Charted by")
ENTRY_WEIGHTS = (0.8, 1.4, 5.0, 2.0)
