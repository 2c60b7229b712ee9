"""Small server-made SVG charts; every mark carries a <title> so hovering shows its number."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Point:
    """One value of a line chart."""

    label: str
    value: float
    title: str


@dataclass(frozen=True)
class Part:
    """One coloured part of a bar: its value, its CSS class and its hover text."""

    value: float
    css: str
    title: str


@dataclass(frozen=True)
class Bar:
    """One bar (stacked from its parts) with its axis label and the text beside it."""

    label: str
    parts: tuple[Part, ...]
    note: str = ""


def nice_max(value: float) -> float:
    """Return the top of a count axis: four equal, round, whole-number steps."""
    quarter = max(value, 1) / 4
    power = 10 ** math.floor(math.log10(quarter)) if quarter >= 1 else 1
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        size = step * power
        if quarter <= size and size == int(size):
            return 4 * size
    return 40 * power


def _num(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")


def _y_axis(top: float, left: int, right: int, y0: int, y1: int) -> list[str]:
    out = []
    for i in range(5):
        value = top * i / 4
        y = y0 - (y0 - y1) * i / 4
        out.append(f'<line class="grid" x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_num(round(value, 2))}</text>"
        )
    return out


def line_chart(points: Sequence[Point], label: str, width: int = 640, height: int = 220) -> Markup:
    """Return a line chart of the points, evenly spaced left to right."""
    left, right, top_y, bottom_y = 44, width - 12, 14, height - 30
    top = nice_max(max((p.value for p in points), default=0))
    body = _y_axis(top, left, right, bottom_y, top_y)
    if not points:
        return _svg(width, height, label, body)
    step = (right - left) / max(len(points) - 1, 1)
    xy = [
        (left + i * step, bottom_y - (bottom_y - top_y) * p.value / top)
        for i, p in enumerate(points)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    area = f"{left:.1f},{bottom_y} {line} {xy[-1][0]:.1f},{bottom_y}"
    body.append(f'<polygon class="area" points="{area}"/>')
    body.append(f'<polyline class="line" points="{line}"/>')
    for (x, y), point in zip(xy, points, strict=True):
        body.append(
            f'<g class="dot"><circle class="hit" cx="{x:.1f}" cy="{y:.1f}" r="9"/>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"/><title>{escape(point.title)}</title></g>'
        )
    for i in sorted({0, len(points) // 2, len(points) - 1}):
        anchor = "start" if i == 0 else ("end" if i == len(points) - 1 else "middle")
        body.append(
            f'<text class="tick" x="{xy[i][0]:.1f}" y="{height - 10}"'
            f' text-anchor="{anchor}">{escape(points[i].label)}</text>'
        )
    return _svg(width, height, label, body)


def column_chart(bars: Sequence[Bar], label: str, width: int = 640, height: int = 220) -> Markup:
    """Return vertical stacked columns, one per bar."""
    left, right, top_y, bottom_y = 44, width - 12, 14, height - 30
    top = nice_max(max((sum(p.value for p in b.parts) for b in bars), default=0))
    body = _y_axis(top, left, right, bottom_y, top_y)
    slot = (right - left) / max(len(bars), 1)
    bar_w = max(slot * 0.7, 1)
    for i, bar in enumerate(bars):
        x = left + i * slot + (slot - bar_w) / 2
        y = float(bottom_y)
        for part in bar.parts:
            h = (bottom_y - top_y) * part.value / top
            y -= h
            body.append(
                f'<rect class="{escape(part.css)}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}"'
                f' height="{h:.1f}"><title>{escape(part.title)}</title></rect>'
            )
    for i in sorted({0, len(bars) // 2, len(bars) - 1} if bars else set()):
        x = left + i * slot + slot / 2
        body.append(
            f'<text class="tick" x="{x:.1f}" y="{height - 10}" text-anchor="middle">'
            f"{escape(bars[i].label)}</text>"
        )
    return _svg(width, height, label, body)


def bar_chart(
    bars: Sequence[Bar], label: str, scale: float | None = None, width: int = 640
) -> Markup:
    """Return horizontal stacked bars with their label on the left and their note on the right."""
    row_h, label_w, note_w = 30, 170, 170
    height = max(len(bars), 1) * row_h + 8
    top = scale or nice_max(max((sum(p.value for p in b.parts) for b in bars), default=0))
    span_w = width - label_w - note_w - 8
    body = []
    for i, bar in enumerate(bars):
        y = 4 + i * row_h
        body.append(
            f'<text class="label" x="{label_w - 8}" y="{y + 19}" text-anchor="end">'
            f"{escape(bar.label)}</text>"
        )
        body.append(f'<rect class="track" x="{label_w}" y="{y + 6}" width="{span_w}" height="18"/>')
        x = float(label_w)
        for part in bar.parts:
            w = span_w * part.value / top if top else 0
            body.append(
                f'<rect class="{escape(part.css)}" x="{x:.1f}" y="{y + 6}" width="{w:.1f}"'
                f' height="18"><title>{escape(part.title)}</title></rect>'
            )
            x += w
        body.append(
            f'<text class="note" x="{label_w + span_w + 8}" y="{y + 19}">{escape(bar.note)}</text>'
        )
    return _svg(width, height, label, body)
