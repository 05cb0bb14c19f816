"""How a caller (a screen, the command line, the demo, a test) runs one user action: one
transaction, opened and committed by the caller, in which the services are called as
`service(tx, actor, ...)`. This is not a service itself: it is the caller's side of the
convention, kept in one place because of the one thing a rollback must not lose.

A refused password (a login, an unlock, a signature, a witness) fails the action, so the
action's transaction rolls back; yet the failure must be audited and counted towards the
lock-out. The services raise PasswordRejected without writing it; `user_action` then records
it in a small transaction of its own and raises the refusal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ketachart.services.users import PasswordRejected, record_failed_attempt
from ketachart.storage.database import Database, Tx


@contextmanager
def user_action(db: Database) -> Iterator[Tx]:
    """One user action as one transaction, committed when the block ends, rolled back on
    any error; a rejected password is then recorded on its own and the refusal raised."""
    try:
        with db.transaction() as tx:
            yield tx
    except PasswordRejected as rejected:
        with db.transaction() as tx:
            record_failed_attempt(tx, rejected.attempt)
        raise
