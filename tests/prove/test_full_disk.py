"""Full disk at reduced strength: every write path, capped with max_page_count (prove.full_disk)."""

from __future__ import annotations

from prove import full_disk
from prove.write_paths import WRITE_PATHS


def test_every_write_path_fails_clearly_loses_nothing_and_retries() -> None:
    tally = full_disk.full_disk_test(rounds=1)
    for figure in tally.figures():
        assert figure.ok, figure.line()
    assert sorted(set(tally.failed)) == sorted(path.name for path in WRITE_PATHS)
    assert tally.unclear == []
    assert tally.retries_failed == []
    assert tally.never_full == []
    assert tally.problems == []
