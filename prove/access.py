"""Access: every service call tried as every role (nurse, physician, admin); only the allowed
ones may succeed, and the refused ones must be refused by the permission check. Privilege
changes, logins and failed logins must each leave their audit entry.

The table of calls is tests/storage/test_roles.py's, extended here with the reading and
exporting calls (PDF export, printing, the on-screen summary, the board, the review queue,
the session list). Each role runs on its own new clinic, on SQLite and (when a server is
configured) on PostgreSQL.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ketachart.domain.vocab import Role
from ketachart.errors import AuthenticationFailed, OverrideRequired, PermissionDenied
from ketachart.models import AuditEntry
from ketachart.reports.export import export_session_pdf, print_session_pdf, session_summary
from ketachart.services import board, review, sessions, staff, users
from ketachart.services.actors import Actor
from ketachart.services.sign_in import MAX_FAILED_LOGINS, UNKNOWN_USER, sign_in
from ketachart.services.users import new_password
from prove import Figure
from prove.sample import new_clinic, postgres_server, scratch_postgres
from tests.storage.test_roles import ADMIN, CALLS, CLINICAL, RoleCall, session_at
from tests.support import PASSWORDS, Clinic, chart_to_discharged

AREA = "access"


def _spooled(*_args: Any, **_kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Stands in for `lp`: the spooler takes the job."""
    return subprocess.CompletedProcess(["lp"], 0, "request id is Front_Desk-1 (1 file(s))", "")


def _export(c: Clinic, a: Actor) -> object:
    sid = session_at(c, chart_to_discharged)
    with tempfile.TemporaryDirectory() as folder:
        return export_session_pdf(c.db, a, sid, Path(folder) / "summary.pdf")


EXTRA_CALLS: dict[str, tuple[frozenset[Role], RoleCall]] = {
    "export pdf": (CLINICAL, _export),
    "print": (
        CLINICAL,
        lambda c, a: print_session_pdf(c.db, a, session_at(c), "Front_Desk", run=_spooled),
    ),
    "on-screen summary": (CLINICAL, lambda c, a: session_summary(c.db, a, session_at(c))),
    "board": (
        CLINICAL,
        lambda c, a: c.act(board.board_rows, a, c.clock.now().date(), c.clock.now()),
    ),
    "review queue": (CLINICAL, lambda c, a: c.act(review.review_queue, a)),
    "list sessions": (CLINICAL, lambda c, a: c.act(sessions.list_sessions, a)),
    "reactivate user": (
        ADMIN,
        lambda c, a: c.act(staff.enable, a, c.nurse2.id, clinic_key=c.clinic_key),
    ),
}
ALL_CALLS = {**CALLS, **EXTRA_CALLS}


@dataclass(frozen=True)
class Answer:
    engine: str
    role: Role
    call: str
    expected: str
    got: str

    @property
    def wrong(self) -> bool:
        return self.expected != self.got


def actor_for(clinic: Clinic, role: Role) -> Actor:
    return {Role.NURSE: clinic.nurse, Role.PHYSICIAN: clinic.physician, Role.ADMIN: clinic.admin}[
        role
    ]


def try_call(clinic: Clinic, actor: Actor, call: RoleCall) -> str:
    """'allowed', 'denied' (by the permission check), or the unexpected error's type."""
    try:
        call(clinic, actor)
    except (PermissionDenied, OverrideRequired):  # the latter: "only a physician can"
        return "denied"
    except Exception as error:  # any other outcome is a wrong answer, named in the report
        return type(error).__name__
    return "allowed"


def answers_for(engine: str, clinic: Clinic, role: Role) -> list[Answer]:
    actor = actor_for(clinic, role)
    return [
        Answer(
            engine,
            role,
            name,
            "allowed" if role in allowed else "denied",
            try_call(clinic, actor, call),
        )
        for name, (allowed, call) in ALL_CALLS.items()
    ]


# --- privilege changes and logins leave their audit entries -----------------------------------


def _audit_rows(clinic: Clinic, after: int) -> list[tuple[str, str, str, str]]:
    """(action, username, target id, detail) of the audit entries after seq `after`."""
    with clinic.db.reading() as tx:
        rows = tx.orm.execute(
            select(AuditEntry.action, AuditEntry.username, AuditEntry.target_id, AuditEntry.detail)
            .where(AuditEntry.seq > after)
            .order_by(AuditEntry.seq)
        )
        return [(a, u, t, d) for a, u, t, d in rows]


def _last_seq(clinic: Clinic) -> int:
    with clinic.db.reading() as tx:
        return tx.orm.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())) or 0


def _failed_login(clinic: Clinic, username: str, password: str) -> None:
    try:
        sign_in(clinic.db, username, password)
    except AuthenticationFailed:
        return
    raise AssertionError(f"the login of {username!r} with a wrong password succeeded")


