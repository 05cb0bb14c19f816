"""Fixtures for the PDF tests: a clinic on SQLite (the engine-independent tests) with the
clinic's name set, and a way to read a PDF back as text, page by page."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from ketachart.clock import ManualClock
from ketachart.storage.database import open_database
from tests.reports import charted
from tests.support import Clinic, make_clinic


@pytest.fixture
def sqlite_clinic(migrated_sqlite_url: str, clock: ManualClock) -> Iterator[Clinic]:
    database = open_database(migrated_sqlite_url, clock)
    clinic = make_clinic(database, clock)
    charted.set_clinic(clinic)
    yield clinic
    database.dispose()


def page_texts(pdf: bytes | Path) -> list[str]:
    """The text of each page, whitespace runs (table cells, wrapped lines) as one space."""
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    reader = PdfReader(io.BytesIO(data))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
