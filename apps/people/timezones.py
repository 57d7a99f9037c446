"""People's time zones: every time a person sees is shown, and every date they pick is read, in theirs."""

import zoneinfo
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from apps.core.errors import Invalid


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]


def clean_time_zone(name: object) -> str:
    if not isinstance(name, str) or name not in time_zone_names():
        raise Invalid.field("time_zone", "Choose a time zone from the list, e.g. Europe/Paris.", code="bad_time_zone")
    return name


def zone_of(user) -> zoneinfo.ZoneInfo:
    """The person's zone (the server's until their browser has told us theirs)."""
    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    name = getattr(profile, "time_zone", "") or settings.TIME_ZONE
    return zoneinfo.ZoneInfo(name)


class TimeZoneMiddleware:
    """Activates the person's zone for the request: templates show their times, forms read their dates.

    The profile comes with the user (`ProfileModelBackend`), so this costs no query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.activate(zone_of(request.user))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
