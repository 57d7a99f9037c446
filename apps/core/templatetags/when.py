"""`{% load when %}{{ value|when }}`: a moment as people read it, in their own time zone.

Recent moments read "3 min ago", older ones "1 Dec, 09:30", and the element always carries
the exact time (with the zone) in `datetime` and `title`; static/js/when.js keeps the
relative ones fresh.
"""

from datetime import datetime, timedelta
from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

RELATIVE_FOR = timedelta(hours=22)


def _relative(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min ago"
    return f"{round(seconds / 3600)} h ago"


@register.filter
def when(value: datetime | None) -> SafeString | str:
    """Every card and message shows one: built with `html.escape` and an f-string, not `format_html`.

    format_html's lazy-aware escaping was two thirds of this filter's 15 µs, and a feed page calls it
    for each card (BENCHMARKS.md, session 31). The times are plain text; they are escaped all the same.
    """
    if value is None:
        return ""
    local = timezone.localtime(value)
    now = timezone.now()
    age = now - value
    exact = local.strftime("%-d %b %Y, %H:%M %Z")
    if timedelta(0) <= age < RELATIVE_FOR:
        shown, relative = _relative(age), "true"
    else:
        same_year = local.year == timezone.localtime(now).year
        shown, relative = local.strftime("%-d %b, %H:%M" if same_year else "%-d %b %Y, %H:%M"), "false"
    return mark_safe(  # noqa: S308 - every part escaped here
        f'<time datetime="{escape(value.isoformat())}" title="{escape(exact)}" data-relative="{relative}">'
        f"{escape(shown)}</time>"
    )


@register.filter
def exact_time(value: datetime | None) -> str:
    """A deadline or a planned moment, always in full, with the zone's abbreviation (e.g. "CET")."""
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%-d %b %Y, %H:%M %Z")
