"""Every screen and dialog fits a 1366x768 and a 1280x720 logical screen in the worst case.

The worst case: the alert banner and a notice showing, a 120-character patient name, a
1000-character allergy list, a 40-character MRN, and every error message visible (each form
is saved empty or with a refused value, so that its errors show). For each window it checks
that every visible control lies inside the window (controls in a scroll area: the scroll area
does), that the window lies inside the screen's available area, that Save/OK and Cancel are
shown whole outside any scroll area (reachable without scrolling), that no control is cut by
a widget it lies in (a column clipped at the side by its scroll area), and that where a patient
banner or identity strip exists it shows the full MRN, not elided.

How the screen size is emulated: Qt's offscreen platform reads its screens from a JSON file
given as a platform option (`QT_QPA_PLATFORM=offscreen:configfile=FILE`, see qtbase's
src/plugins/platforms/offscreen/qoffscreenintegration.cpp: "screens" with x, y, width,
height, logicalDpi, dpr). The screen is fixed when QApplication starts, and the test process
already has one (offscreen's default is 800x800), so `test_every_screen_fits_both_sizes`
runs `test_worst_cases_fit_this_screen` in one child pytest per size, both at once, with
that option set; the child checks that its screen is the one asked for. The screen is then
real for Qt: dialogs centre on it, `availableGeometry()` is it, nothing in the code is
patched.

Set KETACHART_SCREENSHOT_DIR=/some/dir to keep a PNG of every window at both sizes.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pkgutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

import ketachart.ui
from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind
from ketachart.domain.vocab import Role
from ketachart.errors import Approval, AuthenticationFailed
from ketachart.services import charting, patients, staff
from ketachart.services.clock_guard import ClockCheck
from ketachart.services.sign_in import MAX_FAILED_LOGINS, sign_in
from ketachart.services.staff import StaffRow
from ketachart.services.users import new_password
from ketachart.storage.workstation import Workstation as WorkstationId
from ketachart.ui.approvals_dialog import ApprovalsDialog
from ketachart.ui.chart_actions import ENTRY_ACTIONS, EntryAction
from ketachart.ui.chart_view import ChartView
from ketachart.ui.dialogs.correction_dialog import CorrectionDialog
from ketachart.ui.dialogs.discharge_dialog import RideDialog
from ketachart.ui.dialogs.vitals_dialog import VitalsDialog
from ketachart.ui.forms import EntryDialog
from ketachart.ui.login import LoginDialog
from ketachart.ui.main_window import MainWindow
from ketachart.ui.new_session_dialog import NewSessionDialog
from ketachart.ui.notice import NoticeKind
from ketachart.ui.password_dialog import ChangePasswordDialog
from ketachart.ui.patient_dialog import PatientDialog
from ketachart.ui.prompts import CredentialsDialog
from ketachart.ui.setup_dialog import SetupDialog
from ketachart.ui.signing_dialogs import AddendumDialog, PasswordDialog
from ketachart.ui.staff_dialogs import (
    AddStaffDialog,
    ChangeRoleDialog,
    DisableDialog,
    EnableDialog,
    ResetPasswordDialog,
)
from ketachart.ui.workstation import Workstation
from tests.support import PASSWORDS, Clinic, chart_to_discharged
from tests.ui.dialog_helpers import session_infusing, session_stopped
from tests.ui.test_review import correct_spo2_on_another_workstation

SCREENS = {"1366x768": (1366, 768), "1280x720": (1280, 720)}
CHILD_SCREEN = "KETACHART_GEOMETRY_SCREEN"
SCREENSHOTS = "KETACHART_SCREENSHOT_DIR"
CHILD_TIMEOUT_S = 240

LONG_FAMILY = "Wolfeschlegelsteinhausenbergerdorff-Oyelaran-Nakamura-Ødegård"[:60]
LONG_GIVEN = "Maximiliana Antonietta Josephine Ngozi Siobhán Aleksandra Lee"[:59]
LONG_MRN = "MRN-2026-0000-4711-WORSTCASE-ABCDEFGHIJ"
LONG_ALLERGIES = ", ".join(f"allergen number {n:03d} (rash)" for n in range(1, 40))[:1000]
ALERT_VITALS = p.Vitals(systolic=182, diastolic=110, heart_rate=131, resp_rate=8, spo2=89, moaas=1)
LONG_TEXT = (
    "This explanation is as long as the longest one a screen shows, so that it wraps over "
    "several lines and the buttons below it must still be reachable on a small screen. "
) * 3
ABSTRACT_DIALOGS = {
    "EntryDialog",
    "SessionDialog",
    "AttemptDialog",
    "_PumpDialog",
    "FormDialog",
    "ScreenFittedDialog",
    "CertifiedChangeDialog",
}
SETUP_FIELDS = {
    "clinic_name": "Lakeside Ketamine Clinic",
    "admin_username": "boss",
    "admin_name": "Ada Admin",
    "admin_password": "lantern-orbit-42",
    "admin_confirm": "lantern-orbit-42",
    "physician_username": "drz",
    "physician_name": "Zoë Zając",
    "physician_password": "maple-prism-58x",
    "physician_confirm": "maple-prism-58x",
}
"""A setup window filled in right but for the clinic key passphrase."""
MIN_TIMELINE_ROWS = {"1366x768": 10, "1280x720": 8}
"""Timeline rows the chart shows in the worst case (banners, notice, alerts, long name)."""
LONGEST_CLOCK_WARNING = ClockCheck(
    timedelta(days=-365, minutes=-7),
    datetime(2026, 3, 10, 14, 0, tzinfo=UTC),
    datetime(2027, 3, 10, 14, 7, tzinfo=UTC),
    against_server=False,
    other=WorkstationId(
        "0123456789ab", "Treatment bay 3, west wing, second floor, the workstation by the door"[:64]
    ),
)
CONTROLS = (QAbstractButton, QLineEdit, QAbstractSpinBox, QComboBox, QPlainTextEdit, QTextEdit)


# --- the parent: one child pytest per screen size -----------------------------------------
def screen_config(tmp_path: Path, size: tuple[int, int]) -> Path:
    screen = {"name": "Geometry", "x": 0, "y": 0, "width": size[0], "height": size[1]}
    screen |= {"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
    config = tmp_path / f"screen-{size[0]}x{size[1]}.json"
    config.write_text(json.dumps({"windowFrameMargins": True, "screens": [screen]}))
    return config


def test_every_screen_fits_both_sizes(tmp_path: Path) -> None:
    if os.environ.get(CHILD_SCREEN):
        pytest.skip("this is the child run for one screen size")
    root = Path(__file__).resolve().parents[2]
    children = {}
    for name, size in SCREENS.items():
        env = {
            **os.environ,
            CHILD_SCREEN: name,
            "QT_QPA_PLATFORM": f"offscreen:configfile={screen_config(tmp_path, size)}",
        }
        command = [
            sys.executable,
            "-m",
            "pytest",
            f"{Path(__file__).resolve()}::test_worst_cases_fit_this_screen",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            f"--basetemp={tmp_path / name}",
        ]
        children[name] = subprocess.Popen(
            command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    failures = []
    for name, child in children.items():
        output, _ = child.communicate(timeout=CHILD_TIMEOUT_S)
        if child.returncode != 0:
            failures.append(f"--- at {name} ---\n{output[-8000:]}")
    assert not failures, "\n".join(failures)


# --- the child: every window on this screen -------------------------------------------------
class Checker:
    """Checks each window as it is shown and remembers which dialog classes were covered."""

    def __init__(self, qtbot: QtBot, size: str, folder: Path | None) -> None:
        self.qtbot, self.size, self.folder = qtbot, size, folder
        self.covered: set[type] = set()
        self.problems: list[str] = []

    def check(self, name: str, window: QWidget, *, mrn: bool) -> None:
        for _pass in range(3):  # layouts settle over a few passes (labels that wrap)
            QApplication.processEvents()
        self.covered.add(type(window))
        found = [f"{name}: {text}" for text in window_problems(window, mrn=mrn)]
        self.problems.extend(found)
        if self.folder is not None:
            window.grab().save(str(self.folder / f"{self.size}-{name}.png"))

    def timeline_rows(self, name: str, chart: ChartView) -> None:
        """The chart's timeline shows at least MIN_TIMELINE_ROWS whole rows on this screen."""
        shown = timeline_rows_shown(chart)
        print(f"{self.size} {name}: {shown} timeline rows")
        if shown < MIN_TIMELINE_ROWS[self.size]:
            wanted = MIN_TIMELINE_ROWS[self.size]
            self.problems.append(f"{name}: the timeline shows {shown} rows, fewer than {wanted}")

    def dialog(self, name: str, dialog: QDialog, *, mrn: bool, fail: Callable[[], None]) -> None:
        """Check `dialog` as opened, then after `fail` made its errors show."""
        self.qtbot.addWidget(dialog)
        if isinstance(dialog, EntryDialog):
            dialog.ask_approvals = lambda _parent, _ws, _needed, _given=(): None
        dialog.open()
        self.qtbot.waitExposed(dialog)
        self.check(name, dialog, mrn=mrn)
        fail()
        if dialog.isVisible():
            self.check(f"{name}-errors", dialog, mrn=mrn)
        dialog.close()


