"""The one gate every write passes: a new entry, a late entry and a correction alike.

The candidate is applied to the timeline and the whole resulting timeline is checked against
every rule (clinical reference, "Rules that hold for every write"). What the candidate makes
newly wrong is its business:
- an order rule broken anywhere (a pause placed before a later rate change) refuses it, naming
  the entry it conflicts with;
- a new concern (a rate above the maximum, a weight that looks like pounds, discharge before
  the patient is ready) needs the candidate to carry an approval for it.
Concerns the timeline already had before the candidate are not asked about again.

`concerns_needed` is the pure function that lists what a proposed write needs; services call
`check_write`, which only enforces it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ketachart.domain import payloads as p
from ketachart.domain.acknowledgement import acknowledgement_of, reading_of, unacknowledged
from ketachart.domain.codec import canonical_json
from ketachart.domain.codes import COSIGN_CODES, ClinicalCode, Concern, first_per_code
from ketachart.domain.discharge import discharge_blockers
from ketachart.domain.dose_limits import pre_infusion_bp_concern, rate_concerns
from ketachart.domain.events import (
    KIND_LABELS,
    EventKind,
    EventRecord,
    Override,
    decode_payload,
)
from ketachart.domain.monitoring import Alert, reconciliation_problem, vitals_alerts
from ketachart.domain.protocol import ProtocolSpec
from ketachart.domain.rules import check_order
from ketachart.domain.timeline import (
    EffectiveEvent,
    SessionState,
    apply_corrections,
    fold_event,
    in_time_order,
    opening_state,
)
from ketachart.domain.weight import weight_concerns
from ketachart.errors import (
    AcknowledgementRequired,
    Approval,
    ApprovalRequired,
    RuleViolation,
)

ORDER = "order"
CANDIDATE_ID = "candidate"  # the id a proposed entry carries until it is appended


@dataclass(frozen=True)
class GateContext:
    """What the rules need besides the timeline. `earlier_weight_kg`: the weight of this
    patient's previous session (None if there is none, or if the write cannot change the
    weight, in which case the weight's own concerns are the same before and after)."""

    protocol: ProtocolSpec
    earlier_weight_kg: Decimal | None = None


@dataclass(frozen=True)
class Finding:
    """One rule an entry of the timeline breaks (`code` ORDER) or needs approved."""

    event_id: str
    kind: EventKind
    occurred_at: datetime
    code: str
    message: str
    detail: str = ""
    physician: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.code, self.event_id, self.detail)


def timeline_findings(ctx: GateContext, events: Iterable[EventRecord]) -> list[Finding]:
    """Every finding of the whole timeline, each entry checked against the state before it."""
    corrected = apply_corrections(events)
    state = opening_state(ctx.protocol, corrected)
    found: list[Finding] = []
    for event in in_time_order(corrected):
        found.extend(entry_findings(ctx, state, event))
        state = fold_event(state, event)
    return found


def entry_findings(ctx: GateContext, state: SessionState, event: EffectiveEvent) -> list[Finding]:
    """What one entry breaks or needs, against the state just before it."""
    found = []
    try:
        check_order(state, event.kind)
    except RuleViolation as broken:
        found.append(_finding(event, ORDER, broken.message))
    concerns = _CONCERNS.get(event.kind)
    if concerns is not None:
        found.extend(_from_concern(event, c) for c in concerns(ctx, state, event))
    return found


def _finding(event: EffectiveEvent, code: str, message: str, detail: str = "") -> Finding:
    return Finding(event.record.id, event.kind, event.occurred_at, code, message, detail)


def _from_concern(event: EffectiveEvent, concern: Concern) -> Finding:
    return Finding(
        event.record.id,
        event.kind,
        event.occurred_at,
        concern.code.value,
        concern.message,
        concern.detail,
        concern.physician,
    )


def _opened(ctx: GateContext, state: SessionState, event: EffectiveEvent) -> list[Concern]:
    assert isinstance(event.payload, p.SessionOpened)
    return weight_concerns(event.payload.weight_kg, ctx.earlier_weight_kg, ctx.protocol.alerts)


def _infusion_start(ctx: GateContext, state: SessionState, event: EffectiveEvent) -> list[Concern]:
    assert isinstance(event.payload, p.InfusionStart)
    start = event.payload
    bp = pre_infusion_bp_concern(state)
    rate = rate_concerns(state, start.rate_ml_h, start.concentration_mg_ml, event.occurred_at)
    return [*([bp] if bp is not None else []), *rate]


