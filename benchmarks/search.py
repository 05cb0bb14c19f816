"""How patient search grows with the clinic, printed, never asserted: `python -m benchmarks.search`.

Issue 14: search took 23 ms by name and 20 ms by exact MRN at 2 million events, growing ×6-7,
because `lower(mrn) LIKE ? OR lower(family_name) LIKE '%x%'` read every patient, and the empty
search shown at every sign-in sorted every patient. Each line is the median time of
`services.patients.find_patients` (50 rows, as the patients screen asks) on a database of
1,000 and of 50,000 synthetic patients (Latin names with accents, Polish, Nordic, Vietnamese,
Chinese and Arabic names), and the ratio between the two sizes. "before" is the substring
scan this replaced, run on the same databases in the same run.

The patients are written in bulk, their folded names and keys computed by the functions
registration uses (domain.search_keys), so the database is what registering them one by one
would leave (without their versions, which search does not read).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import ColumnElement, Select, insert, or_, select

from benchmarks.core import POSTGRES_ENV, postgres_database
from ketachart.clock import ManualClock
from ketachart.domain.search_keys import fold, search_keys
from ketachart.domain.vocab import Role
from ketachart.keys.sealed import seal_new_key
from ketachart.models import Patient, PatientSearchKey
from ketachart.services import users
from ketachart.services.actors import Actor
from ketachart.services.patients import find_patients
from ketachart.storage.database import Database, Tx, open_database

SIZES = (1_000, 50_000)
REPEAT = 41
LIMIT = 50
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
BENCHMARK_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
"""The one synthetic account's password is hashed at argon2's lowest cost: nobody signs in."""

SYLLABLES = (
    "ka", "lo", "mi", "ñe", "zé", "wa", "øs", "ła", "tra", "gu", "yễ", "bé", "dra", "kov",
    "son", "ski", "nez", "ara", "wicz", "ber", "ma", "rí", "ho", "ân",
)  # fmt: skip
HAN = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
ARABIC = ("محمد", "علي", "حسن", "فاطمة", "عائشة", "يوسف", "مريم", "خالد", "سارة", "عمر")


@dataclass(frozen=True)
class Synthetic:
    mrn: str
    family_name: str
    given_name: str
    date_of_birth: date


def synthetic_patients(count: int, seed: int = 14) -> list[Synthetic]:
    """`count` patients: most with Latin names built from accented syllables, one in ten
    Chinese, one in ten Arabic; MRNs KC-000001 on, births over 80 years."""
    rng = random.Random(seed)
    made = []
    for number in range(1, count + 1):
        kind = number % 10
        if kind == 0:
            family, given = rng.choice(HAN), "".join(rng.choices(HAN, k=2))
        elif kind == 1:
            family, given = rng.choice(ARABIC), rng.choice(ARABIC)
        else:
            family = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))).capitalize()
            given = "".join(rng.choices(SYLLABLES, k=2)).capitalize()
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(80 * 365))
        made.append(Synthetic(f"KC-{number:06d}", family, given, born))
    return made


def bulk_register(tx: Tx, patients: Sequence[Synthetic]) -> None:
    """The patients' rows and search keys, written in bulk (see the module's note)."""
    tx.orm.execute(
        insert(Patient),
        [
            {
                "mrn": s.mrn,
                "family_name": s.family_name,
                "given_name": s.given_name,
                "date_of_birth": s.date_of_birth,
                "sex": "unknown",
                "allergies": "",
                "notes": "",
                "created_at": NOW,
                "updated_at": NOW,
                "family_fold": fold(s.family_name),
                "given_fold": fold(s.given_name),
            }
            for s in patients
        ],
    )
    ids = {mrn: id_ for mrn, id_ in tx.orm.execute(select(Patient.mrn, Patient.id))}
    tx.orm.execute(
        insert(PatientSearchKey),
        [
            {"patient_id": ids[s.mrn], "position": position, "key": key}
            for s in patients
            for position, key in enumerate(search_keys(s.mrn, s.family_name, s.given_name))
        ],
    )


def substring_search(text: str, limit: int) -> Select[Patient]:
    """Before: the search this replaced (every patient read, then sorted)."""
    statement = select(Patient).order_by(Patient.family_name, Patient.given_name).limit(limit)
    if not text:
        return statement
    like = f"%{text.lower()}%"
    conditions: list[ColumnElement[bool]] = [
        Patient.mrn.ilike(f"{text}%"),
        Patient.family_name.ilike(like),
        Patient.given_name.ilike(like),
    ]
    with contextlib.suppress(ValueError):
        conditions.append(Patient.date_of_birth == date.fromisoformat(text))
    return statement.where(or_(*conditions))


@dataclass(frozen=True)
class Case:
    """One kind of search, with the texts typed (one per repeat, drawn from the patients)."""

    name: str
    texts: Callable[[Sequence[Synthetic], random.Random], str]


CASES = (
    Case("empty search (sign-in)", lambda _p, _r: ""),
    Case("name, 1 letter", lambda p, r: r.choice(p).family_name[:1]),
    Case("name, 3 letters", lambda p, r: r.choice(p).family_name[:3]),
    Case("name, whole family name", lambda p, r: r.choice(p).family_name),
    Case("given + family prefixes", lambda p, r: _two_words(r.choice(p))),
    Case("exact MRN (scanner)", lambda p, r: r.choice(p).mrn),
    Case("date of birth", lambda p, r: r.choice(p).date_of_birth.isoformat()),
)


BASELINE = "baseline: one patient by id"
"""The cheapest read the screens make, through the same transaction: what a search costs
beyond opening a read is its figure minus this one."""


PASSWORD = "quiet-harbor-search-14"


def _two_words(patient: Synthetic) -> str:
    return f"{patient.given_name[:2]} {patient.family_name[:3]}"


@contextlib.contextmanager
def clinic_of(url: str, count: int) -> Iterator[tuple[Database, Actor, list[Synthetic]]]:
    """A database at `url` holding `count` synthetic patients, and a nurse to search as."""
    database = open_database(url, ManualClock(NOW))
    patients = synthetic_patients(count)
    sealed, opened = seal_new_key(PASSWORD)
    hashed = users.NewPassword(PASSWORD, BENCHMARK_HASHER.hash(PASSWORD), sealed, opened)
    with database.transaction() as tx:  # no clinic key: a search needs no certified account
        admin = users.create_user(
            tx, None, "admin", "Admin", "", Role.ADMIN, hashed, clinic_key=None
        )
        nurse = users.create_user(
            tx, admin, "nurse", "Nurse", "RN", Role.NURSE, hashed, clinic_key=None
        )
        bulk_register(tx, patients)
    if database.dialect_name == "postgresql":
        with database.engine.connect() as connection:  # as autovacuum would, soon after
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    try:
        yield database, nurse, patients
    finally:
        database.dispose()


@contextlib.contextmanager
def database_url(postgres_server: str | None, size: int) -> Iterator[str]:
    """A new, empty database: on the PostgreSQL server if given, else an SQLite file."""
    if postgres_server:
        with postgres_database(postgres_server) as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / f'search-{size}.sqlite'}"


def median_ms(
    database: Database,
    run: Callable[[Tx, str], object],
    texts: list[str],
) -> float:
    """The median of one search per text, each in its own read, as the screen makes it."""
    times = []
    for text in texts:
        start = time.perf_counter()
        with database.reading() as tx:
            run(tx, text)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def measure(
    database: Database, nurse: Actor, patients: list[Synthetic], repeat: int
) -> dict[str, tuple[float, float]]:
    """(after, before) median milliseconds for each case, and the baseline's (twice)."""
    rng = random.Random(BASELINE)
    ids = [str(rng.randint(1, len(patients))) for _ in range(repeat)]
    baseline = median_ms(database, lambda tx, t: tx.orm.get(Patient, int(t)), ids)
    figures = {BASELINE: (baseline, baseline)}
    for case in CASES:
        rng = random.Random(case.name)
        texts = [case.texts(patients, rng) for _ in range(repeat)]
        after = median_ms(database, lambda tx, t: find_patients(tx, nurse, t, LIMIT), texts)
        before = median_ms(
            database,
            lambda tx, t: tx.orm.scalars(substring_search(t, LIMIT)).all(),
            texts,
        )
        figures[case.name] = (after, before)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search")
    parser.add_argument("--sizes", type=int, nargs=2, default=SIZES, metavar=("SMALL", "LARGE"))
    parser.add_argument("--repeat", type=int, default=REPEAT, help="searches per figure")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help=f"on a new database of the PostgreSQL server named by {POSTGRES_ENV} (its "
        "superuser's URL), dropped after; default: SQLite files in a temporary folder",
    )
    args = parser.parse_args(argv)
    server = os.environ.get(POSTGRES_ENV, "").strip()
    if args.postgres and not server:
        parser.error(f"--postgres needs {POSTGRES_ENV}")
    small, large = args.sizes
    results: dict[int, dict[str, tuple[float, float]]] = {}
    for size in (small, large):
        with database_url(server if args.postgres else None, size) as url:
            started = time.perf_counter()
            with clinic_of(url, size) as (database, nurse, patients):
                built = time.perf_counter() - started
                print(f"{size:,} patients written in {built:.1f} s")
                results[size] = measure(database, nurse, patients, args.repeat)
    engine = "PostgreSQL" if args.postgres else "SQLite"
    print(f"\nPatient search on {engine}, median ms of {args.repeat} searches (50 rows shown)")
    print(
        f"  {'search':<28}{'after':>9}{'':>3}{'after':>9}{'ratio':>7}"
        f"   {'before':>9}{'':>3}{'before':>9}{'ratio':>7}"
    )
    print(f"  {'':<28}{small:>9,}{'':>3}{large:>9,}{'':>7}   {small:>9,}{'':>3}{large:>9,}")
    for name in (BASELINE, *(case.name for case in CASES)):
        after_s, before_s = results[small][name]
        after_l, before_l = results[large][name]
        print(
            f"  {name:<28}{after_s:9.2f}{'':>3}{after_l:9.2f}{after_l / after_s:7.1f}"
            f"   {before_s:9.2f}{'':>3}{before_l:9.2f}{before_l / before_s:7.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