def window_problems(window: QWidget, *, mrn: bool) -> Iterator[str]:
    screen = window.screen().availableGeometry()
    frame = window.frameGeometry()
    if not screen.contains(frame):
        yield f"window {rect_text(frame)} is not inside the screen {rect_text(screen)}"
    inside = window.rect()
    for control in window.findChildren(QWidget):
        if not isinstance(control, CONTROLS) or not control.isVisibleTo(window):
            continue
        shown = scroll_area_of(control, window) or control
        where = QRect(shown.mapTo(window, shown.rect().topLeft()), shown.size())
        if not inside.contains(where):
            yield f"{describe(control)} at {rect_text(where)} is outside {rect_text(inside)}"
        else:
            yield from cut_problems(control, window)
    yield from button_problems(window)
    for label in window.findChildren(QLabel):
        if label.wordWrap() and label.text() and label.isVisibleTo(window):
            needed = label.heightForWidth(label.width())
            if label.height() < needed:
                yield f"label {label.text()[:40]!r} is cut: {label.height()} < {needed} px"
    if mrn and not shows_full_mrn(window):
        yield f"no label shows the full MRN {LONG_MRN}"


def timeline_rows_shown(chart: ChartView) -> int:
    """Whole one-line rows the timeline's viewport holds (its rows are all one height)."""
    table = chart.table
    return table.viewport().height() // table.row_height()


