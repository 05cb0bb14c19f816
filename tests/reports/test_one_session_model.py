"""The board, the chart header, the review queue and the PDF say the same thing about a
session: they render one session model (overdue checks, alerts, corrections, late entries,
the dose verdict) and derive nothing themselves."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from ketachart.domain import payloads as p
from ketachart.domain.session_model import SessionModel
from ketachart.reports.export import export_session_pdf
from ketachart.services import board, charting, corrections, review, sessions
from ketachart.ui.chart_header import header_facts
from tests.reports.conftest import page_texts
from tests.support import Clinic, chart_to_discharged, chart_to_infusing


def _pdf_text(clinic: Clinic, session_id: str, path: Path) -> str:
    export_session_pdf(clinic.db, clinic.physician, session_id, path)
    return re.sub(r"\s+", " ", " ".join(page_texts(path)))


def _model(clinic: Clinic, session_id: str) -> tuple[sessions.SessionView, SessionModel]:
    with clinic.db.reading() as tx:
        view = sessions.view_session(tx, clinic.physician, session_id, audited=False)
    return view, view.model(clinic.clock.now())


def _infusing_with_everything(clinic: Clinic) -> str:
    """Infusing: a high BP, a corrected reading, a late entry, and vitals now overdue."""
    sid = clinic.open_session()
    chart_to_infusing(clinic, sid)
    nurse = clinic.nurse
    clinic.later(8)
    typo = clinic.chart_reading(nurse, sid, p.Vitals(128, 82, 76, 14, 69))
    clinic.act(
        corrections.correct_entry,
        nurse,
        sid,
        typo.id,
        "SpO2 re-read: 96",
        p.Vitals(128, 82, 76, 14, 96),
        seen_version=None,
    )
    clinic.later(9)
    clinic.chart_reading(nurse, sid, p.Vitals(186, 104, 90, 14, 97))
    late_at = clinic.clock.now()
    clinic.later(14)  # the next vitals were due 10 min after the last: overdue now
    clinic.act(
        charting.chart, nurse, sid, p.Note("Lights dimmed at her request."), occurred_at=late_at
    )
    return sid


def test_board_header_and_pdf_agree_on_a_running_session(clinic: Clinic, tmp_path: Path) -> None:
    sid = _infusing_with_everything(clinic)
    view, model = _model(clinic, sid)
    assert model.overdue
    assert model.clinical_alerts  # the latest reading, 186/104, is above the BP limit
    with clinic.db.reading() as tx:
        (row,) = board.board_rows(
            tx, clinic.nurse, clinic.clock.now().astimezone().date(), model.now
        )
    facts = header_facts(view, model)
    assert row.overdue == facts.overdue == model.overdue
    assert row.other_alerts == tuple(a.message for a in model.clinical_alerts)
    assert facts.alerts == tuple(a.message for a in model.live_alerts)
    assert f"delivered {model.delivered_mg} mg" in facts.progress
    text = _pdf_text(clinic, sid, tmp_path / "running.pdf")
    for alert in model.alert_history:
        assert re.sub(r"\s+", " ", alert.message) in text, alert.message


def test_review_queue_and_pdf_agree_on_alerts_and_the_dose(clinic: Clinic, tmp_path: Path) -> None:
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)  # 35 mg by the rates and by the pump
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
    _view, model = _model(clinic, sid)
    assert not model.reconciliation.agrees
    with clinic.db.reading() as tx:
        (row,) = [r for r in review.review_queue(tx, clinic.physician) if r.session_id == sid]
    assert row.flags.alerts == len(model.alert_history)
    assert row.flags.dose_to_reconcile
    assert "dose difference to reconcile" in row.flags.labels()
    text = _pdf_text(clinic, sid, tmp_path / "discharged.pdf")
    assert "differ, reconcile" in text
    assert "the dose amounts differ by up to 15.0 mg: reconcile" in text
    assert "agree with the charted rates" not in text
