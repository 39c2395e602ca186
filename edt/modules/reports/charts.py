"""Charts drawn on the server as inline SVG: bars, stacked bars and a progress bar.

This module only does the arithmetic (where each bar starts and how wide it is, in the units of
a 320-wide viewBox); templates/reports/_charts.html draws it. Colours come from CSS classes (the
CSP forbids style attributes), and every chart has a <title> and a table with the same figures
beside it, for screen readers and for copying.
"""
from dataclasses import dataclass, field

WIDTH = 320
LABEL_CHARS = 17      # longer labels are shortened in the chart (the table beside has them in full)
BAR_X = 106           # bars start after the labels...
BAR_WIDTH = 172       # ...and end before the value written on the right
ROW = 20
BAR = 13


@dataclass
class Segment:
    x: float
    width: float
    css: str


@dataclass
class Row:
    y: float
    label: str
    value: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Chart:
    id: str
    title: str
    rows: list[Row]
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css class, words)
    marker: float | None = None  # x of a target line across every row

    @property
    def height(self) -> int:
        return len(self.rows) * ROW + 4

    @property
    def width(self) -> int:
        return WIDTH


def _short(label) -> str:
    text = str(label)
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1].rstrip() + "…"


def _scale(value: float, top: float) -> float:
    return round(BAR_WIDTH * value / top, 1) if top > 0 and value > 0 else 0.0


def stacked(chart_id: str, title, rows: list[tuple], series: list[tuple[str, str]], *,
            top: float | None = None) -> Chart:
    """rows: (label, [value per series], value text). All rows share one scale (the largest row,
    or `top`), so lengths compare across rows."""
    top = top if top is not None else max((sum(values) for _label, values, _text in rows), default=0)
    chart = Chart(id=chart_id, title=str(title), rows=[], legend=[(css, str(words)) for css, words in series])
    for i, (label, values, text) in enumerate(rows):
        row, x = Row(y=i * ROW + 2, label=_short(label), value=str(text)), float(BAR_X)
        for (css, _words), value in zip(series, values):
            width = _scale(value, top)
            if width:
                row.segments.append(Segment(x=round(x, 1), width=width, css=css))
                x += width
        chart.rows.append(row)
    return chart


def bars(chart_id: str, title, rows: list[tuple], css: str = "b1", *, top: float | None = None) -> Chart:
    """rows: (label, value, value text)."""
    chart = stacked(chart_id, title, [(label, [value], text) for label, value, text in rows], [(css, "")], top=top)
    chart.legend = []
    return chart


def progress(chart_id: str, title, rows: list[tuple], series: list[tuple[str, str]], *, top: float,
             marker: float | None = None) -> Chart:
    """A progress bar: each row's segments on a scale of `top` (the target), over a grey track,
    with an optional target line at `marker`."""
    chart = stacked(chart_id, title, rows, series, top=top)
    for row in chart.rows:
        row.segments.insert(0, Segment(x=BAR_X, width=BAR_WIDTH, css="b0"))
    if marker is not None:
        chart.marker = round(BAR_X + _scale(min(marker, top), top), 1)
    return chart