def cut_problems(control: QWidget, window: QWidget) -> Iterator[str]:
    """A control cut by a widget it lies in: a column clipped by its scroll area (one that
    scrolls only up and down, so a control cut at its side cannot be reached), or by any other
    parent. Scrolled out of sight up or down is not cut: scrolling brings it back."""
    where = QRect(control.mapTo(window, QPoint(0, 0)), control.size())
    parent = control.parentWidget()
    while parent is not None and parent is not window:
        bounds = QRect(parent.mapTo(window, QPoint(0, 0)), parent.size())
        if is_viewport(parent):
            if where.left() < bounds.left() or where.right() > bounds.right():
                yield (
                    f"{describe(control)} at {rect_text(where)} is cut at the side by its "
                    f"scroll area {rect_text(bounds)}"
                )
                return
            top, bottom = max(where.top(), bounds.top()), min(where.bottom(), bounds.bottom())
            if top > bottom:
                return  # scrolled out of sight
            where = QRect(where.left(), top, where.width(), bottom - top + 1)
        elif not bounds.contains(where):
            yield (
                f"{describe(control)} at {rect_text(where)} is cut by its "
                f"{type(parent).__name__} {rect_text(bounds)}"
            )
            return
        parent = parent.parentWidget()


def is_viewport(widget: QWidget) -> bool:
    area = widget.parentWidget()
    return isinstance(area, QAbstractScrollArea) and area.viewport() is widget


def button_problems(window: QWidget) -> Iterator[str]:
    """Save/OK and Cancel: shown whole, outside any scroll area, inside the window."""
    for box in window.findChildren(QDialogButtonBox):
        if not box.isVisibleTo(window):
            continue
        for button in box.buttons():
            if scroll_area_of(button, window) is not None:
                yield f"{describe(button)} scrolls with the form"
            if button.width() < button.sizeHint().width() or not button.isVisibleTo(window):
                yield f"{describe(button)} is not shown whole"


