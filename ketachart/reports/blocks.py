"""What a report holds, as plain frozen data: sections of tables, facts, text and a chart.

The layout (summary_pdf) only decides how these look; every word is chosen here and in the
section builders, so tests can read a report without a PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ketachart.domain.trend import Trend


class Tone(StrEnum):
    NORMAL = "normal"
    MUTED = "muted"
    ALERT = "alert"


@dataclass(frozen=True)
class Span:
    """A run of text; struck-through text is a corrected original kept visible."""

    text: str
    struck: bool = False
    bold: bool = False
    tone: Tone = Tone.NORMAL


Cell = str | tuple[Span, ...]


def cell_text(cell: Cell) -> str:
    """The words of a cell without styling (for tests and search)."""
    return cell if isinstance(cell, str) else "".join(s.text for s in cell)


@dataclass(frozen=True)
class TableBlock:
    """Rows under a header that repeats on every page the table runs onto."""

    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    weights: tuple[float, ...]
    """Relative column widths."""
    title: str = ""
    empty: str = "None charted."


@dataclass(frozen=True)
class FactsBlock:
    """Label and value pairs, laid out in `columns` label/value column pairs."""

    facts: tuple[tuple[str, Cell], ...]
    columns: int = 2
    title: str = ""


@dataclass(frozen=True)
class TextBlock:
    text: Cell


@dataclass(frozen=True)
class VitalsChartBlock:
    """The session's trend: the very one the chart screen draws (domain.trend.session_trend),
    so paper and screen agree on the vitals, the baseline, the infusion with its rate and
    pauses, and the rescue medicines and side effects at their times."""

    trend: Trend
    ticks: tuple[tuple[datetime, str], ...]
    """The time axis's labels: round clock times (domain.trend.clock_ticks) and their text
    in the report's time zone."""


Block = TableBlock | FactsBlock | TextBlock | VitalsChartBlock


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class PageHeader:
    """What every page repeats: who and where this record belongs to."""

    clinic_name: str
    clinic_address: str
    patient_name: str
    date_of_birth: str
    mrn: str
    session_date: str
    chair: str
    zone_label: str
    draft: bool
    status: str
    footer: str
    clinic_key: str
    """The clinic key line of the footer ('Clinic key SHA256 1a2b …')."""


@dataclass(frozen=True)
class SummaryReport:
    title: str
    header: PageHeader
    sections: tuple[Section, ...]

    @property
    def table_rows(self) -> int:
        """Rows of every table the PDF draws: header and body rows of each non-empty table,
        and the rows of the label/value tables (the size a benchmark compares against)."""
        return sum(_rows(block) for section in self.sections for block in section.blocks)


def _rows(block: Block) -> int:
    if isinstance(block, TableBlock):
        return len(block.rows) + 1 if block.rows else 0
    if isinstance(block, FactsBlock):
        return -(-len(block.facts) // block.columns)
    return 0
