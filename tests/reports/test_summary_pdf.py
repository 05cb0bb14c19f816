"""The session summary PDF, read back with pypdf: identification on every page, every kind of
entry, corrections kept visible, signatures, the draft mark, and clean pagination."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from reportlab.platypus import Paragraph, Table

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind, Override
from ketachart.domain.vocab import Instruction, Role, StopReason
from ketachart.reports.blocks import TableBlock, VitalsChartBlock, cell_text
from ketachart.reports.export import export_session_pdf, operator_view
from ketachart.reports.summary_model import build_summary
from ketachart.reports.summary_pdf import render_summary_pdf, story
from ketachart.services import charting, corrections, patients, sessions, signing, users
from ketachart.services.users import new_password
from tests.reports import charted
from tests.reports.conftest import page_texts
from tests.support import ALL_PRE_CHECKS, PASSWORDS, RIDE, Clinic, chart_to_infusing

IDENTIFIERS = ("Lakeside Ketamine Clinic", "Łukasiewicz, Zoë", "1980-02-03", "MRN-0001")
DRAFT = "DRAFT — NOT SIGNED"
VITALS_HEADER = "Time Phase BP mmHg HR /min RR /min SpO2 % Temp °C Alerts By"

# One piece of text each kind of entry prints; a new kind must be added here.
KIND_TEXT = {
    EventKind.SESSION_OPENED: "Session opened 2026-03-10 14:00 by Nina Øster, RN",
    EventKind.PRE_CHECKS: "Fasting as instructed Overridden " + charted.FASTING_REASON,
    EventKind.IV_START: "IV start Left antecubital fossa, 22 G, 2 attempts",
    EventKind.INFUSION_START: "Infusion start Ketamine 1 mg/mL, bag 50 mL, 52.5 mL/h",
    EventKind.RATE_CHANGE: "Rate change 40 mL/h",
    EventKind.PAUSE: "Pause Reason: " + charted.PAUSE_REASON,
    EventKind.RESUME: "Resume Calmer; music on",
    EventKind.VITALS: "14:21 Infusion 172/104 96 14 98",
    EventKind.SIDE_EFFECT: "Nausea mild Queasy, no vomiting Ondansetron",
    EventKind.RESCUE_MEDICINE: "Ondansetron 4 mg IV nausea (side effect at 14:13) Settled in",
    EventKind.NOTE: charted.LATE_NOTE,
    EventKind.INFUSION_STOP: "Infusion stop Pump volume 31.3 mL; completed",
    EventKind.RECOVERY_CHECK: "Modified Aldrete 9/10 (activity 1, respiration 2",
    EventKind.IV_REMOVED: "catheter intact: yes, site OK: yes",
    EventKind.RIDE_CONFIRMED: "Escort Jürgen Weiß (spouse) Escort phone +1 555 010 0199",
    EventKind.DISCHARGE: "No driving until the next day after sleep",
    EventKind.CORRECTION: "CORRECTED TO 14:31 BP 150/92, HR 88, RR 14, SpO2 96 %",
    EventKind.CONTROLLED_SUBSTANCE: "Ketamine HCl, lot KT24-0917, exp. 2027-06-30",
    EventKind.ATTESTATION: "Authored by Nina Øster, RN",
    EventKind.SIGNATURE: "Reviewed and approved María Núñez, MD",
    EventKind.ADDENDUM: charted.ADDENDUM_TEXT,
    EventKind.DOSE_RECONCILIATION: "Amounts found: delivered by the charted rates",
}
# Kinds the typical session has no reason to chart (its dose amounts agree); their own
# tests print them: tests/reports/test_dose_reconciliation.py.
NOT_TYPICAL = frozenset({EventKind.DOSE_RECONCILIATION})


def export(clinic: Clinic, session_id: str, path: Path) -> list[str]:
    export_session_pdf(clinic.db, clinic.physician, session_id, path)
    return page_texts(path)


def assert_every_page_identified(pages: list[str], *extra: str) -> None:
    for number, text in enumerate(pages, start=1):
        for expected in (*IDENTIFIERS, "2026-03-10", *extra):
            assert expected in text, f"page {number} lacks {expected!r}"
        assert f"Page {number} of {len(pages)}" in text


def test_signed_session_prints_everything_on_every_engine(clinic: Clinic, tmp_path: Path) -> None:
    charted.set_clinic(clinic)
    session_id = charted.typical_session(clinic)
    pages = export(clinic, session_id, tmp_path / "summary.pdf")
    text = " ".join(pages)

    assert_every_page_identified(pages, f"Clinic key {clinic.clinic_key.fingerprint}")
    assert all(DRAFT not in page for page in pages)
    assert all("Signed 2026-03-10 15:35 by María Núñez, MD · locked" in page for page in pages)
    assert "Delivered dose 31.3 mg (0.45 mg/kg)" in text
    assert "Planned dose 35.0 mg (0.5 mg/kg) at 52.5 mL/h over 40 min" in text
    for kind in EventKind:
        assert kind in NOT_TYPICAL or KIND_TEXT[kind] in text, kind


def test_dose_plan_rate_segments_and_controlled_substance(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    session_id = charted.typical_session(sqlite_clinic)
    text = " ".join(export(sqlite_clinic, session_id, tmp_path / "s.pdf"))

    assert "Infusion start 2026-03-10 14:01 Infusion stop 2026-03-10 14:43 (completed)" in text
    assert "Running time 42 min, paused 2 min" in text
    assert "1 14:01 14:23 22 min 52.5 52.5 0.750 19.3" in text
    assert "2 14:23 14:35 12 min 40 40 0.571 8.0" in text
    assert "14:35 14:37 2 min Paused 0 0 0" in text
    assert "3 14:37 14:43 6 min 40 40 0.571 4.0" in text
    assert "35 31.3 3.7 Nina Øster, RN Wes Ng, RN" in text
    assert (
        "administered per record 31.3 mg; delivered per charted rates 31.3 mg; by pump volume "
        "31.3 mg: agree"
    ) in text


def test_corrections_stay_visible_struck_through(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    session_id = charted.typical_session(sqlite_clinic)
    text = " ".join(export(sqlite_clinic, session_id, tmp_path / "s.pdf"))

    assert "14:31 BP 150/92, HR 88, RR 14, SpO2 69 %" in text  # the original
    assert "CORRECTED TO 14:31 BP 150/92, HR 88, RR 14, SpO2 96 %" in text
    assert "Nina Øster, RN 2026-03-10 14:33 " + charted.CORRECTION_REASON in text
    assert "CORRECTED, see §11" in text  # marked where the entry is shown
    assert "Note (entry 18) 2026-03-10 14:42 2026-03-10 14:54 12 min Nina Øster, RN" in text
    assert "Late entry, recorded 14:54" in text


def test_the_original_of_a_correction_is_laid_out_struck_through(sqlite_clinic: Clinic) -> None:
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    with sqlite_clinic.db.reading() as tx:
        view = operator_view(tx, session_id)
    report = build_summary(view, charted.CLINIC, sqlite_clinic.clock.now())
    cells = [
        cell.text
        for flowable in story(report)
        if isinstance(flowable, Table)
        for row in flowable._cellvalues
        for cell in row
        if isinstance(cell, Paragraph)
    ]
    assert any("<strike>" in c and "SpO2 69 %" in c for c in cells)
    assert not any("<strike>" in c and "SpO2 96 %" in c for c in cells)


def test_the_baseline_row_is_the_reading_the_chart_takes_as_baseline(
    sqlite_clinic: Clinic,
) -> None:
    clinic, nurse = sqlite_clinic, sqlite_clinic.nurse
    sid = clinic.open_session()
    clinic.act(charting.chart, nurse, sid, ALL_PRE_CHECKS)
    clinic.act(charting.chart, nurse, sid, p.Vitals(140, 90, 80, 14, 97))
    clinic.later(2)
    typo = clinic.act(charting.chart, nurse, sid, p.Vitals(158, 82, 72, 14, 98))
    clinic.act(charting.chart, nurse, sid, p.IvStart("Left forearm", 22, 1))
    clinic.later(1)
    clinic.act(charting.start_infusion, nurse, sid, Decimal("52.5"), Decimal(50))
    clinic.later(5)
    clinic.act(charting.chart, nurse, sid, p.Vitals(150, 95, 88, 14, 97))
    clinic.act(
        corrections.correct_entry, nurse, sid, typo.id, "Wrong patient", None, seen_version=None
    )
    with clinic.db.reading() as tx:
        view = operator_view(tx, sid)
    report = build_summary(view, charted.CLINIC, clinic.clock.now())
    blocks = [b for s in report.sections for b in s.blocks]
    table = next(b for b in blocks if isinstance(b, TableBlock) and b.title == "Vitals")
    chart = next(b for b in blocks if isinstance(b, VitalsChartBlock))

    phases = [(cell_text(row[1]), cell_text(row[2])) for row in table.rows]
    assert phases == [("Baseline", "140/90"), ("Before", "158/82"), ("Infusion", "150/95")]
    assert view.state.baseline == p.Vitals(140, 90, 80, 14, 97)
    assert chart.trend.baseline is not None
    assert (chart.trend.baseline.systolic, chart.trend.baseline.heart_rate) == (140, 80)


def test_signatures_addenda_and_hashes(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    session_id = charted.typical_session(sqlite_clinic)
    text = " ".join(export(sqlite_clinic, session_id, tmp_path / "s.pdf"))
    with sqlite_clinic.db.reading() as tx:
        events = sessions.load_session(tx, session_id).events
    signature = next(e.payload for e in events if isinstance(e.payload, p.Signature))
    assert isinstance(signature, p.Signature)

    assert "Reviewed and approved María Núñez, MD 2026-03-10 15:35" in text
    assert f"Content hash {signature.content_hash}" in text
    assert f"Covers entry {signature.head_seq} {signature.head_hash}" in text
    assert f"Chain head at printing Entry {events[-1].seq} {events[-1].hash}" in text
    assert "Addendum reviewed and approved: María Núñez, MD, 2026-03-11 14:35" in text


def test_a_physician_without_credentials_signs_without_a_dangling_comma(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    clinic = sqlite_clinic
    blank = clinic.act(
        users.create_user,
        clinic.admin,
        "blank",
        "Dr Blank",
        "",
        Role.PHYSICIAN,
        new_password("quiet-orchard-71"),
        clinic_key=clinic.clinic_key,
    )
    session_id = charted.typical_session(clinic, sign=False)
    clinic.act(
        signing.attest,
        clinic.nurse,
        session_id,
        clinic.proof(clinic.nurse, PASSWORDS["nina"], signing.ATTEST_PURPOSE),
        seen_head=clinic.seen(session_id),
    )
    clinic.act(
        signing.sign_session,
        blank,
        session_id,
        clinic.proof(blank, "quiet-orchard-71", signing.SIGN_PURPOSE),
        seen_head=clinic.seen(session_id),
    )
    pages = export(clinic, session_id, tmp_path / "blank.pdf")
    text = " ".join(pages)

    assert all("by Dr Blank · locked" in page for page in pages)
    assert "Dr Blank," not in text
    assert "Reviewed and approved Dr Blank 2026-03-10" in text
    assert "Reviewed and approved: Dr Blank (entry" in text


def test_unsigned_session_is_a_draft_on_every_page(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    pages = export(sqlite_clinic, session_id, tmp_path / "draft.pdf")
    with sqlite_clinic.db.reading() as tx:
        head = sessions.load_session(tx, session_id).events[-1]

    assert_every_page_identified(pages, DRAFT)
    text = " ".join(pages)
    assert "Discharged: not signed" in text
    assert f"Current chain head (unsigned) Entry {head.seq} {head.hash}" in text
    assert "Not signed." in text


def test_alerts_show_their_answer_or_that_none_was_charted(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    clinic = sqlite_clinic
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    clinic.later(4)
    clinic.chart_reading(clinic.nurse, session_id, p.Vitals(124, 80, 76, 14, 90))
    clinic.later(25)
    text = " ".join(export(clinic, session_id, tmp_path / "running.pdf"))

    # the reading's own acknowledgement answers it (the gate asked for it on saving)
    assert (
        "SpO2 low SpO2 90 % below 92 % Acknowledged with the reading: Recheck in 5 min "
        "(Nina Øster, RN)" in text
    )
    assert "SpO2 low Acknowledged: Recheck in 5 min" in text  # the vitals table
    assert "Vitals overdue Vitals overdue: due every 10 min No charted response" in text
    assert "so far (at 14:30)" in text
    assert "Infusing: not signed" in text


def test_an_alert_answered_within_15_minutes(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    session_id = charted.typical_session(sqlite_clinic)
    text = " ".join(export(sqlite_clinic, session_id, tmp_path / "s.pdf"))
    assert (
        "14:21 BP rise BP rose +44/+22 mmHg from baseline 128/82 Acknowledged with the reading: "
        "Physician notified, Rate reduced (Nina Øster, RN) 14:23 Rate change" in text
    )
    assert charted.RATE_REASON + " (Nina Øster, RN)" in text


def test_overrides_with_reason_and_approver(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    session_id = charted.long_session(sqlite_clinic, 60)
    text = " ".join(export(sqlite_clinic, session_id, tmp_path / "long.pdf"))
    assert (
        "Rate change Rate above protocol maximum Pain 8/10 despite 0.5 mg/kg/h; "
        "short boost approved Nina Øster, RN María Núñez, MD"
    ) in text
    assert "Pre-session checks pre-check: Fasting as instructed" in text


def test_long_session_paginates_with_repeated_headers(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    session_id = charted.long_session(sqlite_clinic, 130)
    pages = export(sqlite_clinic, session_id, tmp_path / "long.pdf")
    with sqlite_clinic.db.reading() as tx:
        view = operator_view(tx, session_id)

    assert len(view.events) >= 130
    assert len(pages) >= 4
    assert_every_page_identified(pages)
    row = re.compile(r"\d\d:\d\d (Baseline|Infusion|Recovery) \d+/\d+ \d+ 14 \d+")
    vitals_pages = [page for page in pages if row.search(page)]
    assert len(vitals_pages) >= 2
    assert all(VITALS_HEADER in page for page in vitals_pages)
    text = " ".join(pages)
    for reading in view.state.readings:
        v = reading.vitals
        at = reading.at.astimezone().strftime("%H:%M")
        assert f"{at} {v.systolic}/{v.diastolic} {v.heart_rate} 14 {v.spo2}" in text.replace(
            " Infusion ", " "
        ).replace(" Recovery ", " ").replace(" Baseline ", " ")
    notes = [e.payload.text for e in view.events if isinstance(e.payload, p.Note)]
    assert len(notes) >= 10
    assert all(note.strip() in text for note in notes)


def test_long_notes_are_not_cut_off(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    """Three notes of nearly the 4000-character limit: rows taller than the room left on a
    page split inside the row rather than run off it."""
    clinic = sqlite_clinic
    session_id = clinic.open_session()
    for note in range(3):
        words = " ".join(f"n{note}w{i}" for i in range(560))
        clinic.act(charting.chart, clinic.nurse, session_id, p.Note(f"{words} <b>&amp; END{note}"))
    pages = export(clinic, session_id, tmp_path / "note.pdf")

    assert len(pages) >= 3
    text = " ".join(pages)
    for note in range(3):
        assert all(f"n{note}w{i} " in text for i in range(560))
        assert f"<b>&amp; END{note}" in text  # markup characters print as typed


@pytest.fixture
def new_york_time() -> Iterator[None]:
    saved = time.tzname
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "America/New_York")
        time.tzset()
        yield
    time.tzset()
    assert time.tzname == saved


def test_times_are_local_with_the_zone_named(
    new_york_time: None, sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    session_id = charted.typical_session(sqlite_clinic, sign=False)
    pages = export(sqlite_clinic, session_id, tmp_path / "ny.pdf")

    assert all("Times in EDT (UTC−04:00)" in page for page in pages)
    text = " ".join(pages)
    assert "Session opened 2026-03-10 10:00 by Nina Øster, RN" in text
    assert "10:21 Infusion 172/104" in text


def test_names_in_any_script_print_intact(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    clinic = sqlite_clinic
    details = patients.PatientDetails(
        "MRN-ÅÉ-7",
        "Ñúñez-Øberg Straße",
        "Zoë Łucja Ирина Ξένια",
        clinic.patient.date_of_birth,
        "female",
    )
    patient = clinic.act(patients.register_patient, clinic.nurse, details)
    loaded = clinic.act(
        sessions.open_session,
        clinic.nurse,
        patient.id,
        clinic.protocols[0].id,
        "Sala 2",
        Decimal(61),
    )
    clinic.act(
        charting.chart, clinic.nurse, loaded.row.id, p.Note("Patientin ruhig, spricht Türkçe")
    )
    pages = export(clinic, loaded.row.id, tmp_path / "names.pdf")

    for page in pages:
        assert "Ñúñez-Øberg Straße, Zoë Łucja Ирина Ξένια" in page
        assert "MRN-ÅÉ-7" in page
    assert "Patientin ruhig, spricht Türkçe" in " ".join(pages)


def test_the_same_chart_gives_the_same_bytes(sqlite_clinic: Clinic) -> None:
    session_id = charted.typical_session(sqlite_clinic)
    with sqlite_clinic.db.reading() as tx:
        view = operator_view(tx, session_id)
    report = build_summary(view, charted.CLINIC, sqlite_clinic.clock.now())
    first = render_summary_pdf(report, invariant=True)
    second = render_summary_pdf(report, invariant=True)
    assert first.data == second.data
    assert first.pages == len(page_texts(first.data))


def test_a_discharge_override_is_listed_as_a_criterion(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    clinic = sqlite_clinic
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    clinic.later(40)
    stop = p.InfusionStop(Decimal("35.0"), StopReason.COMPLETED)
    clinic.act(charting.chart, clinic.nurse, session_id, stop)
    clinic.later(10)
    clinic.act(charting.chart, clinic.nurse, session_id, p.IvRemoved(True, True))
    reason = "Observation shortened: patient fully alert, escort waiting"
    clinic.act(
        charting.discharge_patient,
        clinic.nurse,
        session_id,
        p.Discharge(tuple(Instruction)),
        ride=RIDE,
        overrides=tuple(
            Override(code, reason) for code in ("discharge.observation", "discharge.score")
        ),
        approver=clinic.physician,
    )
    clinic.later(1)
    text = " ".join(export(clinic, session_id, tmp_path / "early.pdf"))
    assert "Criteria at discharge Overridden: Minimum observation not over" in text
    assert f"Discharge before minimum observation {reason}" in text
