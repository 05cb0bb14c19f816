"""The application's icons: a small SVG set shipped in ketachart/resources/icons.

Icons are drawn, never typed: an emoji or symbol glyph (padlock, alarm clock, warning sign,
tick) prints as an empty box on a workstation whose fonts lack it, and a warning a nurse
cannot see is no warning. The SVGs
are plain shapes in the theme's colours (see theme.py), rendered by Qt's SVG icon engine at any
size and screen scale. Where Qt has a standard icon for the purpose (the message kinds of
notice.py), that one is used instead.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from ketachart.ui.widgets import plain_label

ICON_SIZE = 20
"""Logical pixels: the height of a line of the theme's 13-point text."""


class IconName(StrEnum):
    """Each shipped icon, by what it means (the file is `<value>.svg`)."""

    LOCK = "lock"
    INFO = "info"
    WARNING = "warning"
    ALLERGY = "allergy"
    CHECK = "check"
    BLOCK = "block"
    OVERDUE = "overdue"
    SOUND_ON = "sound-on"
    SOUND_OFF = "sound-off"
    SIGN = "sign"


def icon_path(name: IconName) -> Path:
    """The SVG file of `name` inside the installed package (a folder on disk, not a zip)."""
    return Path(str(resources.files("ketachart").joinpath("resources", "icons", f"{name}.svg")))


@cache
def icon(name: IconName) -> QIcon:
    """The icon `name`, for QPushButton.setIcon, QAction.setIcon or a model's DecorationRole."""
    return QIcon(str(icon_path(name)))


def icon_pixmap(name: IconName, size: int = ICON_SIZE, ratio: float = 1.0) -> QPixmap:
    """The icon as a pixmap of `size` logical pixels, sharp on a screen of `ratio` (the
    widget's devicePixelRatioF()) scaling."""
    return icon(name).pixmap(QSize(size, size), ratio)


def icon_label(name: IconName | None, size: int = ICON_SIZE) -> QLabel:
    """A label showing only the icon (or nothing, for None), fixed at `size`."""
    label = plain_label()
    label.setFixedSize(size, size)
    set_label_icon(label, name, size)
    return label


def set_label_icon(label: QLabel, name: IconName | None, size: int = ICON_SIZE) -> None:
    """Show `name` in a label made by icon_label, or hide it for None."""
    label.setVisible(name is not None)
    if name is not None:
        label.setPixmap(icon_pixmap(name, size, label.devicePixelRatioF()))
        label.setAccessibleName(name.value)


class IconText(QWidget):
    """An icon before a line of plain text, where a glyph used to lead the text.

    `text()` is the words alone; `icon_name()` says which icon shows (None: none)."""

    def __init__(
        self,
        name: IconName | None = None,
        text: str = "",
        *,
        object_name: str = "",
        wrap: bool = False,
        size: int = ICON_SIZE,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._size = size
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.icon = icon_label(None, size)
        self.label = plain_label(text, name=object_name, wrap=wrap)
        # Beside the first line of a wrapped message, centred on a one-line heading.
        align = Qt.AlignmentFlag.AlignTop if wrap else Qt.AlignmentFlag.AlignVCenter
        row.addWidget(self.icon, 0, align)
        row.addWidget(self.label, 1)
        self._name: IconName | None = None
        self.set_icon(name)

    def set_icon(self, name: IconName | None) -> None:
        self._name = name
        set_label_icon(self.icon, name, self._size)

    def icon_name(self) -> IconName | None:
        return self._name

    def setText(self, text: str) -> None:
        self.label.setText(text)

    def text(self) -> str:
        return self.label.text()

    def show_text(self, name: IconName | None, text: str) -> None:
        """The icon and the words together, as one change."""
        self.set_icon(name)
        self.setText(text)
