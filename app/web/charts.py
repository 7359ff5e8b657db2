"""Inline SVG charts, drawn on the server.

Why SVG from Python rather than a JavaScript chart library: the pages then work offline and
without JavaScript, print well, need no build step, and every point can be a plain link (to
the session behind it) that a keyboard can reach. Each chart is a ``<figure>`` whose points
carry accessible labels; pages also show the same numbers as a table.

All text that reaches the SVG is escaped here, so the result can be marked safe.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

SERIES_STYLES = 6  # app.css defines .series-0 … .series-5 (colour and dash pattern)


@dataclass(frozen=True)
class ChartPoint:
    """One value; ``label`` is what a screen reader or tooltip says, ``href`` where it leads."""

    x: float
    y: float | None
    label: str
    href: str | None = None


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[ChartPoint]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to draw (e.g. a skill that was not observed)
    text: str  # what is written at the end of the bar


@dataclass(frozen=True)
class Frame:
    """Where the plot area sits inside the SVG's viewBox."""

    width: int = 560
    height: int = 230
    left: int = 44
    right: int = 16
    top: int = 14
    bottom: int = 34

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def bar_chart(
    bars: Sequence[Bar], *, chart_id: str, title: str, maximum: float = 5.0, ticks: int = 5
) -> Markup:
    """Horizontal bars on a 0..maximum scale: one row per bar, e.g. a level per skill."""
    row, label_w, width, text_w = 40, 140, 560, 112
    plot_w = width - label_w - text_w
    height = row * len(bars) + 26
    parts = [_svg_open(chart_id, title, width, height)]
    for tick in range(ticks + 1):
        x = label_w + plot_w * tick / ticks
        parts.append(
            f'<line class="grid" x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 22}"/>'
            f'<text class="tick" x="{x:.1f}" y="{height - 6}" text-anchor="middle">'
            f"{_num(maximum * tick / ticks)}</text>"
        )
    for i, bar in enumerate(bars):
        y = 4 + i * row
        parts.append(
            f'<text class="bar-label" x="{label_w - 8}" y="{y + row / 2 + 5:.1f}" '
            f'text-anchor="end">{escape(bar.label)}</text>'
        )
        length = 0.0 if bar.value is None else plot_w * max(0.0, min(bar.value, maximum)) / maximum
        if bar.value is not None:
            parts.append(
                f'<rect class="bar series-{i % SERIES_STYLES}" x="{label_w}" y="{y + 8}" '
                f'width="{length:.1f}" height="{row - 16}" rx="3"/>'
            )
        parts.append(
            f'<text class="bar-value" x="{label_w + length + 6:.1f}" y="{y + row / 2 + 5:.1f}">'
            f"{escape(bar.text)}</text>"
        )
    parts.append("</svg>")
    return _figure(chart_id, title, "".join(parts), legend=None)


def line_chart(
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    y_min: float,
    y_max: float,
    y_ticks: Sequence[float],
    y_format: Callable[[float], str] = _num,
    x_labels: Sequence[tuple[float, str]] = (),
    frame: Frame | None = None,
) -> Markup:
    """Lines over x; a point with ``href`` is a link. Gaps (y None) break the line."""
    frame = frame or Frame()
    xs = [p.x for s in series for p in s.points] or [0.0]
    x_lo, x_hi = min(xs), max(xs)

    def sx(x: float) -> float:
        if x_hi == x_lo:
            return frame.left + frame.plot_width / 2
        return frame.left + frame.plot_width * (x - x_lo) / (x_hi - x_lo)

    def sy(y: float) -> float:
        clamped = max(y_min, min(y, y_max))
        return frame.top + frame.plot_height * (1 - (clamped - y_min) / (y_max - y_min))

    parts = [_svg_open(chart_id, title, frame.width, frame.height)]
    parts += _y_axis(frame, y_ticks, sy, y_format)
    parts += _x_axis(frame, x_labels, sx)
    for i, one in enumerate(series):
        style = f"series-{i % SERIES_STYLES}"
        for segment in _segments(one.points):
            coords = " ".join(f"{sx(p.x):.1f},{sy(p.y or 0):.1f}" for p in segment)
            parts.append(f'<polyline class="line {style}" points="{coords}"/>')
        for point in one.points:
            if point.y is not None:
                parts.append(_point(point, sx(point.x), sy(point.y), style))
    if not any(p.y is not None for s in series for p in s.points):
        parts.append(
            f'<text class="empty" x="{frame.width / 2}" y="{frame.height / 2}" '
            'text-anchor="middle">Nothing to show yet</text>'
        )
    parts.append("</svg>")
    legend = [s.name for s in series] if len(series) > 1 else None
    return _figure(chart_id, title, "".join(parts), legend=legend)


def _svg_open(chart_id: str, title: str, width: int, height: int) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMidYMid meet" aria-labelledby="{escape(chart_id)}-title" '
        f'role="group"><title id="{escape(chart_id)}-title">{escape(title)}</title>'
    )


def _y_axis(
    frame: Frame, ticks: Sequence[float], sy: Callable[[float], float], fmt: Callable[[float], str]
) -> list[str]:
    right = frame.width - frame.right
    return [
        f'<line class="grid" x1="{frame.left}" y1="{sy(t):.1f}" x2="{right}" y2="{sy(t):.1f}"/>'
        f'<text class="tick" x="{frame.left - 6}" y="{sy(t) + 4:.1f}" text-anchor="end">'
        f"{escape(fmt(t))}</text>"
        for t in ticks
    ]


def _x_axis(
    frame: Frame, labels: Sequence[tuple[float, str]], sx: Callable[[float], float]
) -> list[str]:
    y = frame.height - 10
    parts = []
    for i, (x, text) in enumerate(labels):
        anchor = "middle"
        if len(labels) > 1 and i == 0:
            anchor = "start"
        elif len(labels) > 1 and i == len(labels) - 1:
            anchor = "end"
        parts.append(
            f'<text class="tick" x="{sx(x):.1f}" y="{y}" text-anchor="{anchor}">'
            f"{escape(text)}</text>"
        )
    return parts


def _segments(points: Sequence[ChartPoint]) -> list[list[ChartPoint]]:
    """Runs of consecutive points that have a value; a missing value breaks the line."""
    runs: list[list[ChartPoint]] = [[]]
    for point in points:
        if point.y is None:
            runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if len(run) > 1]


def _point(point: ChartPoint, x: float, y: float, style: str) -> str:
    label = escape(point.label)
    dot = (
        f'<circle class="dot {style}" cx="{x:.1f}" cy="{y:.1f}" r="5">'
        f"<title>{label}</title></circle>"
    )
    if point.href is None:
        return dot
    return f'<a href="{escape(point.href)}" aria-label="{label}">{dot}</a>'


def _figure(chart_id: str, title: str, svg: str, legend: Sequence[str] | None) -> Markup:
    items = ""
    if legend:
        items = (
            '<ul class="legend">'
            + "".join(
                f'<li><span class="swatch series-{i % SERIES_STYLES}" aria-hidden="true"></span>'
                f"{escape(name)}</li>"
                for i, name in enumerate(legend)
            )
            + "</ul>"
        )
    return Markup(
        f'<figure class="chart-figure" id="{escape(chart_id)}">'
        f"<figcaption>{escape(title)}</figcaption>{svg}{items}</figure>"
    )
