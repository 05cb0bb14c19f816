"""The main window only assembles the screens and the actions between them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain.vocab import Role
from ketachart.services.actors import Actor
from ketachart.ui.board_view import BoardView
from ketachart.ui.clock_banner import ClockBanner
from ketachart.ui.lock import HiddenDialogs, InactivityWatcher
from ketachart.ui.lock_screen import LockScreen
from ketachart.ui.new_session_dialog import NewSessionDialog
from ketachart.ui.patients_view import PatientsView
from ketachart.ui.widgets import keep_on_screen, named_label, plain_label
from ketachart.ui.workstation import Workstation

if TYPE_CHECKING:
    from ketachart.services.integrity import FullCheckStatus
    from ketachart.ui.chart_view import ChartView
    from ketachart.ui.password_dialog import ChangePasswordDialog
    from ketachart.ui.review_view import ReviewView
    from ketachart.ui.staff_view import StaffView

READ_ONLY_BANNER = (
    "Read-only: this database file cannot be written. You can look, but nothing can be "
    "charted. Ask IT to check the file's permissions."
)


class MainWindow(QMainWindow):
    def __init__(self, ws: Workstation) -> None:
        super().__init__()
        self.ws = ws
        self.setWindowTitle("ketachart")
        self.stack = QStackedWidget()
        # A screen whose content asks for more room than the screen has must not grow the
        # window past it (it would stay that size, hiding buttons for the rest of the shift):
        # the screens lay out within the window's size, whatever their own minimum.
        self.stack.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setCentralWidget(self._under_banner(self.stack))
        self.board = BoardView(ws)
        self.patients = PatientsView(ws)
        self.lock_screen = LockScreen(ws)
        for page in (self.board, self.patients, self.lock_screen):
            self.stack.addWidget(page)
        self.chart: ChartView | None = None
        self.review: ReviewView | None = None
        self.staff: StaffView | None = None
        self.password_dialog: ChangePasswordDialog | None = None
        self.hidden = HiddenDialogs()
        self.watcher = InactivityWatcher(ws, self)
        self.user_label = plain_label()
        self.full_check: FullCheckStatus | None = None
        self._connect()
        self._make_toolbar()
        self._restore_layout()

    def show_full_check(self, status: FullCheckStatus) -> None:
        """The full integrity check's result (ui.full_check): when it last passed on the
        staff screen, where the administrator sees it; a failure on a banner, for everyone
        (nothing more can be saved)."""
        self.full_check = status
        self.damaged_banner.setText(status.describe())
        self.damaged_banner.setVisible(status.failed is not None)
        if self.staff is not None:
            self.staff.show_full_check(status)

    def _under_banner(self, screens: QWidget) -> QWidget:
        """The screens, under banners that stay while the database cannot be written (or was
        found damaged) or this workstation's clock is behind."""
        self.read_only_banner = named_label("warningBanner", self.tr(READ_ONLY_BANNER))
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setVisible(self.ws.db.read_only)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.read_only_banner)
        self.damaged_banner = named_label("warningBanner")
        self.damaged_banner.setWordWrap(True)
        self.damaged_banner.setVisible(False)
        layout.addWidget(self.damaged_banner)
        self.clock_banner = ClockBanner(self.ws)
        layout.addWidget(self.clock_banner)
        layout.addWidget(screens)
        return box

    def _connect(self) -> None:
        self.board.open_session_requested.connect(self.open_chart)
        self.board.new_session_requested.connect(lambda: self.new_session(None))
        self.patients.new_session_requested.connect(self.new_session)
        self.lock_screen.unlocked.connect(self._on_lock_screen_unlocked)
        self.watcher.expired.connect(self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.watcher)

    def _make_toolbar(self) -> None:
        bar = QToolBar(self.tr("Screens"))
        self.toolbar = bar
        bar.setMovable(False)
        bar.setObjectName("screens")
        self.addToolBar(bar)
        self.nav_actions = [
            self._action(bar, self.tr("Today's board"), "F2", self.show_board),
            self._action(bar, self.tr("Patients"), "F3", self.show_patients),
            self._action(bar, self.tr("Review"), "F4", self.show_review),
            self._action(bar, self.tr("New session"), "Ctrl+N", lambda: self.new_session(None)),
        ]
        self.staff_action = self._action(bar, self.tr("Staff"), "F5", self.show_staff)
        self._action(bar, self.tr("Lock"), "Ctrl+L", self.lock)
        bar.addWidget(self.user_label)
        self.password_action = self._action(
            bar, self.tr("Password"), "Ctrl+Shift+P", self.change_password
        )  # short: at 1280 px a physician's name left no room for "Change password"
        self.password_action.setToolTip(self.tr("Change your password"))

    def _action(self, bar: QToolBar, text: str, key: str, slot: object) -> QAction:
        action = QAction(f"{text} ({key})", self)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(slot)
        bar.addAction(action)
        return action

    def start_shift(self, actor: Actor) -> None:
        self.ws.set_actor(actor)
        self.user_label.setText(f"  {actor.signature_name} ({actor.role.value})")
        clinical = actor.role is not Role.ADMIN
        for action in self.nav_actions:
            action.setEnabled(clinical)
        self.staff_action.setEnabled(not clinical)
        if clinical:
            self.show_board()
        else:
            self.show_staff()
        self.clock_banner.check()
        self.watcher.arm()

    def show_board(self) -> None:
        """The board reloads as it is shown; if it is showing already, reload it here."""
        if self.stack.currentWidget() is self.board:
            self.board.refresh()
        self.stack.setCurrentWidget(self.board)

    def show_patients(self) -> None:
        self.stack.setCurrentWidget(self.patients)

    def show_review(self) -> ReviewView:
        """The review queue: physicians sign there; nurses may read, export and print."""
        from ketachart.ui.review_view import ReviewView  # the report layer loads when needed

        if self.review is None:
            self.review = ReviewView(self.ws)
            self.stack.addWidget(self.review)
        self.stack.setCurrentWidget(self.review)
        return self.review

    def show_staff(self) -> StaffView:
        """The administrator's staff accounts (read again as the screen is shown)."""
        from ketachart.ui.staff_view import StaffView

        if self.staff is None:
            self.staff = StaffView(self.ws)
            self.stack.addWidget(self.staff)
            if self.full_check is not None:
                self.staff.show_full_check(self.full_check)
        if self.stack.currentWidget() is self.staff:
            self.staff.refresh()
        self.stack.setCurrentWidget(self.staff)
        return self.staff

    def change_password(self) -> ChangePasswordDialog | None:
        """The signed-in user changes their own password."""
        from ketachart.ui.password_dialog import ChangePasswordDialog

        if not self.ws.logged_in or self.stack.currentWidget() is self.lock_screen:
            return None
        dialog = ChangePasswordDialog(self.ws, self.ws.actor, self)
        self.password_dialog = dialog
        dialog.accepted.connect(self._on_password_changed)
        dialog.open()
        return dialog

    def _on_password_changed(self) -> None:
        self.user_label.setText(
            self.tr("  %s (%s) — password changed")
            % (self.ws.actor.signature_name, self.ws.actor.role.value)
        )

    def open_chart(self, session_id: str) -> ChartView:
        from ketachart.ui.chart_view import ChartView  # pyqtgraph loads only when needed

        self._close_chart()
        self.chart = ChartView.open(self.ws, session_id)
        self.chart.back_requested.connect(self.show_board)
        self.stack.addWidget(self.chart)
        self.stack.setCurrentWidget(self.chart)
        return self.chart

    def _close_chart(self) -> None:
        if self.chart is not None:
            self.stack.removeWidget(self.chart)
            self.chart.deleteLater()
            self.chart = None

    def new_session(self, patient_id: int | None) -> NewSessionDialog:
        """Open the new-session dialog; when it saves, its chart opens."""
        dialog = NewSessionDialog(self.ws, patient_id, self)
        dialog.accepted.connect(lambda: self._on_session_opened(dialog))
        dialog.open()
        return dialog

    def _on_session_opened(self, dialog: NewSessionDialog) -> None:
        loaded = dialog.result_value
        if loaded is not None:
            self.open_chart(loaded.row.id)

    def lock(self) -> None:
        """Hide everything clinical (open dialogs keep their input) and ask to sign in."""
        if self.stack.currentWidget() is self.lock_screen or not self.ws.logged_in:
            return
        self._page_before_lock: QWidget = self.stack.currentWidget() or self.board
        self.hidden.hide_all(self)
        self.watcher.disarm()
        self.lock_screen.prepare(self.ws.actor.username)
        self.stack.setCurrentWidget(self.lock_screen)
        self.toolbar.setEnabled(False)

    def _on_lock_screen_unlocked(self, actor: Actor) -> None:
        if actor.id == self.ws.actor.id:
            self.stack.setCurrentWidget(self._page_before_lock)
            self.hidden.restore()
        else:
            self.hidden.discard()
            self._close_chart()
            self.start_shift(actor)
        self.toolbar.setEnabled(True)
        self.watcher.arm()

    def _restore_layout(self) -> None:
        """The size and place of the last shift, or the whole screen's available area; a
        geometry saved on a larger screen is brought within this one when shown."""
        geometry = self.ws.settings.value("window/geometry")
        if not (isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)):
            self.resize(self.screen().availableGeometry().size())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        keep_on_screen(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.ws.settings.setValue("window/geometry", self.saveGeometry())
        self.ws.settings.sync()
        super().closeEvent(event)
