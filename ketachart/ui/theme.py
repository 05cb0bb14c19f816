"""Readable at arm's length: large type and controls. Colour is never the only signal.

Light to import: the login window is themed before anything else of the application loads
(apply_base_theme); the fonts for every script follow once it is on screen (apply_script_fonts).
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

BASE_POINT_SIZE = 13
ALERT_RED = "#b00020"
WARN_AMBER = "#8a5a00"
OK_GREEN = "#1b6e20"
WARN_YELLOW = "#ffd54f"
OK_PALE_GREEN = "#c8e6c9"
ERROR_PALE_RED = "#f8d7da"
NEXT_BLUE = "#0d47a1"
NEXT_BORDER = "#ffb300"
AMBER_PALE = "#ffe3a3"

# The session's stage band: one colour and word per stage (the text names the stage too, so
# colour is never the only signal). Paused is black on amber, unlike every other band.
STAGE_BAND_COLOURS: dict[str, tuple[str, str]] = {
    "pre_infusion": ("white", "#00695c"),
    "infusing": ("white", "#1565c0"),
    "paused": ("black", "#ffb300"),
    "recovery": ("white", "#6a1b9a"),
    "discharged": ("white", "#546e7a"),
    "signed": ("white", "#263238"),
}
STAGE_BAND_STYLE = "".join(
    f'QLabel#stageBand[stage="{stage}"] {{ color: {fg}; background: {bg}; }}\n'
    for stage, (fg, bg) in STAGE_BAND_COLOURS.items()
)

STYLE_SHEET = f"""
QWidget {{ font-size: {BASE_POINT_SIZE}pt; }}
QPushButton {{ min-height: 40px; padding: 4px 14px; }}
QPushButton#recordButton {{ min-height: 26px; padding: 2px 12px; }}
QPushButton#eventButton {{ min-height: 44px; min-width: 150px; font-weight: bold; }}
QPushButton#eventButton {{
    border: 3px solid #9aa9b8; border-radius: 4px; background: #f4f6f8; color: black;
    padding: 4px 2px;
}}
QPushButton#eventButton:pressed {{ background: #d5dde6; }}
QPushButton#eventButton:disabled {{ color: #8a8a8a; background: #ececec; border-color: #d0d0d0; }}
QPushButton#eventButton[nextStep="true"] {{
    color: white; background: {NEXT_BLUE}; border-color: {NEXT_BORDER};
}}
QLineEdit, QComboBox, QDateTimeEdit, QPlainTextEdit {{ min-height: 34px; }}
QLabel#fieldError, QLabel#formMessage {{ color: {ALERT_RED}; }}
QLabel#alertBanner {{ color: white; background: {ALERT_RED}; padding: 6px; font-weight: bold; }}
QLabel#warningBanner {{ color: black; background: {WARN_YELLOW}; padding: 3px 6px; }}
QLabel#warningBanner {{ font-weight: bold; }}
QFrame#notice {{ border-width: 2px; border-style: solid; border-radius: 3px; }}
QFrame#notice QLabel#noticeText {{ font-weight: bold; }}
QFrame#notice[kind="success"] {{ background: {OK_PALE_GREEN}; border-color: {OK_GREEN}; }}
QFrame#notice[kind="success"] QLabel#noticeText {{ color: black; }}
QFrame#notice[kind="warning"] {{ background: {WARN_YELLOW}; border-color: {WARN_AMBER}; }}
QFrame#notice[kind="warning"] QLabel#noticeText {{ color: black; }}
QFrame#notice[kind="error"] {{ background: {ERROR_PALE_RED}; border-color: {ALERT_RED}; }}
QFrame#notice[kind="error"] QLabel#noticeText {{ color: {ALERT_RED}; }}
QLabel#headerName {{ font-size: {BASE_POINT_SIZE + 5}pt; font-weight: bold; }}
QLabel#allergies {{ color: {ALERT_RED}; font-weight: bold; }}
QLabel#noAllergies {{ color: black; }}
QLabel#allergiesNotRecorded {{ color: black; background: {AMBER_PALE}; font-weight: bold;
    border: 2px solid {WARN_AMBER}; padding: 0px 4px; }}
QFrame#patientBanner {{ background: white; border: 1px solid #9aa9b8; }}
QLabel#bannerFact {{ font-weight: bold; }}
QLabel#stageBand {{ font-size: {BASE_POINT_SIZE + 2}pt; font-weight: bold; padding: 2px 10px; }}
QLabel#alertCount {{ font-weight: bold; padding: 2px 6px; }}
QLabel#alertCount[active="true"] {{ color: white; background: {ALERT_RED}; }}
QListWidget#alertList {{ border: 1px solid #9aa9b8; }}
QListWidget#alertList[active="true"] {{ color: {ALERT_RED}; font-weight: bold;
    border: 2px solid {ALERT_RED}; }}
QFrame#chartHeader {{ background: #eef3f8; border-bottom: 1px solid #9aa9b8; }}
QLabel#overdue {{ color: white; background: {ALERT_RED}; padding: 2px 6px; font-weight: bold; }}
QLabel#due {{ padding: 2px 6px; }}
"""
STYLE_SHEET += STAGE_BAND_STYLE


def apply_theme(app: QApplication) -> None:
    """The whole bedside theme at once (tests, benchmarks): the application itself applies its
    two halves apart, around showing the login window."""
    apply_base_theme(app)
    apply_script_fonts(app)


def apply_base_theme(app: QApplication) -> None:
    """The bedside type size and the style sheet: all the login window needs."""
    font = QFont(app.font())
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)


def apply_script_fonts(app: QApplication) -> None:
    """Names in any script, never boxes: the application font becomes a list of families.
    Reading the font database and registering the fallback files takes a while, so the
    application does it once the login window is on screen, before any patient is shown."""
    from ketachart.ui.fonts import with_script_families

    app.setFont(with_script_families(QFont(app.font())))
