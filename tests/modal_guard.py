"""A modal dialog that a test did not replace would wait for a person forever: in tests it
fails at once instead, naming the dialog."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog


def _refuse_modal(self: QDialog) -> int:
    raise AssertionError(
        f"a modal dialog opened in a test and would wait forever: {type(self).__name__} "
        f"{self.windowTitle()!r}; replace the hook that opens it"
    )


def install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QDialog, "exec", _refuse_modal)
