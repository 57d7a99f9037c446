"""Live topics a page can watch over /ws/: `{"type": "watch", "topic": "board:5"}`.

Each app registers a topic kind with a checker that says whether a user may watch one of
its objects; the checker asks `apps.departments.access` (or the app's gatekeeper), never
restates a rule. Services publish frames to a topic after commit with `publish`.

The rule for every topic kind, present and future: a socket receives a topic's frames
only while its user may watch it. The check runs when the watch starts, and again
whenever a service reports that someone's rights changed (`rights.rights_changed`:
removal from a department, a role change, deactivation, leaving a room, ...): each of
that user's sockets, on every process, re-runs the checkers of everything it watches and
drops what fails, before it handles any later frame. A kind gets this by registering;
it has nothing else to do.
"""

from collections.abc import Callable, Iterable

from .groups import topic_group
from .publish import RELAY, send_frame_on_commit, send_many_on_commit

TopicChecker = Callable[[object, int], bool]
_checkers: dict[str, TopicChecker] = {}
MAX_OBJECT_ID = 2**63 - 1


def register_topic(kind: str, checker: TopicChecker) -> None:
    """`checker(user, object_id)` runs in a worker thread and may query the database."""
    if not kind.isidentifier():
        raise ValueError(f"a topic kind is a plain name: {kind!r}")
    _checkers[kind] = checker


def topic_kinds() -> tuple[str, ...]:
    return tuple(_checkers)


def parse_topic(topic: object) -> tuple[str, int] | None:
    if not isinstance(topic, str) or ":" not in topic or len(topic) > 100:
        return None
    kind, _, raw_id = topic.partition(":")
    if kind not in _checkers or not (raw_id.isascii() and raw_id.isdigit()) or not 0 < int(raw_id) <= MAX_OBJECT_ID:
        return None
    return kind, int(raw_id)


def topic_name(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


def can_watch(user, kind: str, object_id: int) -> bool:
    return bool(user.is_authenticated and user.is_active and _checkers[kind](user, object_id))


def publish(kind: str, object_id: int, frame: dict) -> None:
    """Send `frame` to every socket watching the topic, once the current transaction commits."""
    send_frame_on_commit(topic_group(kind, object_id), frame, topic=topic_name(kind, object_id))


def publish_many(kind: str, frames: Iterable[tuple[int, dict]]) -> None:
    """`publish` for many (object id, frame) pairs of one topic kind, sent together after commit."""
    send_many_on_commit(
        [
            (topic_group(kind, object_id), {"type": RELAY, "frame": dict(frame), "topic": topic_name(kind, object_id)})
            for object_id, frame in frames
        ]
    )
