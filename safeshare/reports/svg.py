"""Small hand-written SVG charts for the HTML reports (no charting dependency: the report is
a single self-contained file a governor can open offline or print)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    values: Sequence[float]


def _nice_max(value: float) -> float:
    """The smallest "round" axis top (4 gridlines of 1, 2, 2.5 or 5 x 10^k) at or above."""
    if value <= 0:
        return 4.0
    magnitude = 10.0 ** math.floor(math.log10(value / 4))
    for m in (1, 2, 2.5, 5, 10):
        if 4 * m * magnitude >= value:
            return max(4 * m * magnitude, 4.0)
    return value


_LEGEND_CHAR = 6.2  # px per character of 11px legend text, near enough


def _legend_rows(series: Sequence[Series], room: float) -> int:
    rows, used = 1, 0.0
    for s in series:
        span = 28 + _LEGEND_CHAR * len(s.label)
        if used + span > room and used > 0:
            rows, used = rows + 1, 0.0
        used += span
    return rows


def stacked_bars(
    categories: Sequence[str],
    series: Sequence[Series],
    title: str,
    y_label: str,
    width: int = 640,
    height: int = 280,
) -> str:
    """Vertical stacked bars, one per category, with a legend, gridlines and value labels."""
    left, right, top = 48, 16, 40
    legend_rows = _legend_rows(series, width - left - right)
    height += 10 + 18 * (legend_rows - 1)
    bottom = 66 + 18 * (legend_rows - 1)
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    y_max = _nice_max(max(totals, default=0))
    n = max(len(categories), 1)
    slot = plot_w / n
    bar_w = min(slot * 0.66, 56)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f'<text x="{left}" y="20" class="chart-title">{escape(title)}</text>',
    ]
    for k in range(5):
        value = y_max * k / 4
        y = top + plot_h - plot_h * k / 4
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" class="grid"/>'
        )
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">{value:g}</text>'
        )
    out.append(
        f'<text x="12" y="{top + plot_h / 2:.1f}" class="axis" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{escape(y_label)}</text>'
    )
    for i, cat in enumerate(categories):
        x = left + slot * i + (slot - bar_w) / 2
        y = top + plot_h
        for s in series:
            v = s.values[i]
            if v <= 0:
                continue
            h = plot_h * v / y_max
            y -= h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" rx="2" '
                f'fill="{s.colour}"><title>{escape(cat)}: {v:g} {escape(s.label)}</title></rect>'
            )
        if totals[i]:
            out.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" class="value" '
                f'text-anchor="middle">{totals[i]:g}</text>'
            )
        lines = cat.split("\n")  # a category label may take two lines ("Sep\n2025")
        spans = "".join(
            f'<tspan x="{x + bar_w / 2:.1f}" dy="{0 if k == 0 else 13}">{escape(line)}</tspan>'
            for k, line in enumerate(lines)
        )
        out.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16:.1f}" class="axis" '
            f'text-anchor="middle">{spans}</text>'
        )
    lx: float = left
    ly: float = height - 18 - 18 * (legend_rows - 1)
    for s in series:
        span = 28 + _LEGEND_CHAR * len(s.label)
        if lx + span > width - right and lx > left:
            lx, ly = float(left), ly + 18
        out.append(
            f'<rect x="{lx:.1f}" y="{ly:.1f}" width="12" height="12" rx="2" fill="{s.colour}"/>'
        )
        out.append(
            f'<text x="{lx + 16:.1f}" y="{ly + 10:.1f}" class="legend">{escape(s.label)}</text>'
        )
        lx += span
    out.append("</svg>")
    return "\n".join(out)