def _rate_change(ctx: GateContext, state: SessionState, event: EffectiveEvent) -> list[Concern]:
    assert isinstance(event.payload, p.RateChange)
    concentration = state.concentration_mg_ml
    if concentration is None or not state.infusion_running or state.paused:
        return []  # an order finding already says why this rate change cannot stand
    return rate_concerns(state, event.payload.rate_ml_h, concentration, event.occurred_at)


def _discharge(ctx: GateContext, state: SessionState, event: EffectiveEvent) -> list[Concern]:
    return [
        Concern(ClinicalCode(b.code), b.message, b.message)
        for b in discharge_blockers(state, event.occurred_at)
        if b.overridable
    ]


def _reconciliation(ctx: GateContext, state: SessionState, event: EffectiveEvent) -> list[Concern]:
    """Every reconciliation entry, and every change to one, needs a physician's co-sign."""
    text = "A dose reconciliation counts once a physician co-signs it."
    return [Concern(ClinicalCode.DOSE_RECONCILIATION, text, canonical_json(event.payload))]


_CONCERNS = {
    EventKind.SESSION_OPENED: _opened,
    EventKind.INFUSION_START: _infusion_start,
    EventKind.RATE_CHANGE: _rate_change,
    EventKind.DISCHARGE: _discharge,
    EventKind.DOSE_RECONCILIATION: _reconciliation,
}


@dataclass(frozen=True)
class Proposal:
    """A write as the gate sees it: the timeline now and the candidate entry."""

    ctx: GateContext
    events: tuple[EventRecord, ...]
    state: SessionState
    latest_time: datetime
    candidate: EventRecord

    @property
    def at_the_end(self) -> bool:
        """A new entry after every other: it cannot change what any earlier entry means."""
        return (
            self.candidate.kind is not EventKind.CORRECTION
            and self.candidate.occurred_at >= self.latest_time
        )


def new_findings(proposal: Proposal) -> list[Finding]:
    """The findings the candidate adds to the timeline."""
    candidate = proposal.candidate
    if proposal.at_the_end:
        event = EffectiveEvent(candidate, candidate.payload, candidate.occurred_at)
        return entry_findings(proposal.ctx, proposal.state, event)
    before = {f.key for f in timeline_findings(proposal.ctx, proposal.events)}
    after = timeline_findings(proposal.ctx, (*proposal.events, candidate))
    return [f for f in after if f.key not in before]


def concerns_needed(proposal: Proposal) -> tuple[Approval, ...]:
    """Every confirmation and override the write needs and does not carry yet; raises
    RuleViolation if it breaks an order rule (nothing can approve that)."""
    _check_new_entry(proposal)
    found = new_findings(proposal)
    conflicts = [f for f in found if f.code == ORDER]
    if conflicts:
        raise RuleViolation(_conflict_text(proposal.candidate, conflicts[0]))
    approved = _approved_codes(proposal.candidate.overrides)
    return tuple(
        Approval(f.code, _approval_text(proposal.candidate, f), f.physician)
        for f in first_per_code(found)
        if not _is_approved(f, approved)
    )


def _check_new_entry(proposal: Proposal) -> None:
    """Rules about the chart as it is when a new entry is made (not re-judged when later
    entries change the timeline): a reconciliation entry only for an unresolved difference."""
    payload = proposal.candidate.payload
    if isinstance(payload, p.DoseReconciliation):
        problem = reconciliation_problem(proposal.state, payload)
        if problem is not None:
            raise RuleViolation(problem)


def check_write(proposal: Proposal) -> None:
    """Refuse the write unless every rule holds over the resulting timeline, the alerts of
    the reading it charts are acknowledged in it, and every confirmation and override it
    needs is on it."""
    needed = concerns_needed(proposal)
    check_acknowledged(proposal)
    if needed:
        raise ApprovalRequired.of(needed)


def check_acknowledged(proposal: Proposal) -> None:
    """Refuse a reading that raises alerts its entry does not acknowledge: a new or late
    vitals entry or recovery check, or a correction that makes one (old entries that are not
    written to are not asked about)."""
    written = _written_entry(proposal)
    if written is None:
        return
    alerts = alerts_to_acknowledge(proposal)
    if unacknowledged(alerts, acknowledgement_of(written[1])):
        raise AcknowledgementRequired(
            tuple(a.code.value for a in alerts), tuple(a.message for a in alerts)
        )


