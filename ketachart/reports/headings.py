"""Section and table titles as light flowables: one line of text needs no Paragraph markup
parsing, and a summary has dozens of them."""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable

from ketachart.reports.styles import RULE


class Heading(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """A one-line title in `style`'s font, colour and spacing; `rule` underlines it."""

    def __init__(self, text: str, style: ParagraphStyle, *, rule: bool = False) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self.rule = rule
        self.width = 0.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, float(self.style.leading)

    def getSpaceBefore(self) -> float:  # noqa: N802 - reportlab's name
        return float(self.style.spaceBefore)

    def getSpaceAfter(self) -> float:  # noqa: N802 - reportlab's name
        return float(self.style.spaceAfter)

    def draw(self) -> None:
        canvas, style = self.canv, self.style
        canvas.setFont(style.fontName, style.fontSize)
        canvas.setFillColor(style.textColor)
        baseline = style.leading - style.fontSize
        canvas.drawString(0, baseline, self.text)
        if self.rule:
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.6)
            canvas.line(0, baseline - 2.5, self.width, baseline - 2.5)
