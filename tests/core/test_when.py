"""`|when` (apps/core/templatetags/when.py): a moment in the reader's zone, relative while recent."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from apps.core.templatetags.when import exact_time, when

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def in_paris():
    with timezone.override(PARIS):
        yield


@pytest.mark.parametrize(
    ("ago", "shown"),
    [(timedelta(seconds=10), "just now"), (timedelta(minutes=5), "5 min ago"), (timedelta(hours=3), "3 h ago")],
)
def test_a_recent_moment_reads_relative_and_carries_the_exact_time(ago, shown):
    value = timezone.now() - ago
    local = value.astimezone(PARIS)
    assert when(value) == (
        f'<time datetime="{value.isoformat()}" title="{local.strftime("%-d %b %Y, %H:%M %Z")}" '
        f'data-relative="true">{shown}</time>'
    )


def test_an_older_moment_reads_as_a_date_in_the_readers_zone():
    last_year = datetime(timezone.now().year - 1, 3, 1, 8, 30, tzinfo=UTC)
    assert when(last_year) == (
        f'<time datetime="{last_year.isoformat()}" title="1 Mar {last_year.year}, 09:30 CET" '
        f'data-relative="false">1 Mar {last_year.year}, 09:30</time>'
    )
    this_year = timezone.now() - timedelta(days=40)
    if this_year.year == timezone.now().year:
        assert f">{this_year.astimezone(PARIS).strftime('%-d %b, %H:%M')}</time>" in when(this_year)


def test_a_moment_in_the_future_is_never_relative():
    soon = timezone.now() + timedelta(minutes=5)
    assert 'data-relative="false"' in when(soon)


def test_nothing_is_empty_and_the_output_is_safe_in_a_template():
    assert when(None) == "" and exact_time(None) == ""
    value = datetime(2026, 7, 14, 12, 0, tzinfo=UTC)
    rendered = Template("{% load when %}{{ value|when }}").render(Context({"value": value}))
    assert rendered == when(value) and rendered.startswith("<time ")
    assert exact_time(value) == "14 Jul 2026, 14:00 CEST"
