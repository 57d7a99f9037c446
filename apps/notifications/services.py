"""Creating and reading notifications. Features call `notify`; nothing else writes them."""

import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import user_group_name
from apps.departments.models import Department

from .events import NotificationEvent, NotificationPayload
from .models import Notification, NotificationSettings

logger = logging.getLogger(__name__)


def notification_payload(notification: Notification) -> NotificationPayload:
    actor = notification.actor
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "url": notification.url,
        "actor": {"id": actor.pk, "name": actor.display_name} if actor else None,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    url: str,
    actor: User | None = None,
    department: Department | None = None,
) -> list[Notification]:
    """Notify each recipient once, live over their sockets after commit.

    The actor is never notified of their own action, inactive accounts get nothing, and
    with a `department` only people who may see it are notified: a mention of an
    outsider notifies nobody and reveals nothing.
    """
    ids = {u.pk for u in recipients if u is not None} - ({actor.pk} if actor else set())
    if not ids:
        return []
    users = User.objects.filter(pk__in=ids, is_active=True)
    if department is not None and not department.is_company_wide:
        users = users.filter(Q(memberships__department=department) | Q(is_staff=True))
    recipient_ids = NotificationSettings.wanting_in_app(sorted(set(users.values_list("pk", flat=True))), kind)
    notifications = Notification.objects.bulk_create(
        [
            Notification(recipient_id=pk, actor=actor, kind=kind, title=title[:300], url=url, department=department)
            for pk in recipient_ids
        ]
    )
    if notifications:
        transaction.on_commit(lambda: _broadcast(notifications))
    return notifications


def _broadcast(notifications: list[Notification]) -> None:
    """Best effort: the notifications are committed, and the badge is right on the next page anyway."""
    try:
        _send_live(notifications)
    except Exception:
        logger.warning("live notification delivery failed", exc_info=True)


def _send_live(notifications: list[Notification]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    unread = dict(
        Notification.objects.filter(recipient_id__in=[n.recipient_id for n in notifications], read_at__isnull=True)
        .values("recipient_id")
        .annotate(count=Count("id"))
        .values_list("recipient_id", "count")
    )
    send = async_to_sync(layer.group_send)
    for notification in notifications:
        event: NotificationEvent = {
            "type": "notification",
            "notification": notification_payload(notification),
            "unread_count": unread.get(notification.recipient_id, 0),
        }
        send(user_group_name(notification.recipient_id), {"type": "relay.frame", "frame": event})


def mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when no ids are given); returns how many changed."""
    notifications = Notification.objects.for_user(user).unread()
    if notification_ids is not None:
        notifications = notifications.filter(pk__in=list(notification_ids))
    return notifications.update(read_at=timezone.now())


def unread_count(user: User) -> int:
    return Notification.objects.for_user(user).unread().count()
