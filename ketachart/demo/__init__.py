"""Synthetic demo data, charted through the same services the screens use.

`fill_demo` creates demo accounts (or reuses them), the clinic setting, synthetic patients and
sessions in every state: finished ones on past clinic days, running ones today, ending at the
database clock's current time so that the board shows them live. Each session is charted at its
own time on a manual clock sharing the database's engine, one transaction per user action.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ketachart.clock import ManualClock
from ketachart.demo.data import (
    ALLERGIES,
    CLINIC_ADDRESS,
    CLINIC_NAME,
    CLINIC_PASSPHRASE,
    FAMILY_NAMES,
    GIVEN_NAMES,
    STAFF,
    StaffSpec,
)
from ketachart.demo.plan import (
    PER_DAY,
    TODAY,
    TODAY_CHAIRS,
    DemoPatient,
    Finish,
    Plan,
    choose_finishes,
    day_count,
    draw_plan,
    past_days,
    place_day,
    place_today,
    protocol_for,
)
from ketachart.demo.run import DemoContext, Member, Run, Staff
from ketachart.demo.script import session_script
from ketachart.domain.protocol import EXAMPLE_PROTOCOLS
from ketachart.domain.vocab import Role
from ketachart.errors import AuthenticationFailed, KetachartError
from ketachart.models import Event, InfusionSession, Patient, User
from ketachart.services import clinic, keys, patients, protocols, users
from ketachart.services.actors import Actor
from ketachart.services.keys import ClinicKeyRefused, UnlockedClinicKey
from ketachart.services.sign_in import sign_in
from ketachart.services.users import new_password
from ketachart.storage.database import Database

log = logging.getLogger(__name__)
MRN_PREFIX = "KC-"
DEMO_MRN = re.compile(r"KC-\d{6}")
# Older charts are mostly signed; the newest ones wait for attestation or signature.
BACKLOG_RANK = {Finish.SIGNED: 0, Finish.ADDENDUM: 0, Finish.ATTESTED: 1, Finish.DISCHARGED: 2}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    display_name: str


@dataclass(frozen=True)
class DemoResult:
    patients: int
    sessions: int
    events: int
    accounts: list[DemoAccount]
    clinic_passphrase: str
    """The demo clinic key's passphrase (synthetic), printed with the accounts."""


def fill_demo(db: Database, *, patients: int, sessions: int, seed: int) -> DemoResult:
    """Add `patients` synthetic patients and `sessions` sessions (none without patients)."""
    require_demo_database(db)
    rng = random.Random(seed)
    now = db.clock.now()
    clock = ManualClock(now)
    # back-dated on purpose: not a clock gone back
    demo_db = Database(db.engine, clock, synthetic_history=True)
    past, today = _split(rng, choose_finishes(rng, sessions if patients else 0), patients)
    days = past_days(now.astimezone().date(), day_count(len(past), _per_day(patients)))
    clock.set(_setup_time(days, now))
    staff = _ensure_staff(demo_db)
    rows = _prepare_clinic(demo_db, staff.admin.actor)
    people = _register_patients(demo_db, clock, staff.nurses[0].actor, rng, patients, rows)
    plans = _plans(rng, people, (past, today), days, staff, now, _busy_chairs(demo_db, now))
    before = _count_events(demo_db)
    context = DemoContext(demo_db, now, staff)
    try:
        run_scripts(clock, now, [session_script(Run(context, plan)) for plan in plans])
    except AuthenticationFailed as error:
        raise KetachartError(
            f"A demo account could not sign: {error.message} An account of that name may "
            "exist with another password; run the demo on a new database."
        ) from error
    events = _count_events(demo_db) - before
    log.info("demo data added: %d patients, %d sessions, %d events", patients, len(plans), events)
    accounts = [_account(s) for s in STAFF]
    return DemoResult(len(people), len(plans), events, accounts, CLINIC_PASSPHRASE)


def require_demo_database(db: Database) -> None:
    """Demo data only goes into a database that is new or holds the demo's own data: every
    account one of the demo's (same user name and role), every MRN of the demo's form. Synthetic
    patients and accounts whose passwords are printed must never get into a real clinic."""
    demo_roles = {spec.username: spec.role.value for spec in STAFF}
    with db.reading() as tx:
        accounts = tx.orm.execute(select(User.username, User.role)).all()
        mrns = tx.orm.scalars(select(Patient.mrn)).all()
    others = sorted(name for name, role in accounts if demo_roles.get(name) != role)
    real_patients = sum(1 for mrn in mrns if not DEMO_MRN.fullmatch(mrn))
    held = []
    if others:
        held.append(f"{len(others)} account(s) that are not the demo's ({', '.join(others[:3])})")
    if real_patients:
        held.append(f"{real_patients} patient(s) that are not the demo's")
    if not held:
        return
    raise KetachartError(
        f"This database holds {' and '.join(held)}: demo data only goes into a demo "
        "database. Use `ketachart --demo demo`, or --db with a new file."
    )


