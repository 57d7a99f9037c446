"""Response-time charts drawn on the server as SVG: nothing to load, legible in dark mode.

The SVG uses classes only (no inline style, which the CSP forbids); `app.css` colours
them from the theme's variables, so they follow light and dark mode. Each chart has a
`<title>` and `<desc>` for screen readers, and the page shows the same figures as a table.
"""

import html
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from .selectors import Figures

WIDTH = 640
LABEL_WIDTH = 230
BAR_AREA = 300
ROW = 26
BAR = 16


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str
    kind: str  # a CSS class suffix: median, p90, share
    target: float | None = None


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def bar_chart(*, chart_id: str, title: str, description: str, bars: list[Bar], maximum: float) -> SafeString:
    maximum = maximum or 1
    height = ROW * len(bars) + 34
    parts = [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{_escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{_escape(description)}</desc>',
        f'<line class="chart-axis" x1="{LABEL_WIDTH}" y1="4" x2="{LABEL_WIDTH}" y2="{height - 26}"/>',
    ]
    for index, bar in enumerate(bars):
        y = 8 + index * ROW
        parts.append(f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + BAR - 3}" text-anchor="end">'
                     f"{_escape(bar.label)}</text>")  # fmt: skip
        width = 0 if bar.value is None else max(2, round(BAR_AREA * min(bar.value, maximum) / maximum))
        if bar.value is not None:
            parts.append(f'<rect class="chart-bar chart-bar-{bar.kind}" x="{LABEL_WIDTH}" y="{y}" width="{width}" '
                         f'height="{BAR}" rx="3"/>')  # fmt: skip
        parts.append(f'<text class="chart-value" x="{LABEL_WIDTH + width + 6}" y="{y + BAR - 3}">'
                     f"{_escape(bar.text)}</text>")  # fmt: skip
        if bar.target is not None:
            x = LABEL_WIDTH + round(BAR_AREA * min(bar.target, maximum) / maximum)
            parts.append(f'<line class="chart-target" x1="{x}" y1="{y - 3}" x2="{x}" y2="{y + BAR + 3}"/>')
    legend_y = height - 10
    parts.append(f'<line class="chart-target" x1="{LABEL_WIDTH}" y1="{legend_y - 9}" x2="{LABEL_WIDTH}" '
                 f'y2="{legend_y + 2}"/>')  # fmt: skip
    parts.append(f'<text class="chart-legend" x="{LABEL_WIDTH + 6}" y="{legend_y}">the target</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


def _hours_text(value: float | None) -> str:
    if value is None:
        return "no data yet"
    return f"{value:.1f} business hours" if value < 100 else f"{value:.0f} business hours"


def hours_chart(figures: list[Figures], *, first_target_hours: float, answer_target_hours: float) -> SafeString:
    bars = []
    for f in figures:
        bars += [
            Bar(f"First response, median ({f.days} d)", f.first_response_median, _hours_text(f.first_response_median),
                "median", first_target_hours),
            Bar(f"First response, 90th pct ({f.days} d)", f.first_response_p90, _hours_text(f.first_response_p90),
                "p90", first_target_hours),
            Bar(f"Answer, median ({f.days} d)", f.answer_median, _hours_text(f.answer_median), "median",
                answer_target_hours),
            Bar(f"Answer, 90th pct ({f.days} d)", f.answer_p90, _hours_text(f.answer_p90), "p90", answer_target_hours),
        ]  # fmt: skip
    values = [b.value for b in bars if b.value is not None] + [first_target_hours, answer_target_hours]
    description = "; ".join(f"{b.label}: {b.text}" for b in bars) + (
        f". Targets: first response within {first_target_hours:g} and answer within {answer_target_hours:g} "
        "business hours."
    )
    return bar_chart(
        chart_id="chart-hours", title="Business hours to first response and to answer",
        description=description, bars=bars, maximum=max(values) * 1.15,
    )  # fmt: skip


def _share_text(share: float | None, counted: int) -> str:
    return "no data yet" if share is None else f"{share:.0%} of {counted}"


def share_chart(figures: list[Figures]) -> SafeString:
    bars = []
    for f in figures:
        bars += [
            Bar(f"First response in time ({f.days} d)", None if f.first_response_within is None
                else 100 * f.first_response_within, _share_text(f.first_response_within, f.first_response_counted),
                "share", 100),
            Bar(f"Answered in time ({f.days} d)", None if f.answer_within is None else 100 * f.answer_within,
                _share_text(f.answer_within, f.answer_counted), "share", 100),
        ]  # fmt: skip
    description = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return bar_chart(
        chart_id="chart-share", title="Share of questions answered within target", description=description,
        bars=bars, maximum=100,
    )  # fmt: skip
