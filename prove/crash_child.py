"""The crash harness's child (prove.crash): charting through the services until killed,
printing each event id only once its transaction has committed, and the zygote that forks
such children from one set of imports. Also the small clinic they chart in."""

from __future__ import annotations

import os
import random
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from ketachart.clock import ManualClock
from ketachart.domain import payloads as p
from ketachart.domain.acknowledgement import answered
from ketachart.domain.events import EventRecord
from ketachart.domain.vocab import AlertResponse, PreCheckCode, PreCheckStatus, Role, StopReason
from ketachart.errors import AcknowledgementRequired
from ketachart.services import charting, keys, patients, protocols, sessions, users
from ketachart.services.actors import Actor
from ketachart.services.users import new_password
from ketachart.storage.database import Database, Tx, open_database

PATIENTS = 12
OPEN_SESSIONS = 3
RATES = (Decimal(45), Decimal(50), Decimal("52.5"), Decimal(55), Decimal(60))
PASSWORD = "crash-test-1"
CLINIC_PASSPHRASE = "crash-test-clinic-key-1"


def _pre_checks() -> p.PreChecks:
    return p.PreChecks(tuple(p.PreCheckItem(c, PreCheckStatus.DONE) for c in PreCheckCode))


@dataclass
class Charting:
    """One child's work: a few sessions at a time, each following its plan."""

    db: Database
    nurse: Actor
    patient_ids: list[int]
    protocol_id: int
    rng: random.Random
    plans: dict[str, list[str]] = field(default_factory=dict)
    rates: dict[str, Decimal] = field(default_factory=dict)

    def step(self) -> list[str]:
        """One action, committed; the ids of the events it wrote."""
        if not self.plans or (len(self.plans) < OPEN_SESSIONS and self.rng.random() < 0.15):
            return [self.open()]
        session_id = self.rng.choice(list(self.plans))
        plan = self.plans[session_id]
        verb = plan.pop(0)
        if not plan:
            del self.plans[session_id]
        with self.db.transaction() as tx:
            record = VERBS[verb](self, tx, session_id)
        return [record.id]

    def open(self) -> str:
        patient_id = self.rng.choice(self.patient_ids)
        with self.db.transaction() as tx:
            loaded = sessions.open_session(
                tx, self.nurse, patient_id, self.protocol_id, "Chair 1", Decimal(70)
            )
        middle = self.rng.choices(("vitals", "note", "rate"), k=self.rng.randint(3, 30))
        self.plans[loaded.row.id] = ["pre_checks", "baseline", "iv", "start", *middle, "stop"]
        return loaded.events[0].id

    def vitals(self) -> p.Vitals:
        r = self.rng.randint  # systolic, diastolic, heart rate, respiratory rate, SpO2
        return p.Vitals(r(105, 140), r(60, 90), r(55, 100), r(10, 20), r(94, 100))

    def new_rate(self, session_id: str) -> Decimal:
        rate = self.rng.choice([r for r in RATES if r != self.rates.get(session_id)])
        self.rates[session_id] = rate
        return rate


def _chart(c: Charting, tx: Tx, session_id: str, payload: p.Payload) -> EventRecord:
    """Chart; a reading that raises alerts is answered as the nurse does in the prompt (a
    recheck). The gate refuses before it writes, so the answer goes in the same action."""
    try:
        return charting.chart(tx, c.nurse, session_id, payload)
    except AcknowledgementRequired as needed:
        recheck = answered(payload, needed.codes, (AlertResponse.RECHECK,))
        return charting.chart(tx, c.nurse, session_id, recheck)


def _start(c: Charting, tx: Tx, session_id: str) -> EventRecord:
    c.rates[session_id] = RATES[2]
    return charting.start_infusion(tx, c.nurse, session_id, RATES[2], Decimal(50))


def _rate(c: Charting, tx: Tx, session_id: str) -> EventRecord:
    rate = c.new_rate(session_id)
    return charting.change_rate(tx, c.nurse, session_id, rate, "titrated to comfort")


Verb = Callable[[Charting, Tx, str], EventRecord]
VERBS: dict[str, Verb] = {
    "pre_checks": lambda c, tx, sid: _chart(c, tx, sid, _pre_checks()),
    "baseline": lambda c, tx, sid: _chart(c, tx, sid, c.vitals()),
    "iv": lambda c, tx, sid: _chart(c, tx, sid, p.IvStart("Left forearm", 22, 1)),
    "start": _start,
    "vitals": lambda c, tx, sid: _chart(c, tx, sid, c.vitals()),
    "note": lambda c, tx, sid: _chart(c, tx, sid, p.Note(f"Resting, note {c.rng.random():.6f}")),
    "rate": _rate,
    "stop": lambda c, tx, sid: _chart(
        c, tx, sid, p.InfusionStop(Decimal("5.0"), StopReason.COMPLETED)
    ),
}


def _charting(db: Database, rng: random.Random) -> Charting:
    with db.reading() as tx:
        nurse = next(a for a in users.list_actors(tx) if a.username == "nurse")
        patient_ids = [row.id for row in patients.find_patients(tx, nurse, "", limit=PATIENTS)]
        protocol_id = protocols.current_protocols(tx)[0].id
    return Charting(db, nurse, patient_ids, protocol_id, rng)


def chart_until_killed(url: str, seed: int) -> int:
    """Chart, printing each event id once its transaction has committed."""
    work = _charting(open_database(url), random.Random(seed))
    for _ in range(1_000_000):
        for event_id in work.step():
            print(event_id, flush=True)
    return 0


def fork_server() -> int:
    """Imported once; forks a charting child for each "fork URL SEED" line (the child says
    "pid N" first), and says "exit N CODE" once child N is gone after "reap N"."""
    for line in iter(sys.stdin.readline, ""):
        verb, *args = line.split()
        if verb == "fork":
            sys.stdout.flush()
            if os.fork() == 0:
                _forked_child(args[0], int(args[1]))
        elif verb == "reap":
            _, status = os.waitpid(int(args[0]), 0)
            # the newline ends a line a killed child may have left unfinished
            print(f"\nexit {args[0]} {os.waitstatus_to_exitcode(status)}", flush=True)
    return 0


def _forked_child(url: str, seed: int) -> None:
    code = 1
    try:
        print(f"pid {os.getpid()}", flush=True)
        code = chart_until_killed(url, seed)
    except BaseException:
        traceback.print_exc()
        print("failed", flush=True)  # the parent stops waiting for ids
    finally:
        sys.stderr.flush()
        os._exit(code)


def make_template(path: Path) -> None:
    """A small clinic: an admin, a nurse, the example protocols and a few patients."""
    db = open_database(f"sqlite:///{path}", ManualClock(datetime.now(UTC)))
    new_key = keys.new_clinic_key(CLINIC_PASSPHRASE)  # slow steps before the transaction
    admin_password, nurse_password = new_password(PASSWORD), new_password(PASSWORD)
    with db.transaction() as tx:
        clinic_key = keys.store_clinic_key(tx, new_key)
        admin = users.create_user(
            tx, None, "admin", "Ada Admin", "", Role.ADMIN, admin_password, clinic_key=clinic_key
        )
        nurse = users.create_user(
            tx,
            admin,
            "nurse",
            "Nina Nurse",
            "RN",
            Role.NURSE,
            nurse_password,
            clinic_key=clinic_key,
        )
        protocols.install_example_protocols(tx)
        for n in range(PATIENTS):
            details = patients.PatientDetails(
                f"MRN-{n:04}", "Crash", f"Patient {n}", date(1980, 1, 1 + n), "female"
            )
            patients.register_patient(tx, nurse, details)
    db.dispose()
