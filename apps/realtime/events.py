"""Frames of the socket itself, whatever feature is in use.

Client → server: `{"type": "ping"}`, `{"type": "watch" | "unwatch", "topic": "<kind>:<id>"}`,
plus the frame types that features register (see `frames`).
"""

from typing import Literal, NotRequired, TypedDict


class Person(TypedDict):
    id: int
    name: str


class HelloFrame(TypedDict):
    """First frame after the socket opens: who the server thinks you are."""

    type: Literal["hello"]
    user: Person


class PongFrame(TypedDict):
    type: Literal["pong"]


class WatchingFrame(TypedDict):
    """The answer to `watch`: the topic's live frames start."""

    type: Literal["watching"]
    topic: str


class UnwatchedFrame(TypedDict):
    """No more frames for the topic: the answer to `unwatch`, or (with `detail`) the right to watch it ended."""

    type: Literal["unwatched"]
    topic: str
    detail: NotRequired[str]


class ErrorFrame(TypedDict):
    """A refused frame. The socket stays open; `code` is the machine-readable reason."""

    type: Literal["error"]
    code: str
    detail: str
    retry_after: NotRequired[float]
    errors: NotRequired[dict[str, list[str]]]  # e.g. `matches` of a `policy_warning`


# Channel-layer events the consumer handles (never sent to a browser as they are).


class RelayEvent(TypedDict):
    """Pass `frame` on to the browser (for a topic's frame: only while the socket still watches `topic`)."""

    type: Literal["relay.frame"]
    frame: dict
    topic: NotRequired[str]


class RightsChangedEvent(TypedDict):
    """The user's rights changed: re-check every live subscription (see `rights`); with `topic`, only that one."""

    type: Literal["rights.changed"]
    topic: NotRequired[str]


class UserDisconnectEvent(TypedDict):
    """Close the socket: the account was deactivated or the session logged out."""

    type: Literal["user.disconnect"]
    reason: Literal["logout", "deactivated"]
