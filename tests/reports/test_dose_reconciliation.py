"""A dose difference in every place that reports the verdict: unresolved, it says
"reconcile" and the review queue lists it; once a co-signed reconciliation entry resolves it,
the PDF says by whom and why, and the queue no longer asks for it. Read back with pdftotext."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind, Override
from ketachart.errors import OverrideRequired
from ketachart.services import charting, review
from tests.reports.test_one_session_model import _model, _pdf_text
from tests.reports.test_summary_pdf import KIND_TEXT
from tests.support import Clinic, chart_to_discharged

REASON = "Vial record <b>mistyped</b>: 35 mg drawn and given"


def _differing(clinic: Clinic) -> str:
    """Discharged; 35 mg by the rates and the pump, 20 mg on the vial record."""
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)
    record = p.ControlledSubstance(
        "Ketamine HCl",
        "KT24-0917",
        date(2027, 6, 30),
        Decimal(50),
        Decimal(1),
        Decimal(50),
        Decimal(20),
        Decimal(30),
    )
    clinic.act(charting.record_controlled_substance, clinic.nurse, sid, record, clinic.nurse2)
    return sid


def _queued_flags(clinic: Clinic, sid: str) -> review.ReviewFlags:
    with clinic.db.reading() as tx:
        (row,) = [r for r in review.review_queue(tx, clinic.physician) if r.session_id == sid]
    return row.flags


def _reconcile(clinic: Clinic, sid: str) -> None:
    _view, model = _model(clinic, sid)
    found = model.reconciliation
    entry = p.DoseReconciliation(
        found.delivered_mg, found.pump_mg, found.recorded_mg, REASON, accepted_mg=Decimal(35)
    )
    with pytest.raises(OverrideRequired):  # the nurse alone: no co-sign, nothing saved
        clinic.act(charting.chart, clinic.nurse, sid, entry)
    cosign = (Override("dose.reconciliation", "Pump log checked"),)
    clinic.act(
        charting.chart, clinic.nurse, sid, entry, overrides=cosign, approver=clinic.physician
    )


def test_an_unresolved_difference_is_queued_and_printed_as_to_reconcile(
    clinic: Clinic, tmp_path: Path
) -> None:
    sid = _differing(clinic)
    flags = _queued_flags(clinic, sid)
    assert flags.dose_to_reconcile
    assert "dose difference to reconcile" in flags.labels()
    text = _pdf_text(clinic, sid, tmp_path / "unresolved.pdf")
    assert "differ, reconcile" in text
    assert "the dose amounts differ by up to 15.0 mg: reconcile" in text
    assert "resolved by reconciliation entry" not in text


def test_a_resolved_difference_says_by_whom_and_why_everywhere(
    clinic: Clinic, tmp_path: Path
) -> None:
    sid = _differing(clinic)
    _reconcile(clinic, sid)
    flags = _queued_flags(clinic, sid)  # still waiting for the signature, no longer flagged
    assert not flags.dose_to_reconcile
    assert "dose difference to reconcile" not in flags.labels()
    _view, model = _model(clinic, sid)
    assert not [a for a in model.live_alerts if a.code == "pump_mismatch"]
    text = _pdf_text(clinic, sid, tmp_path / "resolved.pdf")
    resolved = (
        "resolved by reconciliation entry (Nina Øster, RN; co-signed by María Núñez, MD; "
        f"{REASON}; 35 mg accepted)"
    )
    assert f"by pump volume 35.0 mg: differ, {resolved}" in text
    assert f"the dose amounts differ by up to 15.0 mg: {resolved}" in text
    assert "reconcile" not in text.replace("reconciliation", "")
    assert "Dose reconciliation" in text
    assert f"{KIND_TEXT[EventKind.DOSE_RECONCILIATION]} 35 mg" in text
    assert "Override (Dose reconciliation (physician co-sign)): Pump log checked" in text
