"""The reconciliation entry from the screens: the chart's action, the dialog with the amounts
as found, the physician's co-sign through the one approvals dialog, the discharge dialog's
way to it, and what the chart header says once it is resolved."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind
from ketachart.domain.vocab import PreCheckCode, PreCheckStatus
from ketachart.services import charting, signing
from ketachart.services.sessions import view_session
from ketachart.ui.chart_actions import ENTRY_ACTIONS
from ketachart.ui.chart_header import header_facts
from ketachart.ui.dialogs.discharge_dialog import DischargeDialog
from ketachart.ui.dialogs.reconciliation_dialog import ReconciliationDialog
from ketachart.ui.review_view import FLAGS
from ketachart.ui.workstation import Workstation
from tests.support import PASSWORDS, Clinic, chart_to_discharged
from tests.ui.dialog_helpers import (
    SQL_TEXT,
    accepted,
    event_count,
    message_text,
    press_enter,
    session_stopped,
    set_text,
    shown,
)
from tests.ui.test_approvals import RealApprovals, reasons_and_physician
from tests.ui.test_dialogs_bad_input import BAD_NUMBERS
from tests.ui.test_dialogs_render import clipped
from tests.ui.test_review import queued, review

SCREENS = ((1366, 768), (1280, 720))


def vial(administered: str) -> p.ControlledSubstance:
    given = Decimal(administered)
    return p.ControlledSubstance(
        "Ketamine HCl",
        "KT24-0917",
        date(2027, 6, 30),
        Decimal(50),
        Decimal(1),
        Decimal(50),
        given,
        Decimal(50) - given,
    )


def session_differing(clinic: Clinic) -> str:
    """Stopped at 35 mL (35 mg by the rates and the pump); the vial record says 30 mg."""
    session_id = session_stopped(clinic)
    clinic.act(
        charting.record_controlled_substance, clinic.nurse, session_id, vial("30"), clinic.nurse2
    )
    return session_id


def header(ws: Workstation, session_id: str) -> tuple[str, tuple[str, ...]]:
    view = ws.act(view_session, session_id, audited=False)
    facts = header_facts(view, view.model(ws.now()))
    return facts.progress, facts.alerts


def test_the_chart_offers_the_reconciliation(ws: Workstation) -> None:
    (action,) = [a for a in ENTRY_ACTIONS if a.kind is EventKind.DOSE_RECONCILIATION]
    assert action.label == "Reconcile dose"
    assert len({a.key for a in ENTRY_ACTIONS}) == len(ENTRY_ACTIONS)


def test_the_nurse_records_it_and_the_physician_co_signs_in_the_one_approvals_dialog(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_differing(ui_clinic)
    progress, alerts = header(ws, session_id)
    assert any(a.endswith("; reconcile") for a in alerts)
    dialog = shown(ReconciliationDialog(ws, session_id), qtbot)
    approvals = RealApprovals(qtbot, reasons_and_physician)
    dialog.ask_approvals = approvals
    assert dialog.status.text() == "Not resolved: record how the amounts reconcile."
    set_text(qtbot, dialog.accepted_mg, "35")
    set_text(qtbot, dialog.reason, "Vial record <b>mistyped</b>; pump log says 35 mg")
    press_enter(qtbot, dialog.reason)
    assert accepted(dialog), message_text(dialog)
    (asked,) = approvals.dialogs
    assert [item.approval.code for item in asked.items] == ["dose.reconciliation"]
    saved = dialog.saved()
    assert saved.recorded_by == ui_clinic.nurse.id
    assert [o.approved_by for o in saved.overrides] == [ui_clinic.physician.id]
    progress, alerts = header(ws, session_id)
    assert not any("reconcile" in a for a in alerts)
    assert (
        "dose difference resolved by reconciliation entry (Nina Øster, RN; co-signed by "
        "María Núñez, MD; Vial record <b>mistyped</b>; pump log says 35 mg; 35 mg accepted)"
    ) in progress


def test_without_the_co_sign_nothing_is_saved(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_differing(ui_clinic)
    before = event_count(ui_clinic, session_id)
    dialog = shown(ReconciliationDialog(ws, session_id), qtbot)  # the approvals are cancelled
    set_text(qtbot, dialog.explanation, "Pump primed with 5 mL")
    set_text(qtbot, dialog.reason, "Checked with the pharmacy")
    press_enter(qtbot, dialog.reason)
    assert not accepted(dialog)
    assert "A dose reconciliation counts once a physician co-signs it." in message_text(dialog)
    assert event_count(ui_clinic, session_id) == before


def test_it_says_so_when_there_is_nothing_to_reconcile(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_stopped(ui_clinic)
    dialog = shown(ReconciliationDialog(ws, session_id), qtbot)
    dialog.ask_approvals = RealApprovals(qtbot, reasons_and_physician)
    assert dialog.status.text() == "The dose amounts agree: there is no difference to reconcile."
    set_text(qtbot, dialog.accepted_mg, "35")
    set_text(qtbot, dialog.reason, "Checked")
    press_enter(qtbot, dialog.reason)
    assert not accepted(dialog)
    assert "no difference to reconcile" in message_text(dialog)


def test_a_missing_amount_and_reason_are_said_in_words(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = shown(ReconciliationDialog(ws, session_differing(ui_clinic)), qtbot)
    press_enter(qtbot, dialog.reason)
    text = message_text(dialog)
    assert "Give the delivered amount accepted, or explain the difference." in text
    assert "Reason is required." in text


def test_the_discharge_dialog_offers_it_until_resolved(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_differing(ui_clinic)
    dialog = shown(DischargeDialog(ws, session_id), qtbot)
    assert dialog.dose_row.isVisible()
    assert dialog.dose_status.text().startswith("Dose amounts differ by 5.0 mg")
    assert dialog.dose_status.text().endswith("reconcile (this does not block discharge).")

    def reconcile(opened: object) -> int:
        assert isinstance(opened, ReconciliationDialog)
        opened.ask_approvals = RealApprovals(qtbot, reasons_and_physician)
        opened.accepted_mg.setText("35")
        opened.reason.setText("Vial record mistyped")
        opened.accept()
        return opened.result()

    dialog.run_dialog = reconcile
    dialog.reconcile_button.click()
    assert not dialog.dose_row.isVisible()


def test_the_dialogs_fit_both_screens(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, themed: None, tmp_path: Path
) -> None:
    folder = Path(os.environ.get("KETACHART_DIALOG_PNGS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    session_id = session_differing(ui_clinic)
    escort = p.PreChecks(
        (p.PreCheckItem(PreCheckCode.RIDE_ARRANGED, PreCheckStatus.DONE),),
        "Maximiliane Wolkenstein-Trautmannsdorff-Habsburg-Lothringen",
        "daughter-in-law",
        "+49 (0) 30 1234 5678",
    )
    ui_clinic.act(charting.chart, ui_clinic.nurse, session_id, escort)
    for width, height in SCREENS:
        for name, make in (
            ("reconciliation", ReconciliationDialog),
            ("discharge_dose_difference", DischargeDialog),
        ):
            dialog = shown(make(ws, session_id), qtbot)
            if isinstance(dialog, ReconciliationDialog):
                press_enter(qtbot, dialog.reason)  # every message showing
            hint = dialog.sizeHint().expandedTo(dialog.minimumSizeHint())
            assert hint.width() <= width, (name, width, hint)
            assert hint.height() <= height, (name, height, hint)
            dialog.resize(hint)
            qtbot.wait(10)
            assert clipped(dialog) == [], name
            dialog.grab().save(str(folder / f"{name}_{width}x{height}.png"))
            dialog.close()


def test_the_review_queue_lists_the_difference_until_it_is_resolved(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ui_clinic.open_session()
    chart_to_discharged(ui_clinic, session_id)
    nurse = ui_clinic.nurse
    ui_clinic.act(
        charting.record_controlled_substance, nurse, session_id, vial("30"), ui_clinic.nurse2
    )
    ui_clinic.act(
        signing.attest,
        nurse,
        session_id,
        ui_clinic.proof(nurse, PASSWORDS["nina"], signing.ATTEST_PURPOSE),
        seen_head=ui_clinic.seen(session_id),
    )
    view = review(qtbot, ws, ui_clinic)
    assert queued(view) == [session_id]
    # The alerts count every alert raised, the dose difference among them; its own line says
    # it is still to reconcile.
    assert view.model.index(0, FLAGS).data() == "2 alerts\ndose difference to reconcile"
    assert "1 waiting" in view.title.text()
    ws.set_actor(nurse)
    dialog = shown(ReconciliationDialog(ws, session_id), qtbot)
    dialog.ask_approvals = RealApprovals(qtbot, reasons_and_physician)
    set_text(qtbot, dialog.explanation, "5 mL primed into the line before the start")
    set_text(qtbot, dialog.reason, "Priming volume not charted")
    press_enter(qtbot, dialog.reason)
    assert accepted(dialog), message_text(dialog)
    view = review(qtbot, ws, ui_clinic)
    assert queued(view) == [session_id]  # still to sign; the difference is no longer flagged
    assert view.model.index(0, FLAGS).data() == "2 alerts"


@pytest.mark.garbage
def test_bad_amounts_and_reasons_get_a_message_and_save_nothing(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_differing(ui_clinic)
    before = event_count(ui_clinic, session_id)
    dialog = shown(ReconciliationDialog(ws, session_id), qtbot)
    set_text(qtbot, dialog.reason, SQL_TEXT)
    for text in (t for t in BAD_NUMBERS if t):
        set_text(qtbot, dialog.accepted_mg, text)
        press_enter(qtbot, dialog.accepted_mg)
        assert dialog.isVisible(), text
        assert "Delivered amount accepted" in message_text(dialog), (text, message_text(dialog))
        assert dialog.accepted_mg.text() == text
    set_text(qtbot, dialog.accepted_mg, "35")
    set_text(qtbot, dialog.reason, "x" * 501)
    assert dialog.reason.text() == "x" * 500, "the field holds the validator's limit"
    assert event_count(ui_clinic, session_id) == before
