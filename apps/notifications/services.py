"""Creating and reading notifications. Features call `notify`; nothing else writes them."""

from collections.abc import Iterable

from django.db.models import Count
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import NotFound
from apps.departments.access import readers_of
from apps.departments.models import Department
from apps.realtime.groups import user_group
from apps.realtime.publish import send_frame_on_commit

from .events import NotificationEvent, NotificationPayload
from .models import Notification, NotificationSettings


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
    with a `department` only its readers are notified: a mention of an outsider notifies
    nobody and reveals nothing.
    """
    ids = {u.pk for u in recipients if u is not None} - ({actor.pk} if actor else set())
    if not ids:
        return []
    users = readers_of(department) if department is not None else User.objects.filter(is_active=True)
    users = users.filter(pk__in=ids)
    recipient_ids = NotificationSettings.wanting_in_app(sorted(set(users.values_list("pk", flat=True))), kind)
    notifications = Notification.objects.bulk_create(
        [
            Notification(recipient_id=pk, actor=actor, kind=kind, title=title[:300], url=url, department=department)
            for pk in recipient_ids
        ]
    )
    if notifications:
        _send_live(notifications)
    return notifications


def _send_live(notifications: list[Notification]) -> None:
    """Each recipient's sockets get the notification and their new badge count, after commit."""
    unread = dict(  # counted in the caller's transaction, so it includes these
        Notification.objects.filter(recipient_id__in=[n.recipient_id for n in notifications], read_at__isnull=True)
        .values("recipient_id")
        .annotate(count=Count("id"))
        .values_list("recipient_id", "count")
    )
    for notification in notifications:
        event: NotificationEvent = {
            "type": "notification",
            "notification": notification_payload(notification),
            "unread_count": unread.get(notification.recipient_id, 0),
        }
        send_frame_on_commit(user_group(notification.recipient_id), event)


def mark_read(*, acting_user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when no ids are given); returns how many changed."""
    notifications = Notification.objects.for_user(acting_user).unread()
    if notification_ids is not None:
        notifications = notifications.filter(pk__in=list(notification_ids))
    return notifications.update(read_at=timezone.now())


def mark_one_read(*, acting_user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; someone else's answers `NotFound` like a missing one."""
    notification = Notification.objects.for_user(acting_user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound("unknown_notification", "There is no such notification.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def unread_queryset(user: User):
    """The person's unread notifications: what the header's badge counts (`apps/core/shell.py`)."""
    return Notification.objects.for_user(user).unread()


def unread_count(user: User) -> int:
    return unread_queryset(user).count()