def shows_full_mrn(window: QWidget) -> bool:
    for label in window.findChildren(QLabel):
        if LONG_MRN not in label.text() or not label.isVisibleTo(window):
            continue
        where = QRect(label.mapTo(window, label.rect().topLeft()), label.size())
        needed = label.fontMetrics().horizontalAdvance(label.text())
        if window.rect().contains(where) and (label.wordWrap() or label.width() >= needed):
            return True
    return False


def scroll_area_of(widget: QWidget, window: QWidget) -> QAbstractScrollArea | None:
    """The outermost scroll area `widget` scrolls in, below `window` (None: it does not)."""
    found = None
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        area = parent.parentWidget()
        if isinstance(area, QAbstractScrollArea) and area.viewport() is parent:
            found = area
        parent = parent.parentWidget()
    return found


def describe(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, (QAbstractButton, QLineEdit)) else ""
    return f"{type(widget).__name__} {widget.accessibleName() or text!r}"


def rect_text(rect: QRect) -> str:
    return f"({rect.x()},{rect.y()} {rect.width()}x{rect.height()})"


def dialog_classes() -> set[type]:
    """Every concrete dialog class of the application (a new one fails the test until it
    is opened here)."""
    for module in pkgutil.walk_packages(ketachart.ui.__path__, "ketachart.ui."):
        importlib.import_module(module.name)
    found: set[type] = set()
    todo: list[type] = [QDialog]
    while todo:
        cls = todo.pop()
        subclasses: list[type] = cls.__subclasses__()
        for sub in subclasses:
            todo.append(sub)
            if sub.__module__.startswith("ketachart.ui.") and sub.__name__ not in ABSTRACT_DIALOGS:
                found.add(sub)
    return found


def make_worst_patient(clinic: Clinic) -> None:
    details = patients.PatientDetails(
        LONG_MRN, LONG_FAMILY, LONG_GIVEN, date(1980, 2, 3), "female", LONG_ALLERGIES
    )
    clinic.patient = clinic.act(patients.update_patient, clinic.nurse, clinic.patient.id, details)


def wrong_password(_password: str) -> object:
    raise AuthenticationFailed("Wrong password. Nothing was signed; try again.")


def type_into(dialog: QDialog, values: dict[str, str]) -> Callable[[], None]:
    """Fill fields of an entry dialog with these texts, then press Save."""

    def fail() -> None:
        assert isinstance(dialog, EntryDialog)
        for name, text in values.items():
            edit = dialog.field(name)
            assert isinstance(edit, QLineEdit)
            edit.setText(text)
        dialog.accept()

    return fail


def press_ok(dialog: QDialog, fill: Callable[[], None] = lambda: None) -> Callable[[], None]:
    def fail() -> None:
        fill()
        dialog.accept()

    return fail


def entry_session(action: EntryAction, sessions: dict[str, str]) -> str:
    fresh = {EventKind.PRE_CHECKS, EventKind.IV_START, EventKind.INFUSION_START}
    stopped = {
        EventKind.RECOVERY_CHECK,
        EventKind.IV_REMOVED,
        EventKind.CONTROLLED_SUBSTANCE,
        None,
    }
    if action.kind in fresh:
        return sessions["fresh"]
    if action.kind in stopped and action.key != "P":
        return sessions["stopped"]
    return sessions["infusing"]


