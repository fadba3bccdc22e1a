"""Geometry of the small waiting-time chart on the history page (inline SVG, no JavaScript).

Pure: takes (time, weeks) points and returns coordinates and labels for the template to draw.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 600, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28


@dataclass
class Chart:
    """What the template needs: a step line, dots, and axis ticks (all in viewBox units)."""

    width: int = WIDTH
    height: int = HEIGHT
    line: str = ""
    dots: list[tuple[float, float, int, dt.datetime]] = field(default_factory=list)
    y_ticks: list[tuple[float, int]] = field(default_factory=list)
    x_ticks: list[tuple[float, dt.datetime]] = field(default_factory=list)
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM
    minimum: int | None = None
    maximum: int | None = None

    @property
    def empty(self) -> bool:
        return not self.dots


def _nice_max(value: int) -> int:
    """Round the axis maximum up to a readable number (4, 8, 12, 20, 40, ...)."""
    if value <= 4:
        return 4
    step = 10 ** int(math.log10(value))
    for mult in (1, 2, 4, 5, 10):
        if value <= mult * step:
            return mult * step
    return 10 * step


def waiting_chart(points: list[tuple[dt.datetime, int]], now: dt.datetime) -> Chart:
    """A step chart: the waiting time holds until the next change, up to `now`."""
    chart = Chart()
    if not points:
        return chart
    points = sorted(points, key=lambda p: p[0])
    start, end = points[0][0], max(now, points[-1][0])
    span = (end - start).total_seconds() or 1.0
    top = _nice_max(max(w for _, w in points))
    x0, x1, y0, y1 = chart.plot_left, chart.plot_right, chart.plot_bottom, chart.plot_top

    def x(at: dt.datetime) -> float:
        return round(x0 + (at - start).total_seconds() / span * (x1 - x0), 1)

    def y(weeks: int) -> float:
        return round(y0 - weeks / top * (y0 - y1), 1)

    coords: list[str] = []
    for i, (at, weeks) in enumerate(points):
        if i:
            coords.append(f"{x(at)},{y(points[i - 1][1])}")
        coords.append(f"{x(at)},{y(weeks)}")
        chart.dots.append((x(at), y(weeks), weeks, at))
    coords.append(f"{x(end)},{y(points[-1][1])}")
    chart.line = " ".join(coords)
    chart.y_ticks = [(y(v), v) for v in (0, top // 2, top)]
    chart.x_ticks = [(x(start), start)] + ([(x(end), end)] if (end - start) > dt.timedelta(days=2) else [])
    weeks = [w for _, w in points]
    chart.minimum, chart.maximum = min(weeks), max(weeks)
    return chart
