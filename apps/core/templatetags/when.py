"""`{% load when %}{{ value|when }}`: a moment as people read it, in their own time zone.

Recent moments read "3 min ago", older ones "1 Dec, 09:30", and the element always carries
the exact time (with the zone) in `datetime` and `title`; static/js/when.js keeps the
relative ones fresh.
"""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

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
    if value is None:
        return ""
    local = timezone.localtime(value)
    now = timezone.now()
    exact = local.strftime("%-d %b %Y, %H:%M %Z")
    if timedelta(0) <= now - value < RELATIVE_FOR:
        shown = _relative(now - value)
        relative = "true"
    else:
        same_year = local.year == timezone.localtime(now).year
        shown = local.strftime("%-d %b, %H:%M" if same_year else "%-d %b %Y, %H:%M")
        relative = "false"
    return format_html(
        '<time datetime="{}" title="{}" data-relative="{}">{}</time>', value.isoformat(), exact, relative, shown
    )


@register.filter
def exact_time(value: datetime | None) -> str:
    """A deadline or a planned moment, always in full, with the zone's abbreviation (e.g. "CET")."""
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%-d %b %Y, %H:%M %Z")
