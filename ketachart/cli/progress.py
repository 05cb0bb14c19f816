"""A progress bar for long commands: on the terminal's error stream, and only when that is a
terminal (a pipe, a log file or a test sees nothing of it)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)


def _quiet(_: int) -> None:
    """No bar: nothing to show."""


@contextmanager
def progress_shown(
    total: Callable[[], int], description: str = "verifying events"
) -> Iterator[Callable[[int], None]]:
    """A callback that moves the bar on by n; `total` is asked only when a bar is shown (it
    may cost a count)."""
    if not sys.stderr.isatty():
        yield _quiet
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total())
        yield lambda n: bar.advance(task, n)
