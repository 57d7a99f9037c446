"""Progress and status at the edges: direction down, target reached, before the start, after the due date."""

from datetime import date
from decimal import Decimal as D

import pytest

from apps.plans.progress import AT_RISK, OFF_TRACK, ON_TRACK, expected_progress, progress, standing

START, DUE = date(2026, 1, 1), date(2026, 1, 11)  # ten days


def at(day: int, value, baseline="0", target="100"):
    return standing(value=None if value is None else D(value), baseline=D(baseline), target=D(target),
                    starts_on=START, due_on=DUE, today=date(2026, 1, day))  # fmt: skip


def test_progress_is_the_share_of_the_way_from_baseline_to_target():
    assert progress(value=D("75"), baseline=D("50"), target=D("100")) == 0.5


def test_lower_is_better_reads_the_same_way():
    assert progress(value=D("20"), baseline=D("30"), target=D("10")) == 0.5
    assert at(6, "20", baseline="30", target="10").status == ON_TRACK  # half way, half the time
    assert at(6, "29", baseline="30", target="10").status == OFF_TRACK


def test_a_zero_range_is_refused():
    with pytest.raises(ValueError, match="differ"):
        progress(value=D("1"), baseline=D("5"), target=D("5"))


def test_expected_progress_before_the_start_and_after_the_due_date():
    assert expected_progress(starts_on=START, due_on=DUE, today=date(2025, 12, 1)) == 0.0
    assert expected_progress(starts_on=START, due_on=DUE, today=date(2026, 2, 1)) == 1.0
    assert at(1, None).status == ON_TRACK  # before (or on) the start, nothing is expected yet


def test_status_against_elapsed_time():
    assert at(6, "45").status == ON_TRACK  # 5 points behind half way
    assert at(6, "35").status == AT_RISK  # 15 points behind
    assert at(6, "20").status == OFF_TRACK  # 30 points behind


def test_reaching_the_target_is_on_track_even_late_and_missing_it_after_the_due_date_is_off_track():
    reached = standing(value=D("100"), baseline=D("0"), target=D("100"), starts_on=START, due_on=DUE,
                       today=date(2026, 3, 1))  # fmt: skip
    assert reached.reached and reached.status == ON_TRACK and reached.percent == 100
    late = standing(value=D("85"), baseline=D("0"), target=D("100"), starts_on=START, due_on=DUE,
                    today=date(2026, 3, 1))  # fmt: skip
    assert late.status == OFF_TRACK
    beyond = at(6, "120")
    assert beyond.reached and beyond.percent == 120
