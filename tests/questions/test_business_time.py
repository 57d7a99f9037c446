"""Business time in a working calendar: the edges (Friday evening, holidays, summer time, other time zones)."""

import datetime as dt

import pytest

from apps.questions.business_time import WorkingCalendar

UTC = dt.UTC
WEEK = (0, 1, 2, 3, 4)


def paris(**kwargs) -> WorkingCalendar:
    return WorkingCalendar("Europe/Paris", WEEK, dt.time(9), dt.time(17), **kwargs)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_a_question_on_friday_evening_is_due_on_monday_evening():
    # Friday 13 Nov 2026, 18:30 in Paris (17:30 UTC): nothing counts until Monday 9:00.
    assert paris().add_business_days(at(2026, 11, 13, 17, 30), 1) == at(2026, 11, 16, 16, 0)


def test_the_hours_left_on_friday_count_and_the_rest_follow_on_monday():
    # Friday 16:00 in Paris: one hour on Friday, seven on Monday.
    assert paris().add_business_days(at(2026, 11, 13, 15, 0), 1) == at(2026, 11, 16, 15, 0)


def test_a_public_holiday_is_skipped():
    # Thursday 12 Nov 2026 at 17:00 Paris; Wednesday 11 November is a holiday in France, Thursday is not.
    calendar = paris(holiday_country="FR")
    assert calendar.add_business_days(at(2026, 11, 10, 16, 0), 1) == at(2026, 11, 12, 16, 0)
    assert paris().add_business_days(at(2026, 11, 10, 16, 0), 1) == at(2026, 11, 11, 16, 0)


def test_the_departments_own_closed_days_are_skipped():
    calendar = paris(closed_days=frozenset({dt.date(2026, 11, 16)}))
    assert calendar.add_business_days(at(2026, 11, 13, 17, 30), 1) == at(2026, 11, 17, 16, 0)


def test_a_target_across_the_change_to_summer_time_counts_the_hours_at_work():
    # Friday 27 March 2026 16:00 CET (15:00 UTC); clocks go forward on Sunday 29 March.
    due = paris().add_business_days(at(2026, 3, 27, 15, 0), 1)
    assert due == at(2026, 3, 30, 14, 0)  # Monday 16:00 CEST is 14:00 UTC, no longer 15:00
    assert paris().business_seconds_between(at(2026, 3, 27, 15, 0), due) == 8 * 3600


def test_a_target_across_the_change_back_to_winter_time():
    # Friday 23 October 2026 16:00 CEST (14:00 UTC); clocks go back on Sunday 25 October.
    assert paris().add_business_days(at(2026, 10, 23, 14, 0), 1) == at(2026, 10, 26, 15, 0)


def test_each_calendar_counts_in_its_own_time_zone():
    tokyo = WorkingCalendar("Asia/Tokyo", WEEK, dt.time(9), dt.time(18))
    new_york = WorkingCalendar("America/New_York", WEEK, dt.time(9), dt.time(17))
    asked = at(2026, 11, 16, 12, 0)  # Monday: 21:00 in Tokyo, 7:00 in New York
    assert tokyo.add_business_days(asked, 1) == at(2026, 11, 17, 9, 0)  # Tuesday 18:00 in Tokyo
    assert new_york.add_business_days(asked, 1) == at(2026, 11, 16, 22, 0)  # Monday 17:00 in New York


def test_half_a_day_and_several_days():
    calendar = paris()
    assert calendar.add_business_days(at(2026, 11, 16, 8, 0), 0.5) == at(2026, 11, 16, 12, 0)
    assert calendar.add_business_days(at(2026, 11, 13, 17, 30), 3) == at(2026, 11, 18, 16, 0)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (at(2026, 11, 13, 15, 0), at(2026, 11, 16, 9, 0), 2),  # Friday 16:00 to Monday 10:00 Paris: 1 h + 1 h
        (at(2026, 11, 14, 10, 0), at(2026, 11, 15, 10, 0), 0),  # the whole weekend
        (at(2026, 11, 16, 10, 0), at(2026, 11, 16, 9, 0), 0),  # backwards
    ],
)
def test_business_time_between_two_moments(start, end, hours):
    assert paris().business_seconds_between(start, end) == hours * 3600


def test_a_calendar_with_no_holiday_ahead_still_counts():
    calendar = paris(closed_days=frozenset({dt.date(2001, 1, 1)}))
    assert calendar.add_business_days(at(2026, 11, 13, 17, 30), 1) == at(2026, 11, 16, 16, 0)
