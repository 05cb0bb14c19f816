"""The full-scan guard: the queries the screens issue seek indexes, on both databases.

Each screen's service function runs for real on a real database, its SQL captured as it is
sent (a `before_cursor_execute` listener), and every SELECT is explained with its own
parameters: EXPLAIN QUERY PLAN on SQLite, EXPLAIN with sequential scans disabled on
PostgreSQL. A table that grows with the clinic's history read from end to end fails the test,
whether row by row or along a whole index. The one read allowed is the first rows of a table
in the order of an index, when the query has no condition and a LIMIT (the empty search):
it stops after the rows it shows.

Its speed is measured by `python -m benchmarks.search`; this test only keeps the plans honest."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Connection, event

from ketachart.clock import ManualClock
from ketachart.services import board, patients, review, sessions
from ketachart.services.actors import Actor
from ketachart.storage.database import Database, Tx, open_database
from tests.support import Clinic, chart_to_discharged, make_clinic

GROWING_TABLES = frozenset(
    {
        "events",
        "sessions",
        "patients",
        "patient_versions",
        "patient_search_keys",
        "audit_entries",
        "chain_heads",
        "session_summaries",
    }
)
"""Tables that grow with the clinic's history (the others hold accounts, protocols, settings)."""

SQLITE_SCAN = re.compile(r"^SCAN (\w+)")


@dataclass(frozen=True)
class Captured:
    statement: str
    parameters: Any


@dataclass(frozen=True)
class Screen:
    """One thing a screen (or `sessions --date`) does, as a call to the services."""

    name: str
    run: Callable[[Tx, Clinic, str], object]
    write: bool = False


SCREENS = [
    Screen("search by name prefix", lambda tx, c, _s: _find(tx, c.nurse, "luk")),
    Screen("search by two word prefixes", lambda tx, c, _s: _find(tx, c.nurse, "luka zo")),
    Screen("search by MRN", lambda tx, c, _s: _find(tx, c.nurse, "MRN-0001")),
    Screen("search by date of birth", lambda tx, c, _s: _find(tx, c.nurse, "1980-02-03")),
    Screen("the empty search at sign-in", lambda tx, c, _s: _find(tx, c.nurse, "")),
    Screen(
        "today's board",
        lambda tx, c, _s: board.board_rows(tx, c.nurse, c.clock.now().date(), c.clock.now()),
    ),
    Screen(
        "opening a chart",
        lambda tx, c, s: sessions.view_session(tx, c.nurse, s),
        write=True,  # opening a chart is audited
    ),
    Screen(
        "sessions --date",
        lambda tx, c, _s: sessions.list_sessions(tx, None, on=c.clock.now().date()),
        write=True,  # listing is audited
    ),
]


def _find(tx: Tx, actor: Actor, text: str) -> object:
    return patients.find_patients(tx, actor, text, 50)


@pytest.fixture
def charted(db: Database, clock: ManualClock) -> tuple[Clinic, str]:
    """A clinic with one discharged session and one still open, today."""
    clinic = make_clinic(db, clock)
    discharged = clinic.open_session()
    chart_to_discharged(clinic, discharged)
    return clinic, clinic.open_session()


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.name)
def test_screen_queries_seek_indexes(
    screen: Screen, charted: tuple[Clinic, str], database_url: str, clock: ManualClock
) -> None:
    _assert_no_full_scan(screen, *charted, database_url, clock)


@pytest.mark.parametrize("include_signed", [False, True], ids=["waiting", "with signed"])
def test_review_queue_seeks_indexes(
    include_signed: bool, charted: tuple[Clinic, str], database_url: str, clock: ManualClock
) -> None:
    """The queue finds its sessions through the summary rows' indexes (issue 14)."""
    queue = Screen(
        "the review queue",
        lambda tx, c, _s: review.review_queue(tx, c.physician, include_signed=include_signed),
    )
    _assert_no_full_scan(queue, *charted, database_url, clock)


def _assert_no_full_scan(
    screen: Screen, clinic: Clinic, session_id: str, database_url: str, clock: ManualClock
) -> None:
    fresh = open_database(database_url, clock)  # no cached sessions: every read is made
    try:
        with (
            _captured(fresh) as statements,
            fresh.transaction() if screen.write else fresh.reading() as tx,
        ):
            screen.run(tx, clinic, session_id)
        selects = [c for c in statements if _is_select(c.statement)]
        assert selects, f"{screen.name}: no query captured"
        with fresh.engine.connect() as connection:
            scans = [scan for c in selects for scan in _full_scans(connection, c)]
    finally:
        fresh.dispose()
    assert scans == [], f"{screen.name} reads a growing table end to end: {scans}"


