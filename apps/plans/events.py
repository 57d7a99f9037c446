"""Live frames of a game plan, sent to sockets watching "plan:<department id>" (its readers).

They carry what every reader sees the same way (a goal's progress and status, a version
number); the page fetches the goal's card again to redraw its chart.
"""

from typing import Literal, TypedDict


class GoalProgressEvent(TypedDict):
    """A check-in was recorded (or a goal changed): its latest value, progress and status."""

    type: Literal["plan.goal"]
    plan: int
    goal: int
    value: str | None
    percent: int
    status: str
    status_label: str


class PlanVersionEvent(TypedDict):
    """The plan was edited: a new version exists."""

    type: Literal["plan.version"]
    plan: int
    version: int
    summary: str


class SlotStatusEvent(TypedDict):
    """A content-plan slot moved along (idea → draft → … → reviewed), was filled, or was planned."""

    type: Literal["plan.slot"]
    plan: int
    slot: int
    on: str
    theme: str
    status: str
    status_label: str
    post: int | None
    video: int | None
