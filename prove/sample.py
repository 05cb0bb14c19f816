"""A real database to damage, tamper with or share: charted through the services, and the
PostgreSQL test server's scratch databases (shared by prove.damaged, .concurrency, .tamper)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import make_url

from ketachart.clock import ManualClock
from ketachart.domain import payloads as p
from ketachart.services import charting, signing
from ketachart.services.chains import load_events
from ketachart.services.corrections import correct_entry
from ketachart.storage.database import open_database
from tests.postgres import clinic_database, server_url
from tests.support import (
    BASELINE,
    PASSWORDS,
    Clinic,
    chart_to_discharged,
    chart_to_infusing,
    make_clinic,
)


@dataclass(frozen=True)
class Sample:
    """What was charted: signed sessions (attested and signed), and unsigned ones."""

    signed: tuple[str, ...]
    unsigned: tuple[str, ...]


def chart_sample(clinic: Clinic, signed: int = 2, unsigned: int = 2) -> Sample:
    """Signed sessions (each with a correction; the first attested too) and running ones."""
    signed_ids = [_signed_session(clinic, attest=i == 0) for i in range(signed)]
    unsigned_ids = []
    for _ in range(unsigned):
        session_id = clinic.open_session()
        chart_to_infusing(clinic, session_id)
        clinic.later(5)
        clinic.act(charting.chart, clinic.nurse, session_id, p.Note("Resting, eyes closed."))
        unsigned_ids.append(session_id)
    return Sample(tuple(signed_ids), tuple(unsigned_ids))


def _signed_session(clinic: Clinic, *, attest: bool) -> str:
    """Charted to discharge, its baseline vitals corrected, then attested (if asked) and signed."""
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    with clinic.db.reading() as tx:
        baseline = next(e for e in load_events(tx, session_id) if e.payload == BASELINE)
    fixed = p.Vitals(systolic=118, diastolic=78, heart_rate=70, resp_rate=14, spo2=98)
    clinic.act(
        correct_entry,
        clinic.nurse,
        session_id,
        baseline.id,
        "typed in the wrong row",
        fixed,
        seen_version=None,
    )
    if attest:
        clinic.act(
            signing.attest,
            clinic.nurse,
            session_id,
            clinic.proof(clinic.nurse, PASSWORDS[clinic.nurse.username], signing.ATTEST_PURPOSE),
            seen_head=clinic.seen(session_id),
        )
    physician = clinic.physician
    clinic.act(
        signing.sign_session,
        physician,
        session_id,
        clinic.proof(physician, PASSWORDS[physician.username], signing.SIGN_PURPOSE),
        seen_head=clinic.seen(session_id),
    )
    return session_id


def new_clinic(url: str, clock: ManualClock | None = None) -> Clinic:
    """A clinic (users, protocols, a patient) on a new database at `url`."""
    clock = clock or ManualClock(datetime(2026, 3, 10, 14, 0, tzinfo=UTC))
    return make_clinic(open_database(url, clock), clock)


def build_sample(url: str, signed: int = 2, unsigned: int = 2) -> Sample:
    """A small clinic with signed and unsigned sessions at `url`; its connections closed."""
    clinic = new_clinic(url)
    try:
        return chart_sample(clinic, signed, unsigned)
    finally:
        clinic.db.dispose()


def postgres_server() -> str | None:
    """The PostgreSQL test server's URL, if one is configured (see .ci/postgres.sh)."""
    return server_url()


@contextmanager
def scratch_postgres(server: str, template: str | None = None) -> Iterator[str]:
    """A new database on the server (a copy of `template`, if named), set up with least
    privilege as `ketachart init --app-role` does: the URL connects as the application's
    role, so the proofs run as a clinic's workstations do. Dropped afterwards."""
    with clinic_database(server, "kc_prove", template) as urls:
        yield urls.app


def database_name(url: str) -> str:
    name = make_url(url).database
    assert name, url
    return name