def check_main_window(check: Checker, ws: Workstation, sessions: dict[str, str]) -> MainWindow:
    window = MainWindow(ws)
    check.qtbot.addWidget(window)
    window.start_shift(ws.actor)
    window.read_only_banner.show()  # the worst case: a banner above every screen
    window.show()
    check.qtbot.waitExposed(window)
    check.check("board", window, mrn=False)
    window.clock_banner.show_status(LONGEST_CLOCK_WARNING)  # the clock banner's longest text
    check.check("board-clock-banner", window, mrn=False)
    window.clock_banner.show_status(None)
    window.show_patients()
    check.check("patients", window, mrn=False)
    window.show_review()
    check.check("review", window, mrn=False)
    for name in ("fresh", "stopped", "infusing"):
        chart = window.open_chart(sessions[name])
        chart.show_notice(LONG_TEXT, NoticeKind.WARNING)
        check.check(f"chart-{name}", window, mrn=True)
        check.timeline_rows(f"chart-{name}", chart)
    chart.notice.details.click()  # the whole notice, opened at the nurse's request
    check.check("chart-notice-open", window, mrn=True)
    chart.notice.details.click()
    popup = chart.header.banner.allergies.open_popup()  # the full allergy list, one click away
    check.qtbot.waitExposed(popup)
    check.check("allergy-popup", popup, mrn=False)
    popup.close()
    return window


def check_entry_dialogs(check: Checker, window: MainWindow, sessions: dict[str, str]) -> None:
    charts: dict[str, ChartView] = {}
    for action in ENTRY_ACTIONS:
        session_id = entry_session(action, sessions)
        chart = charts.get(session_id)
        if chart is None or chart is not window.chart:
            chart = charts[session_id] = window.open_chart(session_id)
        for state_name, state in (("", chart.view.state),):
            factory = action.factory(state)
            dialog = factory(window.ws, session_id, chart)
            name = f"entry-{action.label.replace(' / ', '-').replace(' ', '-').lower()}{state_name}"
            check.dialog(name, dialog, mrn=True, fail=press_ok(dialog))


def test_worst_cases_fit_this_screen(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, themed: None, sqlite_url: str
) -> None:
    size = os.environ.get(CHILD_SCREEN)
    if not size:
        pytest.skip("run by test_every_screen_fits_both_sizes on an emulated screen")
    screen = QApplication.primaryScreen().availableGeometry()
    assert (screen.width(), screen.height()) == SCREENS[size], "the screen option was ignored"
    folder = Path(os.environ[SCREENSHOTS]) if os.environ.get(SCREENSHOTS) else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    check = Checker(qtbot, size, folder)
    clinic = ui_clinic
    make_worst_patient(clinic)
    sessions = {
        "fresh": clinic.open_session(),
        "stopped": session_stopped(clinic),
        "infusing": session_infusing(clinic),
    }
    clinic.chart_reading(clinic.nurse, sessions["infusing"], ALERT_VITALS)
    paused = session_infusing(clinic)
    clinic.act(charting.chart, clinic.nurse, paused, p.Pause("Nausea"))
    sessions["paused"] = paused
    window = check_main_window(check, ws, sessions)
    check_entry_dialogs(check, window, sessions)
    check_other_dialogs(check, ws, clinic, window, sessions)
    check_review_refusal(check, clinic, window, sqlite_url)
    check_staff_screen(check, ws, clinic, window)
    window.lock()
    window.lock_screen.try_unlock()
    check.check("lock-screen", window, mrn=False)
    missing = {cls.__name__ for cls in dialog_classes() - check.covered}
    assert not missing, f"dialogs not opened by the geometry test: {sorted(missing)}"
    assert not check.problems, "\n".join(check.problems)


def check_acknowledge_prompt(
    check: Checker, ws: Workstation, chart: ChartView, session_id: str
) -> None:
    """The abnormal-vitals prompt over the vitals dialog that raised it: every alert named,
    then the error of an OK with no response chosen."""
    vitals = VitalsDialog(ws, session_id, chart)
    check.qtbot.addWidget(vitals)
    vitals.open()
    vitals.quick.setText("182/110 131 8 89")
    vitals.accept()
    prompt = vitals.acknowledge_prompt
    assert prompt is not None  # the vitals dialog owns it and deletes it when it closes
    check.qtbot.waitExposed(prompt)
    check.check("acknowledge", prompt, mrn=True)
    prompt.accept()  # no response chosen: it says so and stays open
    check.check("acknowledge-errors", prompt, mrn=True)
    prompt.reject()
    vitals.close()


