"""The error hierarchy. Every error a user can act on says what is wrong and what to do."""

from __future__ import annotations

from dataclasses import dataclass


class KetachartError(Exception):
    """Root of every error ketachart raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldProblem:
    """One invalid value: the field it belongs to and what is allowed."""

    field: str
    message: str


class ValidationError(KetachartError):
    """One or more typed values are invalid; each problem names its field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = tuple(problems)

    @classmethod
    def single(cls, field: str, message: str) -> ValidationError:
        return cls([FieldProblem(field, message)])


@dataclass(frozen=True)
class Approval:
    """One confirmation or override an action needs before it may be saved. `physician`:
    only a physician may approve it (an override); otherwise the user confirms (a reason)."""

    code: str
    message: str
    physician: bool = False


class ApprovalRequired(KetachartError):
    """The action needs confirmations or overrides; `needed` lists every one of them, so a
    dialog can ask for all at once (a reason each, one physician sign-in)."""

    def __init__(self, code: str, message: str, needed: tuple[Approval, ...] = ()) -> None:
        self.needed = needed or (Approval(code, message, isinstance(self, OverrideRequired)),)
        super().__init__(" ".join(a.message for a in self.needed))
        self.code = self.needed[0].code

    @staticmethod
    def of(needed: tuple[Approval, ...]) -> ApprovalRequired:
        """The error for a non-empty list: an override if any item needs a physician."""
        first = needed[0]
        if any(a.physician for a in needed):
            return OverrideRequired(first.code, first.message, needed)
        return ConfirmationRequired(first.code, first.message, needed)


class ConfirmationRequired(ApprovalRequired):
    """A value is allowed but unusual: the user must confirm it with a reason."""


class OverrideRequired(ApprovalRequired):
    """A rule blocks the action; only a physician may override it, with a reason."""


class AcknowledgementRequired(KetachartError):
    """A reading raises alerts and the entry does not acknowledge them: the nurse says what
    was done about them (a response), saved as part of the same entry. `alerts` are the
    reading's alerts in words, `codes` their codes (every alert of the reading, in order)."""

    def __init__(self, codes: tuple[str, ...], alerts: tuple[str, ...]) -> None:
        super().__init__(
            "These vitals raise alerts; acknowledge them and record the response: "
            + "; ".join(alerts)
            + "."
        )
        self.codes = codes
        self.alerts = alerts


class RuleViolation(KetachartError):
    """The action is not allowed in the session's current state (order of events)."""


class SessionLocked(RuleViolation):
    """The session is signed; only an addendum can add to it."""


class PermissionDenied(KetachartError):
    """The acting user's role does not allow this action."""


class AuthenticationFailed(KetachartError):
    """Wrong user name or password, or the account is locked."""


class NotFound(KetachartError):
    """A named record does not exist."""


class ConflictError(KetachartError):
    """Someone else changed the same thing first; reload and try again."""


class StorageError(KetachartError):
    """The database could not be opened, read or written."""


class BadDatabaseUrl(StorageError):
    """The database URL cannot be used (not a URL, not SQLite or PostgreSQL); the command line
    says where it came from (--db, KETACHART_DATABASE_URL)."""


class DatabaseDamaged(StorageError):
    """The database failed its integrity check and must not be written to."""
