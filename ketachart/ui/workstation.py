"""What every screen is handed: the database, the workstation's settings and who is logged in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Concatenate, ParamSpec, TypeVar

from PySide6.QtCore import QObject, QSettings, Signal

from ketachart.services.actors import Actor
from ketachart.services.changes import Changes, changes_of
from ketachart.services.sign_in import PasswordProof, SignedIn, prove_password, sign_in
from ketachart.storage.database import Database, Tx

P = ParamSpec("P")
R = TypeVar("R")


class Workstation(QObject):
    """The context a window works in. Not global: app.py makes one and passes it down."""

    actor_changed = Signal()
    changed = Signal(Changes)
    """Emitted after an action committed, with what it changed (open screens refresh)."""

    def __init__(
        self, db: Database, settings: QSettings, demo_accounts: Sequence[tuple[str, str, str]] = ()
    ) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.demo_accounts = tuple(demo_accounts)
        self._actor: Actor | None = None

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            raise RuntimeError("nobody is logged in")
        return self._actor

    @property
    def logged_in(self) -> bool:
        return self._actor is not None

    def set_actor(self, actor: Actor | None) -> None:
        self._actor = actor
        self.actor_changed.emit()

    def now(self) -> datetime:
        return self.db.clock.now()

    def act(
        self, fn: Callable[Concatenate[Tx, Actor, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """One user action as one transaction, as the logged-in user. Once it has committed,
        `changed` tells the open screens what it changed."""
        with self.db.transaction() as tx:
            result = fn(tx, self.actor, *args, **kwargs)
        self._announce(changes_of(tx))
        return result

    def _announce(self, changes: Changes) -> None:
        if changes:
            self.changed.emit(changes)

    def run(self, fn: Callable[Concatenate[Tx, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
        """One action as one transaction by no logged-in user (the first-run setup)."""
        with self.db.transaction() as tx:
            result = fn(tx, *args, **kwargs)
        self._announce(changes_of(tx))
        return result

    def sign_in(self, username: str, password: str, purpose: str = "login") -> SignedIn:
        """Someone signs in (logging in, unlocking, another user for one purpose); the
        password is checked outside any transaction (services.sign_in)."""
        return sign_in(self.db, username.strip(), password, purpose=purpose)

    def prove(self, password: str, purpose: str) -> PasswordProof:
        """The logged-in user types their password again, for one action (to sign, attest)."""
        return prove_password(self.db, self.actor, password, purpose=purpose)

    def query(self, fn: Callable[Concatenate[Tx, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Read without acting as anyone (lists, lookups)."""
        with self.db.reading() as tx:
            return fn(tx, *args, **kwargs)
