"""Where the database lives: --db, then KETACHART_DATABASE_URL, then the user-data folder."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

ENV_DATABASE_URL = "KETACHART_DATABASE_URL"


def default_database_path() -> Path:
    return Path(user_data_dir("ketachart", appauthor=False)) / "ketachart.sqlite"


def resolve_database_url(explicit: str | None) -> str:
    """The database URL to use, creating the default folder when it is needed."""
    if explicit:
        return explicit
    from_env = os.environ.get(ENV_DATABASE_URL, "").strip()
    if from_env:
        return from_env
    path = default_database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"
