"""Permissions: under umask 022, nothing ketachart makes is open to other users
(prove.permissions); and the count notices a file that is."""

from __future__ import annotations

import os
import sys

import pytest

from ketachart.storage import files
from prove import permissions

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


def test_permission_figures_are_at_target() -> None:
    umask = os.umask(0o077)
    os.umask(umask)
    (figure,) = permissions.run(full=False)
    assert figure.ok, figure.line()
    assert figure.tried >= 20
    assert os.umask(umask) == umask  # the area put the caller's umask back


def test_a_file_made_open_is_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "OWNER_FILE", 0o644)
    checked, open_ones = permissions.check_files()
    assert open_ones
    assert all(not path.is_dir() for path in open_ones)
    assert len(open_ones) < len(checked)
