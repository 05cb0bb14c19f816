"""Application logging: a rotating file in the user's log folder. Never patient data."""

from __future__ import annotations

import logging
import logging.handlers
import os
from io import TextIOWrapper
from pathlib import Path

from platformdirs import user_log_dir

from ketachart.storage.files import open_private_append, private_folder

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_path() -> Path:
    return Path(user_log_dir("ketachart", appauthor=False)) / "ketachart.log"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are the owner's alone (0600): each file is opened through
    storage.files, and rotation only renames them."""

    def _open(self) -> TextIOWrapper:
        descriptor = open_private_append(Path(self.baseFilename))
        return os.fdopen(descriptor, "a", encoding=self.encoding, errors=self.errors)


def setup_logging(level: int = logging.INFO) -> Path:
    """Log to a rotating file; returns its path so errors can point to it."""
    path = log_path()
    private_folder(path.parent, tighten=True)
    root = logging.getLogger()
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        handler = PrivateRotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    return path