def _account(spec: StaffSpec) -> DemoAccount:
    return DemoAccount(spec.username, spec.password, spec.role.value, spec.display_name)


def _per_day(patients: int) -> int:
    """Sessions per clinic day: a patient comes at most once a day."""
    return max(1, min(PER_DAY, patients))


def _split(
    rng: random.Random, finishes: list[Finish], patients: int
) -> tuple[list[Finish], list[Finish]]:
    """Past and today's sessions; today has one chair and one patient per running session."""
    today = [f for f in finishes if f in TODAY][: min(patients, len(TODAY_CHAIRS))]
    past = [f for f in finishes if f not in TODAY]
    past += [Finish.SIGNED] * (len(finishes) - len(today) - len(past))
    past.sort(key=lambda f: BACKLOG_RANK[f] + rng.uniform(0, 2.5))
    return past, today


def _setup_time(days: Sequence[date], now: datetime) -> datetime:
    """Accounts and patients exist a day before the first session."""
    start = now - timedelta(hours=8)
    if days:
        first = datetime.combine(days[0], time(7, 0), tzinfo=now.astimezone().tzinfo)
        start = min(start, first)
    return start - timedelta(days=1)


def _ensure_staff(db: Database) -> Staff:
    """The demo accounts, reusing those a previous demo run created."""
    with db.reading() as tx:
        existing = {a.username: a for a in users.list_actors(tx)}
    admin_spec, *clinical = STAFF
    clinic_key = _demo_clinic_key(db, existing)
    admin = _member(db, _creator(existing, admin_spec), admin_spec, existing, clinic_key)
    members = [_member(db, admin.actor, spec, existing, clinic_key) for spec in clinical]
    return Staff(
        admin,
        tuple(m for m in members if m.actor.role is Role.NURSE),
        tuple(m for m in members if m.actor.role is Role.PHYSICIAN),
    )


def _creator(existing: dict[str, Actor], admin: StaffSpec) -> Actor | None:
    """Who creates the demo admin: nobody on an empty database, else an existing admin."""
    if not existing or admin.username in existing:
        return None
    found = next((a for a in existing.values() if a.role is Role.ADMIN), None)
    if found is None:
        raise KetachartError("The demo needs an administrator account to create its accounts.")
    return found


def _demo_clinic_key(db: Database, existing: dict[str, Actor]) -> UnlockedClinicKey | None:
    """The demo clinic's key: made from the demo passphrase on a new database, opened by it
    on one a previous demo run filled. None for a database with accounts and no clinic key
    (made before keys were kept): its accounts are changed uncertified, as any such clinic's."""
    with db.reading() as tx:
        has_key = keys.clinic_public_key(tx) is not None
    if has_key:
        try:
            return keys.unlock_clinic_key(db, CLINIC_PASSPHRASE)
        except ClinicKeyRefused as error:
            raise KetachartError(
                "This database's clinic key is not the demo's; run the demo on a new database."
            ) from error
    if existing:
        return None
    new_key = keys.new_clinic_key(CLINIC_PASSPHRASE)  # slow: before the transaction
    with db.transaction() as tx:
        return keys.store_clinic_key(tx, new_key)


def _member(
    db: Database,
    creator: Actor | None,
    spec: StaffSpec,
    existing: dict[str, Actor],
    clinic_key: UnlockedClinicKey | None,
) -> Member:
    actor = existing.get(spec.username)
    if actor is None:
        password = new_password(spec.password)  # slow: before the transaction
        with db.transaction() as tx:
            actor = users.create_user(
                tx,
                creator,
                spec.username,
                spec.display_name,
                spec.credentials,
                spec.role,
                password,
                clinic_key=clinic_key,
            )
    elif actor.role is not spec.role:
        raise KetachartError(
            f"The account '{spec.username}' exists with another role; "
            "run the demo on a new database."
        )
    else:
        actor = _signed_in(db, spec)
    return Member(actor, spec.password)


def _signed_in(db: Database, spec: StaffSpec) -> Actor:
    """A demo account a previous run made, signed in with its demo password: the actor then
    carries the account's opened key, as one who signed in at the application does."""
    try:
        return sign_in(db, spec.username, spec.password).actor
    except AuthenticationFailed as error:
        raise KetachartError(
            f"The account '{spec.username}' does not sign in with its demo password (changed, "
            "disabled or locked); run the demo on a new database."
        ) from error


