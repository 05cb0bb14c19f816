"""One read model of a session at a moment, derived once: the board, the chart header and
timeline, the review screen and every PDF section render this and derive nothing themselves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property

from ketachart.domain import stage
from ketachart.domain.codes import ClinicalCode
from ketachart.domain.discharge import Blocker, discharge_blockers
from ketachart.domain.events import EventKind, EventRecord
from ketachart.domain.monitoring import (
    Alert,
    DueTimes,
    current_alerts,
    dose_alerts,
    dose_reconciliation,
    due_times,
    infusion_elapsed,
    overdue_history,
    recovery_elapsed,
    vitals_alerts,
)
from ketachart.domain.payloads import Escort
from ketachart.domain.reconciliation import DoseVerdict, Reconciliation, dose_verdict
from ketachart.domain.timeline import (
    STATUS_LABELS,
    EffectiveEvent,
    SessionState,
    SessionStatus,
    VitalsReading,
    apply_corrections,
)

TIMING_ALERTS = frozenset({ClinicalCode.VITALS_OVERDUE, ClinicalCode.RECOVERY_OVERDUE})


@dataclass(frozen=True)
class SessionModel:
    """What a session's entries add up to at `now`, for every screen and report. Each fact is
    derived on first use and kept: a board row asks for less than a PDF does."""

    state: SessionState
    now: datetime
    events: tuple[EventRecord, ...]
    labels: Mapping[int, str] = field(default_factory=dict)
    """Printed name with credentials of everyone named in the chart, by user id."""

    @cached_property
    def entries(self) -> tuple[EffectiveEvent, ...]:
        """Every entry but corrections, corrections applied (voided ones kept), in time order;
        each knows what corrected it and, from its record, whether it was entered late."""
        corrected = apply_corrections(self.events)
        return tuple(sorted(corrected, key=lambda e: (e.occurred_at, e.record.seq)))

    @cached_property
    def due(self) -> DueTimes:
        return due_times(self.state, self.now)

    @cached_property
    def live_alerts(self) -> tuple[Alert, ...]:
        """Alerts that need attention now: overdue checks, the latest reading, the dose."""
        return tuple(current_alerts(self.state, self.now))

    @cached_property
    def alert_history(self) -> tuple[Alert, ...]:
        return tuple(alert_history(self.state, self.now))

    @cached_property
    def discharge_blockers(self) -> tuple[Blocker, ...]:
        """What blocks discharge now (nothing once discharged)."""
        if self.state.status in (SessionStatus.DISCHARGED, SessionStatus.SIGNED):
            return ()
        return tuple(discharge_blockers(self.state, self.now))

    @cached_property
    def reconciliation(self) -> Reconciliation:
        return dose_reconciliation(self.state, self.state.infusion_stopped_at or self.now)

    @cached_property
    def dose_verdict(self) -> DoseVerdict:
        """The reconciliation and the co-signed entry that resolved its difference, if any."""
        return dose_verdict(self.reconciliation, self.state.dose_resolution)

    @property
    def dose_to_reconcile(self) -> bool:
        """A dose difference no reconciliation entry has resolved: flagged, and queued."""
        return self.dose_verdict.unresolved

    @property
    def dose_resolution_text(self) -> str | None:
        """'Resolved by reconciliation entry (who, physician, reason)', None if not resolved."""
        resolution = self.dose_verdict.resolution
        if resolution is None:
            return None
        entry = resolution.entry
        accepted = "" if entry.accepted_mg is None else f"; {entry.accepted_mg} mg accepted"
        return (
            f"resolved by reconciliation entry ({self.label(resolution.recorded_by)}; "
            f"co-signed by {self.label(resolution.cosigned_by)}; {entry.reason}{accepted})"
        )

    @property
    def status(self) -> SessionStatus:
        return self.state.status

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.state.status]

    @property
    def baseline(self) -> VitalsReading | None:
        """The baseline and the entry it came from."""
        return self.state.baseline_reading

    @property
    def escort_on_record(self) -> Escort | None:
        return self.state.escort_on_record

    @property
    def running_rate_ml_h(self) -> Decimal:
        """What the pump runs at now: 0 while paused, stopped or not started."""
        state = self.state
        return state.rate_ml_h if state.infusion_running and not state.paused else Decimal(0)

    @property
    def delivered_mg(self) -> Decimal:
        return self.reconciliation.delivered_mg

    @property
    def overdue(self) -> bool:
        return self.due.overdue

    @property
    def clinical_alerts(self) -> tuple[Alert, ...]:
        """The live alerts other than overdue checks (those have their own line)."""
        return tuple(a for a in self.live_alerts if a.code not in TIMING_ALERTS)

    @property
    def infusion_elapsed(self) -> timedelta:
        return infusion_elapsed(self.state, self.now)

    @property
    def recovery_elapsed(self) -> timedelta:
        return recovery_elapsed(self.state, self.now)

    @property
    def ready_for_discharge(self) -> bool:
        return not self.discharge_blockers

    @cached_property
    def next_step(self) -> EventKind | None:
        """The entry the session's course expects next (None once discharged)."""
        return stage.next_step(self)

    def availability(self, kind: EventKind) -> stage.Availability:
        """Whether `kind` may be charted now, and the rule's words if not."""
        return stage.availability(self.state, kind)

    def label(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        return self.labels.get(user_id, f"user #{user_id}")


def session_model(
    state: SessionState,
    events: Iterable[EventRecord],
    now: datetime,
    labels: Mapping[int, str] | None = None,
) -> SessionModel:
    """The read model of a session at `now`, from its state and the events it came from."""
    return SessionModel(state, now, tuple(events), dict(labels or {}))


def alert_history(state: SessionState, now: datetime) -> list[Alert]:
    """Every alert the session's entries raised, in time order: readings, overdue checks and
    the dose (as of the stop, or `now` while it runs)."""
    found = vitals_alerts(state) + overdue_history(state, now)
    found += dose_alerts(state, state.infusion_stopped_at or now)
    return sorted(found, key=lambda a: a.at)
