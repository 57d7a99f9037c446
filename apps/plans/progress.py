"""How far a goal has come and whether it is on track: pure arithmetic, shown on the page as a rule.

progress = (value − baseline) / (target − baseline), so it reads the same whether higher
or lower is better (for "lower is better" both differences are negative). Expected progress
is the share of the goal's time that has passed. The status compares the two.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ON_TRACK, AT_RISK, OFF_TRACK = "on_track", "at_risk", "off_track"
STATUS_LABELS = {ON_TRACK: "On track", AT_RISK: "At risk", OFF_TRACK: "Off track"}
AT_RISK_MARGIN = 0.10  # up to 10 points behind the expected progress: still on track
OFF_TRACK_MARGIN = 0.25  # more than 25 points behind: off track

RULE = (
    "Progress is (latest value − baseline) ÷ (target − baseline). Expected progress is the share of the time "
    "between start and due date that has passed. A goal is on track when its progress is at most 10 points "
    "behind the expected progress (or the target is reached), at risk up to 25 points behind, off track beyond; "
    "a goal past its due date that has not reached its target is off track."
)


@dataclass(frozen=True)
class Standing:
    progress: float  # 0.0 = baseline, 1.0 = target; may be below 0 or above 1
    expected: float  # 0.0 .. 1.0
    status: str
    reached: bool

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def percent(self) -> int:
        return round(self.progress * 100)

    @property
    def expected_percent(self) -> int:
        return round(self.expected * 100)


def progress(*, value: Decimal, baseline: Decimal, target: Decimal) -> float:
    span = target - baseline
    if span == 0:
        raise ValueError("a goal's target must differ from its baseline")
    return float((value - baseline) / span)


def expected_progress(*, starts_on: date, due_on: date, today: date) -> float:
    if today <= starts_on:
        return 0.0
    if today >= due_on:
        return 1.0
    return (today - starts_on).days / (due_on - starts_on).days


def standing(
    *, value: Decimal | None, baseline: Decimal, target: Decimal, starts_on: date, due_on: date, today: date
) -> Standing:
    """Where a goal stands today; no check-in yet counts as the baseline."""
    done = progress(value=baseline if value is None else value, baseline=baseline, target=target)
    expected = expected_progress(starts_on=starts_on, due_on=due_on, today=today)
    reached = done >= 1.0
    if reached or done >= expected - AT_RISK_MARGIN:
        status = ON_TRACK
    elif today > due_on or done < expected - OFF_TRACK_MARGIN:
        status = OFF_TRACK
    else:
        status = AT_RISK
    return Standing(progress=done, expected=expected, status=status, reached=reached)