def audit_checks(clinic: Clinic) -> Iterator[tuple[str, bool]]:
    """(what, found) for each privilege change and login that must be audited."""
    admin, nurse2 = clinic.admin, clinic.nurse2
    start = _last_seq(clinic)
    key = clinic.clinic_key
    clinic.act(staff.change_role, admin, nurse2.id, Role.PHYSICIAN, clinic_key=key)
    clinic.act(staff.change_role, admin, nurse2.id, Role.NURSE, clinic_key=key)
    clinic.act(staff.disable, admin, nurse2.id, clinic_key=key)
    clinic.act(staff.enable, admin, nurse2.id, clinic_key=key)
    clinic.act(
        users.create_user,
        admin,
        "new.rn",
        "New Nurse",
        "RN",
        Role.NURSE,
        new_password("quiet-orchard-79"),
        clinic_key=key,
    )
    sign_in(clinic.db, "wes", PASSWORDS["wes"])
    _failed_login(clinic, "nobody", "whatever-1")
    for _attempt in range(MAX_FAILED_LOGINS):
        _failed_login(clinic, "wes", "wrong-pass-1")
    _failed_login(clinic, "wes", PASSWORDS["wes"])  # locked: refused even with the password
    rows = _audit_rows(clinic, start)
    uid = str(nurse2.id)
    expected = [
        ("role change", ("user.role_change", "admin", uid, "nurse -> physician")),
        ("role change back", ("user.role_change", "admin", uid, "physician -> nurse")),
        ("deactivation", ("user.deactivate", "admin", uid, "")),
        ("activation", ("user.activate", "admin", uid, "")),
        ("login", ("login", "wes", uid, "")),
        ("failed login, unknown user", ("login.failed", "", "", UNKNOWN_USER)),
        ("failed login", ("login.failed", "wes", uid, "wrong password, attempt 1")),
        ("lockout", ("login.failed", "wes", uid, "wrong password, attempt 5, account locked")),
        ("login refused while locked", ("login.refused", "wes", uid, "account locked")),
    ]
    for what, row in expected:
        yield what, row in rows
    yield "account creation", any(r[0] == "user.create" and r[3] == "role=nurse" for r in rows)


def denied_role_change_changes_nothing(clinic: Clinic) -> bool:
    with suppress(PermissionDenied):
        clinic.act(
            staff.change_role,
            clinic.nurse,
            clinic.nurse.id,
            Role.ADMIN,
            clinic_key=clinic.clinic_key,  # even with the clinic key, the role refuses
        )
    with clinic.db.reading() as tx:
        return users.get_actor(tx, clinic.nurse.id).role is Role.NURSE


# --- running it -------------------------------------------------------------------------------


def engine_names() -> list[str]:
    return ["sqlite"] + (["postgresql"] if postgres_server() else [])


@contextmanager
def clinic_on(engine: str, folder: str) -> Iterator[Clinic]:
    """A new clinic on a new database: an SQLite file in `folder`, or a scratch PostgreSQL
    database on the test server."""
    server = postgres_server()
    if engine == "sqlite" or server is None:
        place: AbstractContextManager[str] = nullcontext(
            f"sqlite:///{folder}/{uuid.uuid4().hex}.sqlite"
        )
    else:
        place = scratch_postgres(server)
    with place as url:
        clinic = new_clinic(url)
        try:
            yield clinic
        finally:
            clinic.db.dispose()


def run_checks() -> tuple[list[Answer], list[tuple[str, bool]]]:
    """Every call as every role, each role on a new clinic; then the audit checks."""
    answers: list[Answer] = []
    audited: list[tuple[str, bool]] = []
    with tempfile.TemporaryDirectory(prefix="ketachart-prove-access-") as folder:
        for engine in engine_names():
            for role in Role:
                with clinic_on(engine, folder) as clinic:
                    answers += answers_for(engine, clinic, role)
            with clinic_on(engine, folder) as clinic:
                audited += [(f"{engine}: {what}", ok) for what, ok in audit_checks(clinic)]
                denied = denied_role_change_changes_nothing(clinic)
                audited.append((f"{engine}: a refused role change changes nothing", denied))
    return answers, audited


def figures(answers: list[Answer], audited: list[tuple[str, bool]]) -> list[Figure]:
    wrong = sum(a.wrong for a in answers)
    missing = sum(not ok for _what, ok in audited)
    return [
        Figure(AREA, "role x action checks", len(answers), "wrong answers", wrong),
        Figure(AREA, "privilege changes and logins", len(audited), "not audited", missing),
    ]


def run(full: bool) -> list[Figure]:
    """The checks are exhaustive at both strengths (`full` changes nothing): a few seconds."""
    return figures(*run_checks())


def main() -> int:
    answers, audited = run_checks()
    for a in answers:
        if a.wrong:
            print(f"WRONG {a.engine} {a.role.value} {a.call}: expected {a.expected}, got {a.got}")
    for what, ok in audited:
        if not ok:
            print(f"NOT AUDITED {what}")
    found = figures(answers, audited)
    for figure in found:
        print(figure.line())
    return 0 if all(f.ok for f in found) else 1


if __name__ == "__main__":
    sys.exit(main())
