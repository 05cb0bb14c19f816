"""Privileges: on PostgreSQL, connected as the application's role (set up as `ketachart init
--app-role` does), every way around append-only is tried on a charted clinic with a signed
session: disabling or dropping the triggers, UPDATE, DELETE, TRUNCATE, ALTER and DROP TABLE,
replacing the trigger function, replica mode, taking the owner's role or rights... (the
battery is tests/storage/test_pg_privileges.py's). Each must be refused for want of a
privilege; a statement that runs, or fails for another reason, counts as allowed. Afterwards
the triggers must all be there and enabled and the history must verify clean.

Needs a PostgreSQL server (KETACHART_TEST_POSTGRES_URL, as the other PostgreSQL rows); SQLite
has no roles (its file's permissions are the permissions area's)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from ketachart.models import APPEND_ONLY_TABLES
from ketachart.services.verify import verify_all
from prove import Figure
from prove.sample import chart_sample, new_clinic, postgres_server, scratch_postgres
from tests.storage.test_pg_privileges import BYPASSES, REFUSED, attempt, triggers_enabled

AREA = "privileges"
NO_SERVER = "PostgreSQL not tried: set KETACHART_TEST_POSTGRES_URL (see .ci/postgres.sh)"


@dataclass(frozen=True)
class Outcome:
    """What the server answered to each bypass, and the state of history afterwards."""

    answers: dict[str, str]
    triggers_missing: int
    problems: int

    @property
    def allowed(self) -> list[str]:
        return [f"{name}: {got}" for name, got in self.answers.items() if got != REFUSED]


def try_bypasses(url: str) -> Outcome:
    """Chart a sample at `url` (the application's role), then try every bypass there."""
    clinic = new_clinic(url)
    try:
        chart_sample(clinic, signed=1, unsigned=1)
        engine = clinic.db.engine
        answers = {bypass.name: attempt(engine, bypass) for bypass in BYPASSES}
        missing = 2 * len(APPEND_ONLY_TABLES) - triggers_enabled(engine)
        with clinic.db.reading() as tx:
            problems = len(verify_all(tx))
    finally:
        clinic.db.dispose()
    return Outcome(answers, missing, problems)


def prove_privileges() -> Outcome | None:
    """The battery on a new database on the test server; None without a server."""
    server = postgres_server()
    if server is None:
        return None
    with scratch_postgres(server) as url:
        return try_bypasses(url)


def figures(outcome: Outcome | None) -> list[Figure]:
    if outcome is None:
        print(f"| {AREA:<14} | {NO_SERVER} | skipped |")
        return []
    broken = outcome.triggers_missing + outcome.problems
    return [
        Figure(
            AREA,
            "postgresql: bypasses tried",
            len(outcome.answers),
            "allowed",
            len(outcome.allowed),
        ),
        Figure(AREA, "postgresql: after them, triggers and chains", 1, "broken", broken),
    ]


def run(full: bool) -> list[Figure]:
    """The same battery at both strengths: a few seconds."""
    del full
    return figures(prove_privileges())


def main() -> int:
    outcome = prove_privileges()
    for line in outcome.allowed if outcome else ():
        print(f"ALLOWED {line}")
    found = figures(outcome)
    for figure in found:
        print(figure.line())
    return 0 if all(f.ok for f in found) else 1


if __name__ == "__main__":
    sys.exit(main())
