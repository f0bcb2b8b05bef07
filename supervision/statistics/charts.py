"""Bar charts drawn on the server as SVG (the Content-Security-Policy allows no script and no
outside asset): this works out each bar's geometry; the template only writes the elements."""

from dataclasses import dataclass

from supervision.statistics.selectors import Tally

WIDTH = 640
BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 220
VALUE_WIDTH = 70


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    y: int
    width: int
    text_y: int


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    height: int
    label_width: int = LABEL_WIDTH
    bar_x: int = LABEL_WIDTH + 8
    width: int = WIDTH


def bar_chart(title: str, tallies: list[Tally], *, unit: str = "") -> BarChart:
    """Horizontal bars, one per tally, scaled to the largest; a zero keeps its row."""
    largest = max((item.count for item in tallies), default=0) or 1
    room = WIDTH - LABEL_WIDTH - 8 - VALUE_WIDTH
    bars = []
    for index, item in enumerate(tallies):
        y = index * (BAR_HEIGHT + GAP)
        bars.append(
            Bar(
                label=item.label,
                value=f"{item.count}{unit}",
                y=y,
                width=round(room * item.count / largest),
                text_y=y + BAR_HEIGHT - 6,
            )
        )
    return BarChart(title=title, bars=bars, height=max(len(bars), 1) * (BAR_HEIGHT + GAP))