def check_other_dialogs(
    check: Checker, ws: Workstation, clinic: Clinic, window: MainWindow, sessions: dict[str, str]
) -> None:
    chart = window.open_chart(sessions["paused"])
    resume = ENTRY_ACTIONS[[a.key for a in ENTRY_ACTIONS].index("P")]
    dialog = resume.factory(chart.view.state)(ws, sessions["paused"], chart)
    check.dialog("entry-resume", dialog, mrn=True, fail=press_ok(dialog))
    chart = window.open_chart(sessions["infusing"])
    vitals = next(e for e in chart.view.events if e.kind is EventKind.VITALS)
    correction = CorrectionDialog(ws, sessions["infusing"], vitals, None, chart)
    check.dialog("correction", correction, mrn=True, fail=press_ok(correction))
    check_acknowledge_prompt(check, ws, chart, sessions["infusing"])
    chart = window.open_chart(sessions["stopped"])
    ride = RideDialog(ws, sessions["stopped"], chart)
    check.dialog("ride", ride, mrn=True, fail=type_into(ride, {"phone": "12"}))
    needed = tuple(
        Approval(f"code_{n}", LONG_TEXT[: 80 + 40 * n], physician=n % 2 == 0) for n in range(6)
    )
    approvals = ApprovalsDialog(chart, ws, needed)
    check.dialog("approvals", approvals, mrn=False, fail=press_ok(approvals))
    password = PasswordDialog(chart, "Attest your charting", LONG_TEXT, "Attest", wrong_password)
    password.password.setText("wrong")
    check.dialog("password", password, mrn=False, fail=press_ok(password))
    addendum = AddendumDialog(chart, "Add an addendum", LONG_TEXT, wrong_password)
    addendum.text.setPlainText(LONG_TEXT)
    check.dialog("addendum", addendum, mrn=False, fail=press_ok(addendum))
    roles = (Role.PHYSICIAN,)
    credentials = CredentialsDialog(chart, ws, "Witness", LONG_TEXT, "witness", roles)
    check.dialog("credentials", credentials, mrn=False, fail=press_ok(credentials))
    new_session = NewSessionDialog(ws, clinic.patient.id, window)
    check.dialog(
        "new-session",
        new_session,
        mrn=True,
        fail=type_into(new_session, {"weight_kg": str(Decimal(700))}),
    )
    warned = NewSessionDialog(ws, clinic.patient.id, window)

    def weight_warning() -> None:
        warned.protocol.setCurrentIndex(0)
        warned.chair.setEditText("Chair 1")
        warned.weight.setText("150")  # 70 kg last time: "check the weight", then the plan
        warned.accept()

    check.dialog("new-session-warning", warned, mrn=False, fail=weight_warning)
    register = PatientDialog(ws, None, window)
    check.dialog("register", register, mrn=False, fail=press_ok(register))
    edit = PatientDialog(ws, clinic.patient, window)
    check.dialog("edit-patient", edit, mrn=False, fail=type_into(edit, {"mrn": ""}))
    login = LoginDialog(ws, None)
    login.password.setText("wrong")
    check.dialog("login", login, mrn=False, fail=press_ok(login))
    setup = SetupDialog(ws, None)
    check.dialog("setup", setup, mrn=False, fail=press_ok(setup))
    check_setup_key(check, ws)


def check_setup_key(check: Checker, ws: Workstation) -> None:
    """The setup window's clinic key passphrase, scrolled to and refused; then, once set up,
    the clinic key's fingerprint."""
    key = SetupDialog(ws, None)

    def short_passphrase() -> None:
        """Everything else right: the passphrase's error is the first, and focused."""
        for name, text in SETUP_FIELDS.items():
            key.edits[name].setText(text)
        key.edits["clinic_passphrase"].setText("short")
        key.accept()

    check.dialog("setup-key", key, mrn=False, fail=short_passphrase)
    done = SetupDialog(ws, None)
    check.qtbot.addWidget(done)
    done.open()
    check.qtbot.waitExposed(done)
    done.show_fingerprint()
    check.check("setup-done", done, mrn=False)
    done.close()


