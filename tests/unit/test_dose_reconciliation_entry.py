"""A reconciliation entry resolves a dose difference (clinical reference, "One reconciliation
rule"): only when the amounts disagree, only with a physician's co-sign, only for the amounts
it found. Pure domain: the real fold, the real gate, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D  # noqa: N817

import pytest

from ketachart.domain import payloads as p
from ketachart.domain.codes import ClinicalCode
from ketachart.domain.events import EventRecord, Override, validate_payload
from ketachart.domain.monitoring import current_alerts, dose_verdict_at
from ketachart.domain.session_model import session_model
from ketachart.domain.write_gate import check_write, concerns_needed
from ketachart.errors import OverrideRequired, RuleViolation, ValidationError
from tests.unit.builders import Chart, at
from tests.unit.test_write_gate import correction, propose

NURSE, PHYSICIAN = 1, 7
COSIGN = ClinicalCode.DOSE_RECONCILIATION.value


def vial(administered: str) -> p.ControlledSubstance:
    given = D(administered)
    return p.ControlledSubstance(
        "Ketamine HCl", "KT24-0917", date(2027, 6, 30), D(50), D(1), D(50), given, D(50) - given
    )


def differing() -> Chart:
    """35 mg by the rates and by the pump; 30 mg on the controlled-substance record."""
    chart = Chart().stopped()
    chart.add(vial("30"), at(41))
    return chart


def entry_for(chart: Chart, reason: str = "Record mistyped; 35 mg given") -> p.DoseReconciliation:
    found = dose_verdict_at(chart.state(), at(40)).reconciliation
    return p.DoseReconciliation(
        found.delivered_mg, found.pump_mg, found.recorded_mg, reason, accepted_mg=D(35)
    )


def cosigned(by: int | None = PHYSICIAN) -> tuple[Override, ...]:
    return (Override(COSIGN, "Reviewed the pump log", by),)


def test_a_difference_is_unresolved_and_flagged() -> None:
    state = differing().state()
    verdict = dose_verdict_at(state, at(40))
    assert verdict.unresolved
    assert not verdict.resolved
    (alert,) = [a for a in current_alerts(state, at(45)) if a.code == "pump_mismatch"]
    assert alert.message.endswith("; reconcile")


def test_the_gate_refuses_it_without_a_physician_co_sign() -> None:
    chart = differing()
    entry = entry_for(chart)
    with pytest.raises(OverrideRequired) as refused:
        check_write(propose(chart, entry, at(45)))
    assert [a.code for a in refused.value.needed] == [COSIGN]
    assert refused.value.needed[0].physician
    assert "Only a physician can override" not in refused.value.message
    # A reason without a physician's approval is still no co-sign.
    assert [a.code for a in concerns_needed(propose(chart, entry, at(45), cosigned(None)))] == [
        COSIGN
    ]
    check_write(propose(chart, entry, at(45), cosigned()))


def test_a_co_signed_entry_resolves_the_difference_and_says_by_whom() -> None:
    chart = differing()
    record = chart.add(entry_for(chart), at(45), overrides=cosigned())
    state = chart.state()
    verdict = dose_verdict_at(state, at(40))
    assert verdict.resolved
    assert not verdict.unresolved
    assert verdict.resolution is not None
    assert verdict.resolution.event_id == record.id
    assert verdict.resolution.cosigned_by == PHYSICIAN
    assert not [a for a in current_alerts(state, at(50)) if a.code == "pump_mismatch"]
    labels = {NURSE: "Nina Øster, RN", PHYSICIAN: "María Núñez, MD"}
    model = session_model(state, chart.events, at(50), labels)
    assert not model.dose_to_reconcile
    assert model.dose_resolution_text == (
        "resolved by reconciliation entry (Nina Øster, RN; co-signed by María Núñez, MD; "
        "Record mistyped; 35 mg given; 35 mg accepted)"
    )
    history = [a for a in model.alert_history if a.code == "pump_mismatch"]
    assert history[0].message.endswith("resolved by a reconciliation entry")


def test_it_is_refused_when_the_amounts_agree() -> None:
    chart = Chart().stopped()
    chart.add(vial("35"), at(41))
    entry = p.DoseReconciliation(D(35), D(35), D(35), "Checked")
    with pytest.raises(RuleViolation, match="agree: there is no difference to reconcile"):
        check_write(propose(chart, entry, at(45), cosigned()))


def test_it_is_refused_before_the_stop_and_once_resolved() -> None:
    running = Chart().infusing()
    running.add(vial("30"), at(10))
    entry = p.DoseReconciliation(D(9), None, D(30), "Early")
    with pytest.raises(RuleViolation, match="once the infusion is stopped"):
        check_write(propose(running, entry, at(12), cosigned()))
    chart = differing()
    chart.add(entry_for(chart), at(45), overrides=cosigned())
    with pytest.raises(RuleViolation, match="already resolved"):
        check_write(propose(chart, entry_for(chart, "Again"), at(46), cosigned()))


def test_it_must_name_the_amounts_as_they_are() -> None:
    chart = differing()
    stale = p.DoseReconciliation(D(35), D(35), D(20), "Old form", accepted_mg=D(35))
    with pytest.raises(RuleViolation, match="changed since"):
        check_write(propose(chart, stale, at(45), cosigned()))


def test_new_amounts_after_the_entry_are_a_new_difference() -> None:
    chart = differing()
    chart.add(entry_for(chart), at(45), overrides=cosigned())
    chart.add(vial("10"), at(46))  # a second vial record: the amounts changed
    assert dose_verdict_at(chart.state(), at(40)).unresolved


def test_voiding_the_entry_leaves_the_difference_unresolved() -> None:
    chart = differing()
    record = chart.add(entry_for(chart), at(45), overrides=cosigned())
    chart.correct(record, None)
    assert dose_verdict_at(chart.state(), at(40)).unresolved


def test_changing_the_entry_needs_a_new_co_sign() -> None:
    chart = differing()
    record: EventRecord = chart.add(entry_for(chart), at(45), overrides=cosigned())
    changed = correction(record, entry_for(chart, "Pump log read again: 35 mg"))
    assert [a.code for a in concerns_needed(propose(chart, changed, at(47)))] == [COSIGN]


@pytest.mark.parametrize(
    ("accepted", "explanation", "reason", "field"),
    [
        (None, "", "Checked", "accepted_mg"),
        (D(35), "", "  ", "reason"),
        (D("35.123"), "", "Checked", "accepted_mg"),
    ],
)
def test_the_entry_needs_an_amount_or_explanation_and_a_reason(
    accepted: D | None, explanation: str, reason: str, field: str
) -> None:
    entry = p.DoseReconciliation(D(35), D(35), D(30), reason, accepted, explanation)
    with pytest.raises(ValidationError) as refused:
        validate_payload(entry)
    assert field in {problem.field for problem in refused.value.problems}
