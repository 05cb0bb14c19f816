"""Readable at arm's length: large type and controls. Colour is never the only signal."""

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

STYLE_SHEET = f"""
QWidget {{ font-size: {BASE_POINT_SIZE}pt; }}
QPushButton {{ min-height: 40px; padding: 4px 14px; }}
QPushButton#eventButton {{ min-height: 54px; min-width: 150px; font-weight: bold; }}
QPushButton#eventButton[nextStep="true"] {{
    color: white; background: {NEXT_BLUE}; border: 3px solid {NEXT_BORDER}; border-radius: 4px;
}}
QPushButton#eventButton:disabled {{ color: #8a8a8a; }}
QLineEdit, QComboBox, QDateTimeEdit, QPlainTextEdit {{ min-height: 34px; }}
QLabel#fieldError, QLabel#formMessage {{ color: {ALERT_RED}; }}
QLabel#alertBanner {{ color: white; background: {ALERT_RED}; padding: 6px; font-weight: bold; }}
QLabel#warningBanner {{ color: black; background: {WARN_YELLOW}; padding: 6px; font-weight: bold; }}
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
QFrame#chartHeader {{ background: #eef3f8; border-bottom: 1px solid #9aa9b8; }}
QLabel#overdue {{ color: white; background: {ALERT_RED}; padding: 2px 6px; font-weight: bold; }}
QLabel#due {{ padding: 2px 6px; }}
"""


def apply_theme(app: QApplication) -> None:
    font = QFont(app.font())
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)
