"""The Qt bindings keep Python's reference counts right. PySide6 6.12.0 on Python 3.11 took a
reference from None on every call of a method returning nothing, so a chart that sets its
header text every second aborted the process ("none_dealloc") within a shift; the pinned
version must not. (On Python 3.12+ None is immortal and its count says nothing.)"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

CALLS = 3000


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_void_qt_calls_keep_none_alive(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        label.setText("x")
        painter.drawLine(0, 0, 4, 4)
    lost = before - sys.getrefcount(None)
    painter.end()
    assert lost < CALLS // 10, f"{lost} references to None lost in {CALLS} calls of each"
