"""`python -m prove [--full] [AREA ...]`: run every area of the harness (or the named ones)
and print one table of figures.

Without --full it runs at the reduced strength CI uses; `make prove` runs it at full strength.
"""

from __future__ import annotations

import importlib
import logging
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from prove import Figure

AREAS = (
    "crash",
    "full_disk",
    "read_only",
    "damaged",
    "concurrency",
    "lock_holding",
    "tamper",
    "rewrite",
    "bad_input",
    "dialogs",
    "access",
    "privileges",
    "permissions",
    "enumeration",
    "logs",
    "times",
)


def run_area(name: str, full: bool) -> list[Figure]:
    module = importlib.import_module(f"prove.{name}")
    figures: list[Figure] = module.run(full)
    return figures


@contextmanager
def warnings_to_file() -> Iterator[Path]:
    """The areas cause errors on purpose (a full disk, a clock set back), and ketachart logs a
    warning for each: they go to a file while the areas run, so the table is not buried."""
    path = Path(tempfile.gettempdir()) / "ketachart-prove-warnings.log"
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    try:
        yield path
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()


def run_areas(names: Sequence[str], full: bool) -> list[Figure]:
    """Run the areas in turn, printing each figure as it comes."""
    figures: list[Figure] = []
    for name in names:
        try:
            found = run_area(name, full)
        except ModuleNotFoundError as error:
            print(f"| {name} | not run: {error} | FAILED |")
            figures.append(Figure(name, "not run", 0, "missing", 1))
            continue
        for figure in found:
            print(figure.line(), flush=True)
        figures.extend(found)
    return figures


def main(argv: list[str]) -> int:
    full = "--full" in argv
    named = [a for a in argv if a != "--full"]
    unknown = [a for a in named if a not in AREAS]
    if unknown:
        print(f"unknown area(s): {', '.join(unknown)}; the areas: {', '.join(AREAS)}")
        return 2
    print(f"ketachart proof harness, {'full' if full else 'reduced (CI)'} strength\n")
    print("| area | figures | target met |")
    print("| --- | --- | --- |", flush=True)
    started = time.perf_counter()
    with warnings_to_file() as warnings:
        figures = run_areas(named or AREAS, full)
    print(
        f"\n{len(figures)} figures in {time.perf_counter() - started:.0f} s; "
        f"{sum(not f.ok for f in figures)} not at target.\n"
        f"The warnings the areas caused on purpose are in {warnings}."
    )
    return 0 if all(f.ok for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
