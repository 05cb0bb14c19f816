"""One read model of a session at a moment, derived once: the board, the chart header and
timeline, the review screen and every PDF section render this and derive nothing themselves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from ketachart.domain.codes import ClinicalCode
from ketachart.domain.discharge import Blocker, discharge_blockers
from ketachart.domain.events import EventRecord
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
from ketachart.domain.reconciliation import Reconciliation
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
    """What a session's entries add up to at `now`, for every screen and report."""

    state: SessionState
    now: datetime
    entries: tuple[EffectiveEvent, ...]
    """Every entry but corrections, corrections applied (voided ones kept), in time order;
    each knows what corrected it and, from its record, whether it was entered late."""
    due: DueTimes
    live_alerts: tuple[Alert, ...]
    alert_history: tuple[Alert, ...]
    discharge_blockers: tuple[Blocker, ...]
    reconciliation: Reconciliation
    labels: Mapping[int, str] = field(default_factory=dict)
    """Printed name with credentials of everyone named in the chart, by user id."""

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
    """Derive the read model once from the state and the events it came from."""
    entries = sorted(apply_corrections(events), key=lambda e: (e.occurred_at, e.record.seq))
    dose_until = state.infusion_stopped_at or now
    return SessionModel(
        state=state,
        now=now,
        entries=tuple(entries),
        due=due_times(state, now),
        live_alerts=tuple(current_alerts(state, now)),
        alert_history=tuple(alert_history(state, now)),
        discharge_blockers=tuple(_blockers(state, now)),
        reconciliation=dose_reconciliation(state, dose_until),
        labels=dict(labels or {}),
    )


def alert_history(state: SessionState, now: datetime) -> list[Alert]:
    """Every alert the session's entries raised, in time order: readings, overdue checks and
    the dose (as of the stop, or `now` while it runs)."""
    found = vitals_alerts(state) + overdue_history(state, now)
    found += dose_alerts(state, state.infusion_stopped_at or now)
    return sorted(found, key=lambda a: a.at)


def _blockers(state: SessionState, now: datetime) -> list[Blocker]:
    if state.status in (SessionStatus.DISCHARGED, SessionStatus.SIGNED):
        return []
    return discharge_blockers(state, now)
