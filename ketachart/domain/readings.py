"""Which charted reading a derived vitals fact came from, for lists that mark it.

The rules stay in timeline.SessionState; these functions only find the reading behind them."""

from __future__ import annotations

from ketachart.domain.timeline import SessionState, VitalsReading


def baseline_reading(state: SessionState) -> VitalsReading | None:
    """The reading `state.baseline` is (same object, as monitoring compares it), so a table can
    mark its row; None when there is no baseline. The rule for what counts as the baseline is
    SessionState.baseline's alone."""
    baseline = state.baseline
    if baseline is None:
        return None
    return next((r for r in reversed(state.readings) if r.vitals is baseline), None)
