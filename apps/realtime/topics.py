"""Live topics a page can watch over /ws/: `{"type": "watch", "topic": "board:5"}`.

Each app registers a topic kind with a checker that says whether a user may watch
one of its objects. Services publish frames to a topic after commit with `publish`;
only sockets that watch it, and passed the check when they started, receive them.
"""

import logging
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)
TopicChecker = Callable[[object, int], bool]
_checkers: dict[str, TopicChecker] = {}


def register_topic(kind: str, checker: TopicChecker) -> None:
    """`checker(user, object_id)` runs in a worker thread and may query the database."""
    _checkers[kind] = checker


def parse_topic(topic: object) -> tuple[str, int] | None:
    if not isinstance(topic, str) or ":" not in topic or len(topic) > 100:
        return None
    kind, _, raw_id = topic.partition(":")
    if kind not in _checkers or not raw_id.isdigit():
        return None
    return kind, int(raw_id)


def can_watch(user, kind: str, object_id: int) -> bool:
    return bool(user.is_authenticated and user.is_active and _checkers[kind](user, object_id))


def topic_group(kind: str, object_id: int) -> str:
    return f"topic.{kind}.{object_id}"


def publish(kind: str, object_id: int, frame: dict) -> None:
    """Send `frame` to every socket watching the topic, once the current transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(topic_group(kind, object_id), {"type": "relay.frame", "frame": frame})
        except Exception:
            logger.warning("live update to %s:%s failed", kind, object_id, exc_info=True)

    transaction.on_commit(send)
