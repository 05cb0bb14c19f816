"""The overdue alarm: a shipped sound, played through Qt Multimedia, while a check is overdue.

QApplication.beep() is silent on many workstations (no PC speaker, no system bell configured),
so the alarm plays a WAV file of its own (resources/sounds/overdue-alarm.wav, made by
scripts/make_alarm_sound.py) with QSoundEffect, which goes through the workstation's ordinary
sound output: WASAPI on Windows, PulseAudio or PipeWire on Linux (Qt needs libpulse0 there:
scripts/install-system-packages). A machine without a sound device, or without Qt Multimedia,
still gets the beep: the alarm never stops the chart from working.

The alarm sounds when a check becomes overdue and then every `every` seconds while it stays
overdue, measured on the workstation's clock (so a test moves the clock, not the wall time).
Muting is per session and audited (services.alarms); this module only obeys it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLoggingCategory, QObject, QSize, QUrl
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from ketachart.ui.icons import IconName, icon

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QSoundEffect

ALARM_EVERY = timedelta(seconds=30)
VOLUME = 1.0
_log = logging.getLogger(__name__)
QUIET_LOADER = "qt.multimedia.symbolsresolver.warning=false"
"""Qt Multimedia looks for optional libraries at start (VA-API video decoding, PipeWire) and
warns for each one missing; the alarm plays a WAV through the ordinary sound output and needs
none of them."""


def alarm_sound_path() -> Path:
    """The shipped alarm sound inside the installed package."""
    return Path(
        str(resources.files("ketachart").joinpath("resources", "sounds", "overdue-alarm.wav"))
    )


class AlarmSound:
    """The alarm sound, loaded the first time it is needed (Qt Multimedia starts its audio
    back end then, not when the application starts). `requests` counts the times it was asked
    to sound; `effect` is the QSoundEffect (None where Qt Multimedia is missing)."""

    def __init__(self) -> None:
        self.requests = 0
        self.effect: QSoundEffect | None = None
        self._tried = False

    def play(self) -> None:
        self.requests += 1
        effect = self._effect()
        if effect is None or not _can_play(effect):
            QApplication.beep()
            return
        effect.stop()
        effect.play()

    def stop(self) -> None:
        if self.effect is not None:
            self.effect.stop()

    def _effect(self) -> QSoundEffect | None:
        if not self._tried:
            self._tried = True
            self.effect = _make_effect()
        return self.effect


def _make_effect() -> QSoundEffect | None:
    QLoggingCategory.setFilterRules(QUIET_LOADER)
    try:
        from PySide6.QtMultimedia import QSoundEffect
    except ImportError as error:  # e.g. Linux without libpulse0
        _log.warning("Qt Multimedia unavailable, the overdue alarm beeps instead: %s", error)
        return None
    effect = QSoundEffect()
    effect.setSource(QUrl.fromLocalFile(str(alarm_sound_path())))
    effect.setVolume(VOLUME)
    return effect


def _can_play(effect: QSoundEffect) -> bool:
    """Whether Qt can play it (loading or loaded); Error means no usable sound device."""
    from PySide6.QtMultimedia import QSoundEffect

    return effect.status() is not QSoundEffect.Status.Error


class OverdueAlarm(QObject):
    """Sounds while a check is overdue, unless muted. Fed by the chart's one-second tick."""

    def __init__(
        self,
        every: timedelta = ALARM_EVERY,
        *,
        muted: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.every = every
        self.sound = AlarmSound()
        self._muted = muted
        self._last: datetime | None = None
        """When it last sounded in this overdue spell (None: not overdue, or not yet)."""

    def update(self, overdue: bool, now: datetime) -> None:
        """Sound now if a check just became overdue or `every` has passed since the last
        sound; be quiet once nothing is overdue (the next spell sounds at once)."""
        if not overdue:
            if self._last is not None:
                self.sound.stop()
            self._last = None
            return
        if self._last is None or now - self._last >= self.every:
            self._last = now
            if not self._muted:
                self.sound.play()

    def set_muted(self, muted: bool) -> None:
        """Muting silences the sound at once; unmuting while overdue sounds at the next tick
        (whoever unmuted hears that it works), then every `every` again."""
        self._muted = muted
        if muted:
            self.sound.stop()
        else:
            self._last = None

    def is_muted(self) -> bool:
        return self._muted


class MuteButton(QPushButton):
    """The session's alarm switch: checked means muted. The icon and words say which state it
    is in (a crossed-out speaker and "Alarm muted"), not the colour alone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmMute")
        self.setCheckable(True)
        self.setIconSize(QSize(24, 24))
        self.toggled.connect(self._show_state)
        self._show_state(False)

    def _show_state(self, muted: bool) -> None:
        self.setIcon(icon(IconName.SOUND_OFF if muted else IconName.SOUND_ON))
        self.setText(self.tr("Alarm muted") if muted else self.tr("Alarm sound on"))
        tip = (
            self.tr("The overdue alarm of this session is muted; press to turn the sound on")
            if muted
            else self.tr("Press to mute the overdue alarm of this session (recorded)")
        )
        self.setToolTip(tip)
        self.setAccessibleName(self.text())