def _prepare_clinic(db: Database, admin: Actor) -> list[protocols.ProtocolRow]:
    """Example protocols and the clinic's name, unless the clinic has its own."""
    with db.transaction() as tx:
        protocols.install_example_protocols(tx)
    with db.transaction() as tx:
        if not clinic.get_clinic(tx).name:
            clinic.set_clinic(tx, admin, clinic.ClinicInfo(CLINIC_NAME, CLINIC_ADDRESS))
    with db.reading() as tx:
        rows = protocols.current_protocols(tx)
    if not rows:
        raise KetachartError("The demo needs at least one active protocol.")
    by_code = {r.spec.code: r for r in rows}
    examples = [by_code[s.code] for s in EXAMPLE_PROTOCOLS if s.code in by_code]
    return examples or rows


def _register_patients(
    db: Database,
    clock: ManualClock,
    nurse: Actor,
    rng: random.Random,
    count: int,
    rows: Sequence[protocols.ProtocolRow],
) -> list[DemoPatient]:
    with db.reading() as tx:
        first = _next_mrn_number(tx.orm.scalars(select(Patient.mrn)))
    people = []
    for index in range(count):
        clock.advance(timedelta(seconds=rng.randint(20, 90)))
        people.append(_register(db, nurse, rng, first + index, protocol_for(index, rows)))
    return people


def _next_mrn_number(mrns: Iterable[str]) -> int:
    numbers = [
        int(m[len(MRN_PREFIX) :])
        for m in mrns
        if m.startswith(MRN_PREFIX) and m[len(MRN_PREFIX) :].isdigit()
    ]
    return max(numbers, default=0) + 1


LISTED_BELOW = 0.25
"""Below this draw a demo patient has allergies listed. Of the others every third has not
been asked yet (the amber state); the rest have "no known allergies" recorded."""


def _register(
    db: Database, nurse: Actor, rng: random.Random, number: int, protocol: protocols.ProtocolRow
) -> DemoPatient:
    given, sex = rng.choice(GIVEN_NAMES)
    family, born = rng.choice(FAMILY_NAMES), _birth_date(rng, db.clock.now().year)
    draw = rng.random()
    details = patients.PatientDetails(
        mrn=f"{MRN_PREFIX}{number:06d}",
        family_name=family,
        given_name=given,
        date_of_birth=born,
        sex=sex,
        allergies=rng.choice(ALLERGIES) if draw < LISTED_BELOW else "",
        no_known_allergies=draw >= LISTED_BELOW and number % 3 != 0,
    )
    with db.transaction() as tx:
        row = patients.register_patient(tx, nurse, details)
    weight = Decimal(rng.randint(500, 1250)) / 10
    return DemoPatient(row.id, sex, details.date_of_birth, weight, protocol)


def _birth_date(rng: random.Random, year: int) -> date:
    return date(year - rng.randint(19, 78), rng.randint(1, 12), rng.randint(1, 28))


def _plans(
    rng: random.Random,
    people: Sequence[DemoPatient],
    finishes: tuple[list[Finish], list[Finish]],
    days: Sequence[date],
    staff: Staff,
    now: datetime,
    busy: Collection[str],
) -> list[Plan]:
    """Patients in rotation (a course of infusions), each at most once a day."""
    if not people:
        return []
    past, today = finishes
    rotation = itertools.cycle(rng.sample(list(people), len(people)))
    sizes = (len(staff.nurses), len(staff.physicians))
    per_day = _per_day(len(people))
    plans: list[Plan] = []
    for number, day in enumerate(days):
        chunk = past[number * per_day : (number + 1) * per_day]
        drawn = [draw_plan(rng, next(rotation), f, sizes) for f in chunk]
        plans += place_day(rng, drawn, day, now)
    drawn = [draw_plan(rng, next(rotation), f, sizes) for f in today]
    return plans + list(place_today(rng, drawn, now, busy))


def _busy_chairs(db: Database, now: datetime) -> set[str]:
    """Chairs of sessions opened today before this run: today's new sessions take others."""
    days = {now.date(), now.astimezone().date()}
    with db.reading() as tx:
        found = tx.orm.scalars(
            select(InfusionSession.chair).where(InfusionSession.session_date.in_(days))
        )
        return set(found)


def _count_events(db: Database) -> int:
    with db.reading() as tx:
        return tx.orm.scalar(select(func.count()).select_from(Event)) or 0


def run_scripts(clock: ManualClock, now: datetime, scripts: Iterable[Iterator[datetime]]) -> None:
    """Interleave the sessions' steps in time order, the clock at each step's time. Steps
    after `now` do not happen: today's sessions stay in the state they have reached."""
    queue: list[tuple[datetime, int, Iterator[datetime]]] = []
    for number, script in enumerate(scripts):
        _enqueue(queue, number, script, now)
    while queue:
        at, number, script = heapq.heappop(queue)
        clock.set(at)
        _enqueue(queue, number, script, now)


def _enqueue(
    queue: list[tuple[datetime, int, Iterator[datetime]]],
    number: int,
    script: Iterator[datetime],
    now: datetime,
) -> None:
    at = next(script, None)
    if at is not None and at <= now:
        heapq.heappush(queue, (at, number, script))
