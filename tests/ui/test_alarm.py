"""The overdue alarm: a shipped WAV through Qt Multimedia, sounding every 30 s while a check is
overdue and never while muted; muting is per session, audited, and outlives the chart."""

from __future__ import annotations

import importlib.util
import wave
from datetime import timedelta
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtMultimedia import QSoundEffect
from pytestqt.qtbot import QtBot

from ketachart.services import charting
from ketachart.services.alarms import ALARM_MUTE, ALARM_UNMUTE, alarm_muted
from ketachart.ui.alarm import ALARM_EVERY, MuteButton, OverdueAlarm, alarm_sound_path
from ketachart.ui.chart_view import ChartView
from ketachart.ui.icons import IconName, icon
from ketachart.ui.workstation import Workstation
from tests.storage.helpers import audit_actions
from tests.support import BASELINE, Clinic, chart_to_infusing
from tests.ui.test_review import audits


def sound_maker() -> ModuleType:
    """scripts/make_alarm_sound.py, the script that made the shipped WAV."""
    path = Path(__file__).resolve().parents[2] / "scripts" / "make_alarm_sound.py"
    spec = importlib.util.spec_from_file_location("make_alarm_sound", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_alarm_sound_is_a_shipped_wav_made_by_the_script() -> None:
    shipped = resources.files("ketachart").joinpath("resources", "sounds", "overdue-alarm.wav")
    assert shipped.is_file()
    with wave.open(str(alarm_sound_path()), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)
        seconds = wav.getnframes() / wav.getframerate()
    assert 0.5 < seconds < 1.5  # a burst, not a drone
    assert shipped.read_bytes() == sound_maker().alarm_wav()  # remade byte for byte


def overdue_chart(qtbot: QtBot, ws: Workstation, clinic: Clinic) -> ChartView:
    """An infusing session's chart, its first vitals (due 14:11) one minute overdue."""
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    chart = ChartView.open(ws, session_id)
    qtbot.addWidget(chart)
    chart._timer.stop()  # the test ticks, on the moved clock
    return chart


def later(chart: ChartView, clinic: Clinic, seconds: float) -> None:
    clinic.clock.advance(timedelta(seconds=seconds))
    chart.tick()


def test_sounds_when_overdue_then_every_30_s_and_stops_when_charted(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    chart = overdue_chart(qtbot, ws, ui_clinic)
    sound = chart.alarm.sound
    chart.tick()
    assert sound.requests == 0  # nothing overdue yet
    later(chart, ui_clinic, 11 * 60)  # 14:12, the 14:11 vitals are overdue
    assert sound.requests == 1
    for _ in range(29):
        later(chart, ui_clinic, 1)
    assert sound.requests == 1  # not again within 30 s
    later(chart, ui_clinic, 1)
    assert sound.requests == 2
    later(chart, ui_clinic, ALARM_EVERY.total_seconds())
    assert sound.requests == 3
    ui_clinic.act(charting.chart, ui_clinic.nurse, chart.session_id, BASELINE)
    chart.reload()
    for _ in range(3):
        later(chart, ui_clinic, ALARM_EVERY.total_seconds())
    assert sound.requests == 3  # charted: quiet


def test_plays_the_shipped_wav_through_qt_multimedia(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, sound_server: str | None
) -> None:
    if sound_server is None:
        pytest.skip("needs Debian's pulseaudio for a sound device (make test installs it)")
    chart = overdue_chart(qtbot, ws, ui_clinic)
    later(chart, ui_clinic, 11 * 60)
    effect = chart.alarm.sound.effect
    assert isinstance(effect, QSoundEffect)
    assert effect.source() == QUrl.fromLocalFile(str(alarm_sound_path()))
    assert effect.volume() == 1.0
    qtbot.waitUntil(effect.isPlaying, timeout=5000)  # loaded, and sounding on the device
    assert effect.status() is QSoundEffect.Status.Ready
    qtbot.waitUntil(lambda: not effect.isPlaying(), timeout=5000)  # one burst, then quiet
    chart.header.mute.click()
    later(chart, ui_clinic, 31)
    assert not effect.isPlaying()


def test_a_muted_session_stays_quiet_and_the_mute_is_audited(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    chart = overdue_chart(qtbot, ws, ui_clinic)
    session_id = chart.session_id
    qtbot.mouseClick(chart.header.mute, Qt.MouseButton.LeftButton)
    assert chart.alarm.is_muted()
    later(chart, ui_clinic, 11 * 60)
    later(chart, ui_clinic, 31)
    assert chart.alarm.sound.requests == 0
    assert audits(ui_clinic, ALARM_MUTE) == [("nina", session_id, "")]
    assert audit_actions(ui_clinic)[-1] == (ALARM_MUTE, "")
    chart.header.mute.click()  # unmute: it sounds at the next tick, still overdue
    later(chart, ui_clinic, 1)
    assert chart.alarm.sound.requests == 1
    assert audits(ui_clinic, ALARM_UNMUTE) == [("nina", session_id, "")]


def test_the_mute_outlives_closing_and_reopening_the_chart(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    chart = overdue_chart(qtbot, ws, ui_clinic)
    chart.header.mute.click()
    other = ui_clinic.open_session()
    assert ws.query(alarm_muted, chart.session_id)
    assert not ws.query(alarm_muted, other)  # per session
    reopened = ChartView.open(ws, chart.session_id)
    qtbot.addWidget(reopened)
    assert reopened.view.alarm_muted  # read with the chart, in its transaction
    assert reopened.header.mute.isChecked()
    assert reopened.alarm.is_muted()
    before = len(audit_actions(ui_clinic))
    reopened.tick()
    assert audit_actions(ui_clinic)[before:] == []  # showing the state records nothing


def test_the_mute_button_shows_its_state_by_icon_and_words(qtbot: QtBot) -> None:
    button = MuteButton()
    qtbot.addWidget(button)
    assert button.text() == "Alarm sound on"
    assert button.icon().cacheKey() == icon(IconName.SOUND_ON).cacheKey()
    button.setChecked(True)
    assert button.text() == "Alarm muted"
    assert button.icon().cacheKey() == icon(IconName.SOUND_OFF).cacheKey()
    assert button.accessibleName() == "Alarm muted"


def test_unit_alarm_repeats_only_while_overdue(qtbot: QtBot, ui_clinic: Clinic) -> None:
    alarm = OverdueAlarm(every=timedelta(seconds=10))
    start = ui_clinic.clock.now()
    for second, overdue in ((0, False), (1, True), (5, True), (11, True), (12, False), (13, True)):
        alarm.update(overdue, start + timedelta(seconds=second))
    assert alarm.sound.requests == 3  # at 1 s, 11 s, and at 13 s when overdue again
    alarm.set_muted(True)
    alarm.update(True, start + timedelta(seconds=30))
    assert alarm.sound.requests == 3
