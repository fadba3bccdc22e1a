"""Server-rendered SVG charts for the contract-manager pages, inline in the HTML.

Why not a charting library: pygal (the obvious candidate) writes a <style> element and inline
scripts into its SVG, which the site's Content-Security-Policy (style-src 'self', script-src
'self') forbids inline, and serving it as an image with a relaxed CSP would hide the chart's text
from screen readers. These few line and bar charts need ~150 lines: the SVG uses presentation
attributes only (no style attributes), has a <title>/<desc>, and every chart is shown next to a
table with the same numbers. Output is escaped markup (markupsafe); no Flask import.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

INK = "#1b1b1b"
MUTED = "#4a4a4a"
GRID = "#c9d1d9"
# Colour-blind-safe pair with >= 3:1 contrast on white, plus the accent of the site.
PALETTE = ("#00527a", "#b35900", "#1e6b30", "#6a3d9a")


@dataclass(frozen=True)
class Series:
    """One line: a name for the legend and one value (or None: no data) per x label."""

    name: str
    values: Sequence[float | None]
    dashed: bool = False


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _nice_ceiling(value: float) -> float:
    """Round an axis maximum up to 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for mult in (1, 2, 2.5, 5, 10):
        if value <= mult * power:
            return mult * power
    return 10 * power


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    y_max: float | None = None,
    y_format: Callable[[float], str] = _fmt,
    reference: tuple[float, str] | None = None,
    width: int = 640,
    height: int = 260,
) -> Markup:
    """A line chart with y grid, x labels, a legend and an optional dashed reference line (a target).

    `description` must state the numbers or point to the table that does (it becomes <desc>).
    """
    left, right, top, bottom = 48, 16, 34, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [v for s in series for v in s.values if v is not None]
    if reference:
        known.append(reference[0])
    top_value = y_max if y_max is not None else _nice_ceiling(max(known) if known else 1.0)
    n = len(labels)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n if n else 0)

    def y(v: float) -> float:
        return top + plot_h - (plot_h * min(max(v, 0.0), top_value) / top_value if top_value else 0)

    cid = escape(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cm-chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc" focusable="false">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for i in range(5):
        value = top_value * i / 4
        gy = y(value)
        parts.append(f'<line x1="{left}" y1="{gy:.1f}" x2="{width - right}" y2="{gy:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(
            f'<text x="{left - 6}" y="{gy + 4:.1f}" font-size="12" text-anchor="end" fill="{MUTED}">{escape(y_format(value))}</text>'
        )
    step = 1 if n <= 12 else 2 if n <= 24 else 3
    for i, label in enumerate(labels):
        if i % step == 0 or i == n - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 10}" font-size="11" text-anchor="middle" fill="{MUTED}">{escape(label)}</text>'
            )
    if reference:
        ry = y(reference[0])
        parts.append(
            f'<line x1="{left}" y1="{ry:.1f}" x2="{width - right}" y2="{ry:.1f}" stroke="#a4161a" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{width - right}" y="{ry - 5:.1f}" font-size="12" text-anchor="end" fill="#a4161a">{escape(reference[1])}</text>'
        )
    legend_x = left
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        dash = ' stroke-dasharray="4 3"' if s.dashed else ""
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, v in enumerate(s.values):
            if v is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(v):.1f}")
        if segment:
            segments.append(segment)
        for seg in segments:
            if len(seg) > 1:
                parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>')
        for i, v in enumerate(s.values):
            if v is not None:
                parts.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}"><title>{escape(labels[i])}: '
                    f'{escape(y_format(v))}</title></circle>'
                )
        parts.append(f'<line x1="{legend_x}" y1="14" x2="{legend_x + 18}" y2="14" stroke="{colour}" stroke-width="3"{dash}/>')
        parts.append(f'<text x="{legend_x + 24}" y="18" font-size="12" fill="{INK}">{escape(s.name)}</text>')
        legend_x += 32 + 7 * len(s.name)
    parts.append("</svg>")
    return Markup("".join(parts))


def share_meter(*, chart_id: str, share: float | None, target: float, label: str, width: int = 320, height: int = 36) -> Markup:
    """A horizontal bar 0-100% with the target marked: the headline figure at a glance."""
    cid = escape(chart_id)
    inner = width - 2
    value = 0.0 if share is None else max(0.0, min(1.0, share))
    colour = "#1e6b30" if share is not None and share >= target - 1e-9 else "#a4161a"
    tx = 1 + inner * target
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cm-meter" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{cid}-title" focusable="false"><title id="{cid}-title">{escape(label)}</title>'
        f'<rect x="1" y="8" width="{inner}" height="16" fill="#f3f5f7" stroke="{GRID}"/>'
        f'<rect x="1" y="8" width="{inner * value:.1f}" height="16" fill="{colour}"/>'
        f'<line x1="{tx:.1f}" y1="2" x2="{tx:.1f}" y2="{height - 4}" stroke="{INK}" stroke-width="2"/>'
        f"</svg>"
    )
