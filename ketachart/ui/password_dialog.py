"""Choosing a new password: after signing in with a temporary one (nothing else opens until it
is done; cancelling signs out), or whenever a user wants to change their own."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QWidget

from ketachart.domain.passwords import MIN_PASSWORD_LENGTH
from ketachart.errors import AuthenticationFailed, FieldProblem, ValidationError
from ketachart.services.actors import Actor
from ketachart.services.sign_in import SignedIn, change_own_password
from ketachart.ui.form_dialog import FormDialog
from ketachart.ui.widgets import secret_edit
from ketachart.ui.workstation import Workstation

POLICY = (
    "A new password has at least {n} characters, is not a common password, and does not "
    "contain your user name, your name or the clinic's name. Spaces are allowed: a few "
    "words you remember make a good one."
)
FORCED = "Your password was set by an administrator. Choose your own before you start. "


class ChangePasswordDialog(FormDialog):
    """Current password, new password, the new one again. `forced`: the first sign-in with a
    temporary password (Cancel then means signing out, and says so)."""

    def __init__(
        self,
        ws: Workstation,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        forced: bool = False,
        current: str = "",
    ) -> None:
        policy = self.tr(POLICY).format(n=MIN_PASSWORD_LENGTH)
        super().__init__(
            parent,
            self.tr("Choose a new password" if forced else "Change your password"),
            (self.tr(FORCED) if forced else "") + policy,
            self.tr("Save new password"),
        )
        self.ws, self.actor, self.forced = ws, actor, forced
        label = "Temporary password" if forced else "Current password"
        self.current: QLineEdit = secret_edit(self.tr(label))
        self.current.setText(current)
        self.new: QLineEdit = secret_edit(self.tr("New password"))
        self.repeat: QLineEdit = secret_edit(self.tr("New password again"))
        self.add_field("current_password", self.tr(label), self.current)
        self.add_field("new_password", self.tr("New password"), self.new)
        self.add_field("repeat", self.tr("New password again"), self.repeat)
        if forced:
            cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
            if cancel is not None:
                cancel.setText(self.tr("Sign out"))
        self.finish_form(self.new if current else self.current)

    def attempt(self) -> None:
        problems = self._typing_problems()
        if problems:
            raise ValidationError(problems)
        try:
            change_own_password(self.ws.db, self.actor, self.current.text(), self.new.text())
        except AuthenticationFailed as refused:
            self.current.clear()
            raise ValidationError.single("current_password", refused.message) from None

    def _typing_problems(self) -> list[FieldProblem]:
        """What can be told before asking the service: empty boxes, the two not the same."""
        found = []
        if not self.current.text():
            found.append(FieldProblem("current_password", self.tr("Type your present password.")))
        if not self.new.text():
            found.append(FieldProblem("new_password", self.tr("Type the new password.")))
        elif self.repeat.text() != self.new.text():
            found.append(
                FieldProblem("repeat", self.tr("This is not the same as the new password."))
            )
        return found


def continue_signed_in(
    parent: QWidget,
    ws: Workstation,
    signed: SignedIn,
    password: str,
    proceed: Callable[[Actor], None],
    signed_out: Callable[[], None],
) -> ChangePasswordDialog | None:
    """After a sign-in (login, unlock): go on at once with a password of the person's own;
    with a temporary one, first the "Choose a new password" dialog (returned, open), and go on
    only when it is saved; its Cancel signs out (`signed_out`)."""
    if not signed.must_change_password:
        proceed(signed.actor)
        return None
    dialog = ChangePasswordDialog(ws, signed.actor, parent, forced=True, current=password)
    dialog.accepted.connect(lambda: proceed(signed.actor))
    dialog.rejected.connect(signed_out)
    dialog.open()
    return dialog
