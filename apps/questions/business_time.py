"""Business time in a department's working calendar: when a target falls due, how long an answer took.

The arithmetic is `businesstimedelta`'s (working days and hours in a time zone, minus
holidays); public holidays come from the `holidays` package by country, plus the
department's own closed days. Working hours are local to the calendar's time zone and
each day is localised on its own, so a target that spans a change to or from summer time
still counts the hours people were at work.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import businesstimedelta
import holidays as public_holidays
import pytz

SCAN_DAYS = 365 * 5  # how far businesstimedelta looks for the next holiday


class _ClosedDays:
    """The days a calendar is closed: a country's public holidays and the department's own."""

    def __init__(self, country: str, extra: frozenset[dt.date]) -> None:
        self.public = public_holidays.country_holidays(country) if country else None
        self.extra = extra

    def __contains__(self, day: dt.date) -> bool:
        return day in self.extra or (self.public is not None and day in self.public)


class _HolidayRule(businesstimedelta.HolidayRule):
    """businesstimedelta's rule fails when no holiday follows within its scan; there is then none to avoid."""

    def next_holiday(self, date, reverse=False, max_days=SCAN_DAYS):
        found = super().next_holiday(date, reverse=reverse, max_days=max_days)
        if found is None:
            return date + dt.timedelta(days=-(max_days + 2) if reverse else max_days + 2)
        return found


@dataclass(frozen=True)
class WorkingCalendar:
    time_zone: str
    working_days: tuple[int, ...]  # 0 = Monday
    day_starts: dt.time
    day_ends: dt.time
    holiday_country: str = ""
    closed_days: frozenset[dt.date] = frozenset()

    @property
    def hours_per_day(self) -> float:
        start = dt.datetime.combine(dt.date(2000, 1, 3), self.day_starts)
        end = dt.datetime.combine(dt.date(2000, 1, 3), self.day_ends)
        return (end - start).total_seconds() / 3600

    @cached_property
    def _rules(self) -> businesstimedelta.Rules:
        tz = pytz.timezone(self.time_zone)
        rules = [
            businesstimedelta.WorkDayRule(
                start_time=self.day_starts, end_time=self.day_ends, working_days=list(self.working_days), tz=tz
            )
        ]
        if self.holiday_country or self.closed_days:
            rules.append(_HolidayRule(_ClosedDays(self.holiday_country, self.closed_days), tz=tz))
        return businesstimedelta.Rules(rules)

    def add_business_days(self, start: dt.datetime, days: float) -> dt.datetime:
        """The moment `days` working days (of this calendar's length) after `start`, in UTC."""
        return self.add_business_seconds(start, round(days * self.hours_per_day * 3600))

    def add_business_seconds(self, start: dt.datetime, seconds: int) -> dt.datetime:
        if seconds <= 0:
            return start.astimezone(dt.UTC)
        due = start + businesstimedelta.BusinessTimeDelta(self._rules, seconds=seconds)
        return due.astimezone(dt.UTC)

    def business_seconds_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working seconds from `start` to `end` (0 if `end` is not later)."""
        if end <= start:
            return 0
        return round(self._rules.difference(start, end).timedelta.total_seconds())


def available_countries() -> list[tuple[str, str]]:
    """(ISO code, name) of every country whose public holidays the `holidays` package knows, by name."""
    from holidays.registry import COUNTRIES

    return sorted(
        ((codes[1], module.replace("_", " ").title()) for module, codes in COUNTRIES.items()), key=lambda c: c[1]
    )
