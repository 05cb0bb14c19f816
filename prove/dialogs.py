"""Garbage in every UI dialog: the UI tests marked `garbage` (tests/ui) each type bad input
(empty, huge, non-numeric, negative, unicode, SQL-looking text, control characters) into a real
dialog on a temporary SQLite database and check that it shows the core's message and saves
nothing wrong. Run and counted by prove.ui_checks.
"""

from __future__ import annotations

from prove import Figure
from prove.ui_checks import marked_checks

AREA = "bad input (UI)"


def run(full: bool) -> list[Figure]:
    """The same at either strength: every dialog, every kind of garbage."""
    del full
    cases, failed = marked_checks("garbage")
    return [Figure(AREA, "dialog garbage checks", cases, "failed", failed)]


if __name__ == "__main__":
    for figure in run(True):
        print(figure.line())
