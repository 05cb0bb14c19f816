"""Where the database lives: --db, then KETACHART_DATABASE_URL, then the user-data folder;
--demo names the demo database instead. Each choice remembers where it came from, so that a
message about a wrong URL or a missing file names the flag or variable to fix."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import exc, make_url

from ketachart.errors import BadDatabaseUrl, KetachartError, NotFound
from ketachart.storage.database import sqlite_file_path
from ketachart.storage.files import private_folder

ENV_DATABASE_URL = "KETACHART_DATABASE_URL"
FROM_FLAG = "--db"
FROM_DEMO = "--demo"
FROM_DEFAULT = "the default database"


@dataclass(frozen=True)
class DatabaseChoice:
    """The database URL to use and where it came from: '--db', 'KETACHART_DATABASE_URL',
    '--demo' or 'the default database'."""

    url: str
    source: str

    def named(self, error: BadDatabaseUrl) -> BadDatabaseUrl:
        """The same error, saying which flag or variable holds the wrong URL."""
        return BadDatabaseUrl(f"{self.source}: {error.message}")

    def require_file(self) -> None:
        """For commands that only read: an SQLite file that does not exist is an error (it
        would otherwise be created empty, and reported intact)."""
        try:
            path = sqlite_file_path(make_url(self.url))
        except exc.ArgumentError:
            return  # opening it says the URL is wrong, naming the source
        if path is not None and not path.exists():
            raise NotFound(
                f"There is no database file at {path} ({self.source}). Check the path; "
                "`ketachart init` creates a new database."
            )


def _data_folder() -> Path:
    return Path(user_data_dir("ketachart", appauthor=False))


def default_database_path() -> Path:
    return _data_folder() / "ketachart.sqlite"


def demo_database_path() -> Path:
    """The demo clinic of `ketachart --demo COMMAND`, beside (never instead of) the default."""
    return _data_folder() / "demo.sqlite"


def choose_database(explicit: str | None, *, demo: bool = False) -> DatabaseChoice:
    """The database to use, creating ketachart's own data folder (0700) when it is needed."""
    if demo:
        if explicit:
            raise KetachartError(
                "--demo names the demo database: leave out --db, or leave out --demo."
            )
        return DatabaseChoice(_in_own_folder(demo_database_path()), FROM_DEMO)
    if explicit:
        return DatabaseChoice(explicit, FROM_FLAG)
    from_env = os.environ.get(ENV_DATABASE_URL, "").strip()
    if from_env:
        return DatabaseChoice(from_env, ENV_DATABASE_URL)
    return DatabaseChoice(_in_own_folder(default_database_path()), FROM_DEFAULT)


def _in_own_folder(path: Path) -> str:
    private_folder(path.parent, tighten=True)
    return f"sqlite:///{path}"


def resolve_database_url(explicit: str | None) -> str:
    """The database URL to use, creating the default folder when it is needed."""
    return choose_database(explicit).url