def add_worst_staff(clinic: Clinic) -> StaffRow:
    """An account with the longest name, user name and credentials, that must change its
    password and is locked: every column at its widest."""
    long_name = f"{LONG_GIVEN} {LONG_FAMILY}"[:120]
    username = ("maximiliana.wolfeschlegelsteinhausenbergerdorff-" * 2)[:64]
    row = clinic.act(
        staff.add_staff,
        clinic.admin,
        username,
        long_name,
        "RN, BSN, CCRN, CEN, CPEN, TCRN, NE-BC, MSN"[:40],
        Role.NURSE,
        new_password(staff.new_temporary_password()),
        clinic_key=clinic.clinic_key,
    )
    for _ in range(MAX_FAILED_LOGINS):
        with contextlib.suppress(AuthenticationFailed):
            sign_in(clinic.db, username, "not the password at all")
    sign_in(clinic.db, clinic.admin.username, PASSWORDS["admin"])  # a last sign-in shown
    return row


def check_review_refusal(check: Checker, clinic: Clinic, window: MainWindow, url: str) -> None:
    """The review screen after Sign was refused because another workstation corrected the
    chart meanwhile: the warning, and the timeline with the new entry marked."""
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id, with_vitals=True)
    window.start_shift(clinic.physician)
    view = window.show_review()
    view.refresh()
    assert view.select_session(session_id)
    prompt = view.sign()
    assert prompt is not None
    correct_spo2_on_another_workstation(clinic, url, session_id)
    prompt.password.setText(PASSWORDS["drm"])
    prompt.accept()
    assert not prompt.isVisible(), prompt.message.text()
    check.check("review-chart-changed", window, mrn=False)


def check_staff_screen(check: Checker, ws: Workstation, clinic: Clinic, window: MainWindow) -> None:
    """The administrator's staff screen with the widest account selected, each account
    dialog opened and refused, and the password dialogs."""
    row = add_worst_staff(clinic)
    window.start_shift(clinic.admin)
    view = window.show_staff()
    view.notice.show_message(LONG_TEXT, NoticeKind.SUCCESS)
    view.select(row.id)
    check.check("staff", window, mrn=False)
    add = AddStaffDialog(ws, view)
    check.dialog("add-staff", add, mrn=False, fail=press_ok(add))
    reset = ResetPasswordDialog(ws, row, view)
    reset.password.edit.setText("short")
    check.dialog("reset-password", reset, mrn=False, fail=press_ok(reset))
    role = ChangeRoleDialog(ws, row, view)
    check.dialog("change-role", role, mrn=False, fail=press_ok(role))
    wrong = ChangeRoleDialog(ws, row, view)

    def wrong_passphrase() -> None:
        wrong.role.set_value(Role.PHYSICIAN)
        wrong.passphrase.edit.setText("not the clinic passphrase")

    check.dialog("clinic-passphrase", wrong, mrn=False, fail=press_ok(wrong, wrong_passphrase))
    own = next(r for r in view.model.rows() if r.id == clinic.admin.id)
    disable = DisableDialog(ws, own, view)
    check.dialog("disable-staff", disable, mrn=False, fail=press_ok(disable))
    enable = EnableDialog(ws, replace(row, active=False), view)
    check.dialog("enable-staff", enable, mrn=False, fail=press_ok(enable))
    forced = ChangePasswordDialog(ws, clinic.nurse, None, forced=True, current="temporary")
    forced.new.setText("password")
    forced.repeat.setText("passwort")
    check.dialog("choose-password", forced, mrn=False, fail=press_ok(forced))
    change = ChangePasswordDialog(ws, clinic.admin, window)
    check.dialog("change-password", change, mrn=False, fail=press_ok(change))


def test_entry_dialogs_show_whose_chart_it_is(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, themed: None
) -> None:
    """An entry dialog opened from a chart names its patient (the chart's rows, no query):
    the name cut to fit with the whole of it in the tooltip, the MRN whole."""
    make_worst_patient(ui_clinic)
    chart = ChartView.open(ws, ui_clinic.open_session())
    qtbot.addWidget(chart)
    vitals = next(a for a in ENTRY_ACTIONS if a.kind is EventKind.VITALS)
    dialog = chart.open_entry(vitals)
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    strip = dialog.identity
    assert strip.isVisible()
    assert strip.mrn.text() == f"MRN {LONG_MRN}"
    assert strip.name.text().endswith("…")
    assert f"{LONG_FAMILY}, {LONG_GIVEN}" in strip.name.toolTip()
    dialog.reject()
