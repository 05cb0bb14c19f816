"""The chart's fixed patient banner, the way anaesthesia records do it: a 120-character name
is elided and never pushes the MRN out, a 1000-character allergy list shows its count and
start with the whole list one click away, the three allergy states look different, the
stage has its own band, and alerts come and go in a fixed-height list with their count
without moving anything below. Checked at 1366x768 and at 1280x720 (1920x1080 at 150 %)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.allergies import NOT_RECORDED
from ketachart.domain.timeline import SessionStatus
from ketachart.domain.vocab import StopReason
from ketachart.services import charting, patients, sessions
from ketachart.ui.chart_header import (
    ALERT_ROWS,
    ALLERGY_LINES,
    StageBand,
    header_facts,
    stage_band,
)
from ketachart.ui.chart_view import ChartView
from ketachart.ui.theme import STAGE_BAND_COLOURS
from ketachart.ui.workstation import Workstation
from tests.support import Clinic, chart_to_infusing

SIZES = [(1366, 768), (1280, 720)]
FAMILY = "Wolfeschlegelsteinhausen-Bergerdorff Vandermeulen Oyelaran"  # 58
GIVEN = "Maximiliana Theodora Josephine Alessandra Guadalupe Olufemi"  # 60
LONG_NAME = f"{FAMILY}, {GIVEN}"
LONG_MRN = "MRN-2026-0000417-ABCDEFGHIJ-0123456789XY"  # 40, the longest an MRN may be
ALLERGY = "Penicillin (anaphylaxis 2019); "
LONG_ALLERGIES = (ALLERGY * 40)[:999] + "Z"


def long_patient(
    clinic: Clinic, allergies: str = LONG_ALLERGIES, *, none_known: bool = False
) -> None:
    row = clinic.patient
    details = patients.PatientDetails(
        LONG_MRN,
        FAMILY,
        GIVEN,
        row.date_of_birth,
        row.sex,
        allergies,
        no_known_allergies=none_known,
    )
    clinic.patient = clinic.act(patients.update_patient, clinic.nurse, row.id, details)


def open_chart(qtbot: QtBot, ws: Workstation, session_id: str, size: tuple[int, int]) -> ChartView:
    chart = ChartView.open(ws, session_id)
    qtbot.addWidget(chart)
    chart.resize(*size)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


def in_window(widget: QWidget, window: QWidget) -> QRect:
    top_left = widget.mapTo(window, QPoint(0, 0))
    rect = QRect(top_left, widget.size())
    assert window.rect().contains(rect), (widget.objectName(), rect, window.rect())
    return rect


def chart_abnormal_vitals(clinic: Clinic, session_id: str) -> None:
    vitals = p.Vitals(systolic=128, diastolic=82, heart_rate=76, resp_rate=8, spo2=89)
    clinic.chart_reading(clinic.nurse, session_id, vitals)


@pytest.mark.parametrize("size", SIZES, ids=["1366x768", "1280x720"])
def test_banner_is_fixed_and_shows_the_whole_mrn_with_a_long_name_allergies_and_alerts(
    qtbot: QtBot,
    ws: Workstation,
    ui_clinic: Clinic,
    themed: None,
    size: tuple[int, int],
    tmp_path: Path,
) -> None:
    long_patient(ui_clinic)
    sid = ui_clinic.open_session()
    chart_to_infusing(ui_clinic, sid)
    chart = open_chart(qtbot, ws, sid, size)
    header = chart.header
    height, buttons = header.height(), chart.print_button.mapTo(chart, QPoint(0, 0))
    assert header.alerts.count.text() == "No alerts"

    chart_abnormal_vitals(ui_clinic, sid)
    chart.reload()
    qtbot.wait(10)
    chart.grab().save(str(tmp_path / f"chart-{size[0]}x{size[1]}.png"))

    facts = header_facts(chart.view, chart.view.model(ws.now()))
    assert len(facts.alerts) >= 2  # SpO2 89 and RR 8
    assert header.alerts.count.text() == f"{len(facts.alerts)} alerts"
    assert header.alerts.list.count() == len(facts.alerts)
    assert header.alerts.texts() == [" ".join(a.split()) for a in facts.alerts]
    assert header.height() == height  # nothing grows when alerts appear
    assert chart.print_button.mapTo(chart, QPoint(0, 0)) == buttons  # the buttons stay put
    assert header.alerts.list.height() == header.alerts.list.maximumHeight()

    banner = header.banner
    mrn = in_window(banner.mrn, chart)
    assert banner.mrn.text() == f"MRN {LONG_MRN}"
    assert mrn.width() >= banner.mrn.fontMetrics().horizontalAdvance(banner.mrn.text())
    for fact in (banner.age_sex, banner.born, banner.weight):
        assert fact.width() >= fact.fontMetrics().horizontalAdvance(fact.text())
        in_window(fact, chart)
    name = in_window(banner.name, chart)
    assert name.right() < banner.age_sex.mapTo(chart, QPoint(0, 0)).x()
    assert header.name.full_text() == LONG_NAME
    assert header.name.text().endswith("…")
    assert LONG_NAME in header.name.toolTip()


@pytest.mark.parametrize("size", SIZES, ids=["1366x768", "1280x720"])
def test_a_long_allergy_list_shows_its_count_and_opens_in_full(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, themed: None, size: tuple[int, int]
) -> None:
    long_patient(ui_clinic)
    chart = open_chart(qtbot, ws, ui_clinic.open_session(), size)
    field = chart.header.allergies
    assert field.cut
    assert field.text.objectName() == "allergies"
    assert field.icon.isVisible()
    shown = field.text.text()
    assert shown.startswith("ALLERGIES (33): Penicillin (anaphylaxis 2019);")
    assert shown.endswith("…")
    assert len(shown.split("\n")) <= ALLERGY_LINES
    assert field.show_all.isVisible()
    assert field.show_all.text() == "Show all 33"
    in_window(field.show_all, chart)
    qtbot.mouseClick(field.show_all, Qt.MouseButton.LeftButton)
    popup = field.popup
    assert popup is not None
    assert popup.isVisible()
    assert not popup.isModal()  # the chart stays usable beside it
    assert popup.text.toPlainText() == LONG_ALLERGIES
    assert field.full_text() == f"ALLERGIES: {LONG_ALLERGIES}"


def test_more_alerts_than_fit_scroll_under_their_count(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, themed: None
) -> None:
    sid = ui_clinic.open_session()
    chart_to_infusing(ui_clinic, sid)
    chart = open_chart(qtbot, ws, sid, (1280, 720))
    height = chart.header.alerts.list.height()
    chart_abnormal_vitals(ui_clinic, sid)
    ui_clinic.later(12)  # and the vitals are overdue now
    chart.reload()
    qtbot.wait(10)
    alerts = chart.header.alerts
    assert alerts.list.count() > ALERT_ROWS
    assert alerts.count.text() == f"{alerts.list.count()} alerts"
    assert alerts.list.verticalScrollBar().isVisible()
    assert alerts.list.height() == height
    chart.view = replace(chart.view, state=replace(chart.view.state, readings=()))
    chart.tick()
    assert alerts.list.height() == height
    assert alerts.list.count() == 1  # only the overdue vitals remain
    assert alerts.count.text() == "1 alert"


def test_a_short_allergy_list_is_shown_whole(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, themed: None
) -> None:
    chart = open_chart(qtbot, ws, ui_clinic.open_session(), (1280, 720))
    field = chart.header.allergies
    assert field.text.text() == "ALLERGIES: Penicillin"
    assert not field.cut
    assert not field.show_all.isVisible()


@pytest.mark.parametrize(
    ("allergies", "none_known", "style", "icon"),
    [
        ("Latex", False, "allergies", True),
        ("", True, "noAllergies", False),
        ("", False, "allergiesNotRecorded", False),
    ],
    ids=["listed", "none-known", "not-recorded"],
)
def test_the_three_allergy_states_look_different_on_the_chart(
    qtbot: QtBot,
    ws: Workstation,
    ui_clinic: Clinic,
    themed: None,
    allergies: str,
    none_known: bool,
    style: str,
    icon: bool,
) -> None:
    long_patient(ui_clinic, allergies, none_known=none_known)
    chart = open_chart(qtbot, ws, ui_clinic.open_session(), (1366, 768))
    field = chart.header.allergies
    recorded = ui_clinic.clock.now().astimezone().strftime("%Y-%m-%d %H:%M")
    expected = {
        "allergies": "ALLERGIES: Latex",
        "noAllergies": f"No known allergies (recorded {recorded})",
        "allergiesNotRecorded": NOT_RECORDED,
    }[style]
    assert field.text.text() == expected
    assert field.text.objectName() == style
    assert field.icon.isVisible() is icon


def test_the_banner_height_does_not_depend_on_the_patient(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, themed: None
) -> None:
    short = open_chart(qtbot, ws, ui_clinic.open_session(), (1280, 720))
    long_patient(ui_clinic)
    other = open_chart(qtbot, ws, ui_clinic.open_session(), (1280, 720))
    assert short.header.height() == other.header.height()
    assert short.header.banner.height() == other.header.banner.height()


def test_paused_and_infusing_each_have_their_own_band(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, themed: None
) -> None:
    sid = ui_clinic.open_session()
    chart = open_chart(qtbot, ws, sid, (1366, 768))
    band = chart.header.band
    assert (band.property("stage"), band.text()) == ("pre_infusion", "PRE-INFUSION — scheduled")
    chart_to_infusing(ui_clinic, sid)
    ui_clinic.later(5)
    chart.reload()
    assert band.property("stage") == "infusing"
    assert band.text() == "INFUSING 5:00 — rate 52.5 mL/h"
    ui_clinic.act(charting.chart, ui_clinic.nurse, sid, p.Pause("Patient to the bathroom"))
    ui_clinic.later(4.2)
    chart.reload()
    assert band.property("stage") == "paused"
    assert band.text() == "INFUSION PAUSED 4:12 — rate 0 mL/h (was 52.5 mL/h)"
    # the width of the header but for the record's buttons at its end (same line, no height)
    buttons = chart.attest_button.parentWidget()
    assert buttons is not None
    assert band.width() + 6 + buttons.width() == chart.header.contentsRect().width() - 12
    assert band.width() > chart.header.width() // 2


def test_every_stage_has_a_band_of_its_own_in_words(ui_clinic: Clinic) -> None:
    sid = ui_clinic.open_session()
    chart_to_infusing(ui_clinic, sid)
    ui_clinic.later(40)
    stop = p.InfusionStop(Decimal("35.0"), StopReason.COMPLETED)
    ui_clinic.act(charting.chart, ui_clinic.nurse, sid, stop)
    ui_clinic.later(3)
    with ui_clinic.db.reading() as tx:
        view = sessions.view_session(tx, ui_clinic.nurse, sid, audited=False)
    model = view.model(ui_clinic.clock.now())
    assert stage_band(model) == StageBand("recovery", "RECOVERY 3:00 — infusion stopped")
    bands = {
        status: stage_band(replace(model, state=replace(model.state, status=status)))
        for status in SessionStatus
    }
    assert bands[SessionStatus.PRE_CHECKS].text == "PRE-INFUSION — pre-checks in progress"
    assert bands[SessionStatus.DISCHARGED].text == "DISCHARGED — record to be signed"
    assert bands[SessionStatus.SIGNED].text == "SIGNED — record closed"
    stages = {band.stage for band in bands.values()}
    assert stages == {"pre_infusion", "infusing", "paused", "recovery", "discharged", "signed"}
    assert set(STAGE_BAND_COLOURS) == stages  # each has its own colour in the theme
    assert len(set(STAGE_BAND_COLOURS.values())) == len(stages)
