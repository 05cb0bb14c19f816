"""The tests' databases: new PostgreSQL databases on the test server (empty, or copies of a
migrated template), dropped in the background; copies of a migrated SQLite file.

DROP DATABASE waits for a checkpoint of the whole server, about a second while other tests
write, so a test does not wait for it: one thread per test process drops the databases of the
tests before it, and the session waits for that thread at its end.
"""

from __future__ import annotations

import queue
import shutil
import threading
import uuid
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from ketachart.storage.files import create_private_file

SQLITE_FILE = "ketachart-test.sqlite"


class PostgresServer:
    """Makes databases on the server at `url` (a superuser's) and drops them in the background."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.to_drop: queue.Queue[str | None] = queue.Queue()
        self.failures: list[str] = []
        self.dropper = threading.Thread(
            target=self._drop_in_turn, name="drop-databases", daemon=True
        )
        self.dropper.start()

    def create(self, template: str = "template1") -> str:
        """The URL of a new database, a copy of `template` (template1 is PostgreSQL's empty
        default; a template is copied only while nobody is connected to it)."""
        name = f"kc_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        """Drop the database at `url` soon (its connections are ended)."""
        name = make_url(url).database
        assert name is not None
        assert name.startswith("kc_test_")
        self.to_drop.put(name)

    def close(self) -> None:
        """Wait until every database is dropped; AssertionError if one could not be."""
        self.to_drop.put(None)
        self.dropper.join()
        assert not self.failures, f"test databases left on the server: {self.failures}"

    def _drop_in_turn(self) -> None:
        while (name := self.to_drop.get()) is not None:
            try:
                with psycopg.connect(self.admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except psycopg.Error as error:
                self.failures.append(f"{name}: {error}")


def sqlite_copy(template: Path, folder: Path) -> str:
    """The URL of a copy of the SQLite file `template` in `folder`, made 0600 first as
    open_database makes a new file."""
    path = folder / SQLITE_FILE
    create_private_file(path)
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"
