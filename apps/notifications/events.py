"""Shapes of the notification events sent over /ws/."""

from typing import Literal, TypedDict


class NotificationPayload(TypedDict):
    id: int
    kind: str
    title: str
    url: str
    actor: dict | None
    created_at: str
    read: bool


class NotificationEvent(TypedDict):
    """Server → client when a notification is created; `unread_count` is the new badge value."""

    type: Literal["notification"]
    notification: NotificationPayload
    unread_count: int
