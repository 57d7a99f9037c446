"""Names of the channel-layer groups sockets join. One place, so that senders and sockets agree."""

from collections.abc import Iterable
from typing import Any


def user_group(user_id: int) -> str:
    """Every open socket of one user."""
    return f"user.{user_id}"


def session_group(session_key: str) -> str:
    """The sockets opened by one browser session (closed at its logout)."""
    return f"session.{session_key}"


def topic_group(kind: str, object_id: int) -> str:
    """Sockets watching a live topic such as `feed:5`."""
    return f"topic.{kind}.{object_id}"


async def group_add_many(layer: Any, groups: Iterable[str], channel: str) -> None:
    """Join several groups: in one Redis round trip with the project's layers (apps.realtime.layers)."""
    add_many = getattr(layer, "group_add_many", None)
    if add_many is not None:
        await add_many(groups, channel)
        return
    for group in groups:
        await layer.group_add(group, channel)


async def group_discard_many(layer: Any, groups: Iterable[str], channel: str) -> None:
    """Leave several groups: in one Redis round trip with the project's layers."""
    discard_many = getattr(layer, "group_discard_many", None)
    if discard_many is not None:
        await discard_many(groups, channel)
        return
    for group in groups:
        await layer.group_discard(group, channel)