def alerts_to_acknowledge(proposal: Proposal) -> list[Alert]:
    """The alerts of the reading the write charts, as the resulting timeline judges it (the
    same alerts the board, the chart and the PDF show for it)."""
    written = _written_entry(proposal)
    if written is None:
        return []
    entry_id = written[0]
    return [a for a in vitals_alerts(_resulting_state(proposal)) if a.event_id == entry_id]


def _written_entry(proposal: Proposal) -> tuple[str, p.Payload] | None:
    """The id and the payload of the reading the write charts: the candidate's own, or for
    a correction the corrected entry's replacement; None if the write charts no vitals."""
    candidate = proposal.candidate
    payload = candidate.payload
    if isinstance(payload, p.Correction):
        target = next((e for e in proposal.events if e.id == payload.corrects), None)
        if target is None or payload.replacement is None or target.kind not in READING_KINDS:
            return None
        return target.id, decode_payload(target.kind, payload.replacement)
    if reading_of(payload) is None:
        return None
    return candidate.id, payload


READING_KINDS = frozenset({EventKind.VITALS, EventKind.RECOVERY_CHECK})


def _resulting_state(proposal: Proposal) -> SessionState:
    candidate = proposal.candidate
    if proposal.at_the_end:
        event = EffectiveEvent(candidate, candidate.payload, candidate.occurred_at)
        return fold_event(proposal.state, event)
    corrected = apply_corrections((*proposal.events, candidate))
    state = opening_state(proposal.ctx.protocol, corrected)
    for event in in_time_order(corrected):
        state = fold_event(state, event)
    return state


def _approved_codes(overrides: tuple[Override, ...]) -> dict[str, bool]:
    """Code -> whether a physician approved it, for every override that has a reason."""
    return {o.code: o.approved_by is not None for o in overrides if o.reason.strip()}


def _is_approved(finding: Finding, approved: dict[str, bool]) -> bool:
    return _approved_for(finding.code, finding.physician, approved)


def _approved_for(code: str, physician: bool, approved: dict[str, bool]) -> bool:
    """A reason is on record for `code`, and a physician's approval if it needs one."""
    return code in approved and (approved[code] or not physician)


def _is_own(candidate: EventRecord, finding: Finding) -> bool:
    """Whether the finding is about the candidate itself (or the entry it corrects)."""
    corrects = candidate.payload.corrects if isinstance(candidate.payload, p.Correction) else None
    return finding.event_id in (candidate.id, corrects)


def _conflict_text(candidate: EventRecord, finding: Finding) -> str:
    if _is_own(candidate, finding):
        return finding.message
    return (
        f"{_candidate_text(candidate)} conflicts with the {_entry_text(finding)}: "
        f"{finding.message} Chart it differently, or correct that entry."
    )


def _approval_text(candidate: EventRecord, finding: Finding) -> str:
    text = finding.message
    if not _is_own(candidate, finding):
        text = f"The {_entry_text(finding)}: {text}"
    if finding.physician and finding.code not in COSIGN_CODES:
        text += " Only a physician can override, with a reason."
    return text


def _candidate_text(candidate: EventRecord) -> str:
    if isinstance(candidate.payload, p.Correction):
        return "This correction"
    label = KIND_LABELS[candidate.kind].lower()
    return f"A {label} at {_clock(candidate.occurred_at)}"


def _entry_text(finding: Finding) -> str:
    return f"{KIND_LABELS[finding.kind].lower()} charted at {_clock(finding.occurred_at)}"


def _clock(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M")


def check_opening(ctx: GateContext, weight_kg: Decimal, overrides: tuple[Override, ...]) -> None:
    """The gate for a session's first entry, its weight: the same concerns and approvals as a
    correction of that weight."""
    approved = _approved_codes(overrides)
    needed = tuple(
        Approval(c.code.value, c.message, c.physician)
        for c in weight_concerns(weight_kg, ctx.earlier_weight_kg, ctx.protocol.alerts)
        if not _approved_for(c.code.value, c.physician, approved)
    )
    if needed:
        raise ApprovalRequired.of(needed)