@contextmanager
def _captured(database: Database) -> Iterator[list[Captured]]:
    """Every statement sent to `database` inside the block, with its parameters."""
    statements: list[Captured] = []

    def capture(
        _conn: Connection, _cursor: object, statement: str, parameters: Any, *_rest: object
    ) -> None:
        statements.append(Captured(statement, parameters))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)


def _is_select(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("SELECT", "WITH"))


def _full_scans(connection: Connection, captured: Captured) -> list[str]:
    if connection.dialect.name == "sqlite":
        return _sqlite_full_scans(connection, captured)
    return _postgres_full_scans(connection, captured)


def _sqlite_full_scans(connection: Connection, captured: Captured) -> list[str]:
    plan = connection.exec_driver_sql(
        f"EXPLAIN QUERY PLAN {captured.statement}", captured.parameters
    ).all()
    # Each plan row: (id, parent, _, detail). A sort belongs to the (sub)query it is under:
    # the outer sort of a subquery's first rows does not make the subquery read it all.
    sorted_under = {row[1] for row in plan if "TEMP B-TREE" in str(row[-1])}
    scans = []
    for row in plan:
        detail = str(row[-1])
        match = SQLITE_SCAN.match(detail)
        if match is None or _table(match.group(1)) not in GROWING_TABLES:
            continue
        if row[1] not in sorted_under and _first_rows_only(captured.statement):
            continue  # in the order of an index (or of the rowid), stopped by the LIMIT
        scans.append(f"{detail} in: {_short(captured.statement)}")
    return scans


def _postgres_full_scans(connection: Connection, captured: Captured) -> list[str]:
    connection.exec_driver_sql("SET enable_seqscan = off")
    explained = connection.exec_driver_sql(
        f"EXPLAIN (FORMAT JSON) {captured.statement}", captured.parameters
    ).scalar_one()
    plan = explained if isinstance(explained, list) else json.loads(explained)
    first_rows_only = _first_rows_only(captured.statement)
    return [
        f"{kind} on {table} in: {_short(captured.statement)}"
        for kind, table in _pg_full_reads(connection, plan[0]["Plan"], first_rows_only)
        if table in GROWING_TABLES
    ]


def _pg_full_reads(
    connection: Connection, node: dict[str, Any], first_rows_only: bool
) -> Iterator[tuple[str, str]]:
    """Plan nodes reading a whole table: a sequential scan, or an index scan whose condition
    does not bound its index's first column (it walks the whole index), unless the query
    only wants its first rows in the index's order."""
    kind = node["Node Type"]
    if kind == "Seq Scan":
        yield kind, node["Relation Name"]
    elif kind in INDEX_SCANS and not first_rows_only:
        leading = _leading_column(connection, node["Index Name"])
        if not re.search(rf"\b{leading}\b", node.get("Index Cond", "")):
            yield f"{kind} along {node['Index Name']}", _indexed_table(connection, node)
    for child in node.get("Plans", ()):
        yield from _pg_full_reads(connection, child, first_rows_only)


INDEX_SCANS = ("Index Scan", "Index Only Scan", "Bitmap Index Scan")


def _leading_column(connection: Connection, index: str) -> str:
    return str(
        connection.exec_driver_sql(
            "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
            "WHERE c.relname = %(index)s",
            {"index": index},
        ).scalar_one()
    )


def _indexed_table(connection: Connection, node: dict[str, Any]) -> str:
    """The table an index scan reads (a bitmap index scan's node does not name it)."""
    if "Relation Name" in node:
        return str(node["Relation Name"])
    return str(
        connection.exec_driver_sql(
            "SELECT t.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_class t ON t.oid = i.indrelid WHERE c.relname = %(index)s",
            {"index": node["Index Name"]},
        ).scalar_one()
    )


def _first_rows_only(statement: str) -> bool:
    """A query with no condition and a LIMIT: read in an index's order, it stops early."""
    flat = " ".join(statement.upper().split())
    return " LIMIT " in flat and " WHERE " not in flat


def _table(name: str) -> str:
    """The table an alias names (SQLAlchemy numbers them: patient_search_keys_1)."""
    return re.sub(r"_\d+$", "", name)


def _short(statement: str) -> str:
    return " ".join(statement.split())[:300]


def test_the_guard_sees_a_full_scan(db: Database) -> None:
    """A query that must read every event is reported, on either database."""
    captured = Captured("SELECT count(*) FROM events WHERE length(payload) > 5", {})
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            captured = Captured(captured.statement, ())
        assert _full_scans(connection, captured) != []
