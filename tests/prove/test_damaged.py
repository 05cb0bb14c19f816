"""Damaged database files at CI strength (prove.damaged): each copy is refused with a clear
message, flagged by verify, or harmless; never an unhandled error, never a write to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from prove import damaged
from prove.sample import build_sample


@pytest.mark.slow
def test_damaged_files_figures_are_at_target() -> None:
    results = damaged.prove_damaged(copies=140, cli_runs=8)
    for figure in results.figures():
        assert figure.ok, figure.line()
    kinds = {kind for kind, _ in results.table()}
    outcomes = {outcome for _, outcome in results.table()}
    assert kinds == {"emptied", *damaged.KINDS}
    assert {damaged.REFUSED, damaged.FLAGGED, damaged.CLEAN} <= outcomes


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("damaged") / "source.sqlite"
    build_sample(f"sqlite:///{path}", signed=1, unsigned=1)
    return path


def test_undamaged_copy_opens_verifies_clean_and_is_not_written(
    source: Path, tmp_path: Path
) -> None:
    trial = damaged.try_copy(source.read_bytes(), "none", tmp_path / "copy.sqlite", False)
    assert (trial.outcome, trial.written, trial.damaged) == (damaged.CLEAN, False, False)


def test_damaged_file_in_rollback_journal_mode_is_refused_unwritten(
    source: Path, tmp_path: Path
) -> None:
    """Opening switches a file to WAL mode, which writes to it: only once it passed its check."""
    data = bytearray(source.read_bytes())
    data[18:20] = b"\x01\x01"
    page = int.from_bytes(data[16:18], "big")
    data[page * 2 : page * 3] = bytes(page)
    trial = damaged.try_copy(bytes(data), "test", tmp_path / "copy.sqlite", True)
    assert (trial.outcome, trial.written) == (damaged.REFUSED, False)


def test_emptied_file_is_refused_not_taken_for_a_new_database(tmp_path: Path) -> None:
    """A file truncated to 0 bytes would open as a new, empty clinic: it is refused."""
    trial = damaged.try_copy(b"", "emptied", tmp_path / "copy.sqlite", True)
    assert (trial.outcome, trial.detail, trial.written) == (
        damaged.REFUSED,
        "DatabaseDamaged",
        False,
    )


def test_unknown_schema_revision_is_refused_unwritten(source: Path, tmp_path: Path) -> None:
    data = bytearray(source.read_bytes())
    at = damaged.layout_of(source).revision_at
    data[at : at + 4] = b"9999"
    trial = damaged.try_copy(bytes(data), "test", tmp_path / "copy.sqlite", False)
    assert (trial.outcome, trial.detail, trial.written) == (damaged.REFUSED, "StorageError", False)


def test_schema_sqlite_cannot_even_name_is_refused_unwritten(source: Path, tmp_path: Path) -> None:
    """SQLite's error names the broken schema text, which is not UTF-8: sqlite3 then raises
    UnicodeDecodeError instead of its own error, while the connection is being set up."""
    data = bytearray(source.read_bytes())
    data[data.index(b"CREATE TABLE events") + 3] = 0xFF
    trial = damaged.try_copy(bytes(data), "test", tmp_path / "copy.sqlite", True)
    assert (trial.outcome, trial.detail, trial.written) == (
        damaged.REFUSED,
        "DatabaseDamaged",
        False,
    )


def test_schema_sqlite_cannot_even_name_is_refused_read_only_too(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same damage on a database opened read-only (KETACHART_READ_ONLY=1)."""
    monkeypatch.setenv("KETACHART_READ_ONLY", "1")
    test_schema_sqlite_cannot_even_name_is_refused_unwritten(source, tmp_path)


@pytest.mark.parametrize(
    ("code", "stdout", "stderr", "clear"),
    [
        (0, "verify: database intact: ...\n", "", True),
        (1, "PROBLEM x\n", "verify: 1 problem(s) found.\n", True),
        (1, "", "ketachart: error: The database file is damaged.\n", True),
        (1, "", "ketachart: unexpected error; details are in the log: x\n", False),
        (1, "", "Traceback (most recent call last):\n  ...\nValueError: x\n", False),
        (0, "", "", False),
        (-9, "", "", False),
    ],
)
def test_what_counts_as_a_clear_cli_answer(
    code: int, stdout: str, stderr: str, clear: bool
) -> None:
    assert damaged.cli_is_clear(code, stdout, stderr) is clear
