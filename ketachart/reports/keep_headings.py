"""No heading is the last line of a page: before each heading, a conditional page break
that asks for room for the heading and the first lines of what follows it (a table's header
and first row, a paragraph's first two lines, a chart or a facts table whole)."""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Table
from reportlab.platypus.flowables import CondPageBreak, KeepTogether, Spacer

from ketachart.reports.headings import Heading
from ketachart.reports.script_text import ScriptText

FIRST_LINES = 2


class LeadTable(Table):  # type: ignore[misc]  # reportlab has no type hints
    """A data table that knows its header and first row as a small table of their own, to
    measure the room they need without laying out every row twice."""

    lead: Table | None = None


class KeptTable(KeepTogether):  # type: ignore[misc]  # reportlab has no type hints
    """A short table kept on one page, measured through the table itself (KeepTogether's
    own wrap reports a huge height to force a split)."""

    def __init__(self, table: Table) -> None:
        super().__init__([table])
        self.table = table


class RoomForHeading(CondPageBreak):  # type: ignore[misc]  # reportlab has no type hints
    def __init__(self, heading: Heading, following: list[Flowable]) -> None:
        super().__init__(0)
        self.heading, self.following = heading, following

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        room = _room(self.heading, self.canv, available_width)
        self.height = room + _first_lines(self.following, self.canv, available_width)
        result: tuple[float, float] = super().wrap(available_width, available_height)
        return result


def keep_headings(flowables: list[Flowable]) -> list[Flowable]:
    """`flowables` with a RoomForHeading before each heading."""
    kept: list[Flowable] = []
    for index, flowable in enumerate(flowables):
        if isinstance(flowable, Heading):
            kept.append(RoomForHeading(flowable, flowables[index + 1 :]))
        kept.append(flowable)
    return kept


def _room(heading: Heading, canvas: Canvas, width: float) -> float:
    _, height = heading.wrapOn(canvas, width, 1e6)
    return float(height + heading.getSpaceBefore() + heading.getSpaceAfter())


def _first_lines(following: list[Flowable], canvas: Canvas, width: float) -> float:
    """The height of what must share the page with a heading: up to and including the
    first flowable that holds content (another heading or a spacer does not count)."""
    needed = 0.0
    for flowable in following:
        if isinstance(flowable, Heading):
            needed += _room(flowable, canvas, width)
        elif isinstance(flowable, Spacer):  # also CondPageBreak, a Spacer of no height
            needed += 0.0 if isinstance(flowable, CondPageBreak) else float(flowable.height)
        else:
            return needed + _lead(flowable, canvas, width)
    return needed


def _lead(flowable: Flowable, canvas: Canvas, width: float) -> float:
    if isinstance(flowable, LeadTable) and flowable.lead is not None:
        return float(flowable.lead.wrapOn(canvas, width, 1e6)[1])
    if isinstance(flowable, KeptTable):
        return float(flowable.table.wrapOn(canvas, width, 1e6)[1])
    _, height = flowable.wrapOn(canvas, width, 1e6)
    if isinstance(flowable, Paragraph | ScriptText):
        leading = float(
            flowable.style.leading if isinstance(flowable, Paragraph) else flowable.leading
        )
        return min(float(height), FIRST_LINES * leading)
    return float(height)
