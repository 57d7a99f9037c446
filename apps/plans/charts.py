"""Goal charts drawn on the server as SVG: nothing to load, classes only (the CSP forbids inline
style; `plans.css` colours them from the theme), a `<title>` and `<desc>` for screen readers,
and the same numbers in a table on the goal's page.
"""

import html
from datetime import date
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 240, 56, 16, 14, 30


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _number(value: Decimal | float) -> str:
    return f"{float(value):g}"


def goal_chart(
    *,
    chart_id: str,
    title: str,
    unit: str,
    baseline: Decimal,
    target: Decimal,
    starts_on: date,
    due_on: date,
    points: list[tuple[date, Decimal]],
) -> SafeString:
    """Values over time, the target as a line, and the expected progress from baseline to target."""
    first = min([starts_on, *[d for d, _ in points]])
    last = max([due_on, *[d for d, _ in points]])
    days = max((last - first).days, 1)
    values = [float(baseline), float(target), *[float(v) for _, v in points]]
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or 1.0
    low, high = low - pad, high + pad

    def x(day: date) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - first).days / days, 1)

    def y(value: Decimal | float) -> float:
        return round(TOP + (HEIGHT - TOP - BOTTOM) * (high - float(value)) / (high - low), 1)

    described = "; ".join(f"{d:%d %b %Y}: {_number(v)} {unit}".strip() for d, v in points) or "no check-in yet"
    description = (
        f"Baseline {_number(baseline)}, target {_number(target)} {unit} by {due_on:%d %b %Y}, "
        f"from {starts_on:%d %b %Y}. Check-ins: {described}."
    )
    bottom = HEIGHT - BOTTOM
    parts = [
        f'<svg class="chart goal-chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{_e(title)}</title><desc id="{chart_id}-desc">{_e(description)}</desc>',
        f'<line class="chart-axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}"/>',
        f'<line class="chart-axis" x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}"/>',
        f'<text class="chart-label" x="{LEFT - 6}" y="{y(target) + 4}" text-anchor="end">{_e(_number(target))}</text>',
        f'<text class="chart-label" x="{LEFT - 6}" y="{y(baseline) + 4}" text-anchor="end">'
        f"{_e(_number(baseline))}</text>",
        f'<text class="chart-label" x="{LEFT}" y="{HEIGHT - 8}">{first:%d %b}</text>',
        f'<text class="chart-label" x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">{last:%d %b %Y}</text>',
        f'<line class="chart-target" x1="{LEFT}" y1="{y(target)}" x2="{WIDTH - RIGHT}" y2="{y(target)}"/>',
        f'<line class="chart-expected" x1="{x(starts_on)}" y1="{y(baseline)}" x2="{x(due_on)}" y2="{y(target)}"/>',
    ]
    if points:
        coords = " ".join(f"{x(d)},{y(v)}" for d, v in points)
        parts.append(f'<polyline class="chart-line" points="{coords}"/>')
        parts += [f'<circle class="chart-point" cx="{x(d)}" cy="{y(v)}" r="4"/>' for d, v in points]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


def summary_chart(rows: list[tuple[str, int, int]]) -> SafeString:
    """One bar per goal: progress in percent, with a mark at the expected progress. rows: (title, %, expected %)."""
    row, label_width, area = 28, 220, 360
    height = row * len(rows) + 12
    description = "; ".join(f"{t}: {p}% done, {e}% expected" for t, p, e in rows) or "no goals yet"
    parts = [
        f'<svg class="chart" id="chart-goals" viewBox="0 0 {label_width + area + 60} {height}" role="img" '
        'aria-labelledby="chart-goals-title chart-goals-desc" preserveAspectRatio="xMinYMin meet">',
        '<title id="chart-goals-title">Progress of every goal against the expected progress</title>',
        f'<desc id="chart-goals-desc">{_e(description)}</desc>',
    ]
    for index, (title, percent, expected) in enumerate(rows):
        top = 6 + index * row
        width = max(2, round(area * min(max(percent, 0), 100) / 100))
        mark = label_width + round(area * expected / 100)
        short = title if len(title) <= 32 else title[:31] + "…"
        parts += [
            f'<text class="chart-label" x="{label_width - 8}" y="{top + 14}" text-anchor="end">{_e(short)}</text>',
            f'<rect class="chart-bar chart-bar-share" x="{label_width}" y="{top}" width="{width}" height="18" rx="3"/>',
            f'<text class="chart-value" x="{label_width + width + 6}" y="{top + 14}">{percent}%</text>',
            f'<line class="chart-expected" x1="{mark}" y1="{top - 3}" x2="{mark}" y2="{top + 21}"/>',
        ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above
