"""E-mails about notifications. They carry a link, never the content of a post or a message.

- `queue_notification_emails`: at once (announcements, mentions in posts), for those who want them;
- `queue_unread_emails`: after NOTIFICATION_EMAIL_DELAY minutes, only if the notification is still
  unread (direct messages, chat mentions: people who are on the intranet see them there);
- a digest, daily or weekly, of how much a person missed (counts and a link, nothing else).

Nothing is sent during a person's quiet hours: the e-mail waits until they end.
"""

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.utils import timezone

from apps.accounts.models import User
from apps.core.periodic import periodic
from apps.people.timezones import zone_of

from .models import Notification, NotificationSettings

KIND_NAMES = {
    "mention": "mentions", "reply": "comments and replies", "reaction": "reactions", "announcement": "announcements",
    "reminder": "reminders", "chat_direct": "direct messages", "chat_mention": "chat mentions",
    "chat_added": "chat rooms you were added to", "idea_status": "answers to ideas",
}  # fmt: skip


def queue_notification_emails(*, user_ids: list[int], kind: str, subject: str, path: str) -> None:
    """Queue one e-mail per recipient who wants e-mail for this kind of notification."""
    for user_id in NotificationSettings.wanting_email(user_ids, kind):
        send_notification_email.enqueue(user_id, subject, path)


def queue_unread_emails(notifications: list[Notification], *, subject: str) -> None:
    """E-mail each recipient later, only if by then they have not seen the notification."""
    if not notifications:
        return
    wanted = set(NotificationSettings.wanting_email([n.recipient_id for n in notifications], notifications[0].kind))
    run_after = timezone.now() + timedelta(minutes=settings.NOTIFICATION_EMAIL_DELAY_MINUTES)
    for notification in notifications:
        if notification.recipient_id in wanted:
            send_if_unread.using(run_after=run_after).enqueue(notification.pk, subject)


def _postponed_for_quiet_hours(user: User) -> timezone.datetime | None:
    preferences = NotificationSettings.objects.filter(user=user).first()
    return preferences.quiet_at(timezone.now(), zone_of(user)) if preferences else None


def _mail(user: User, subject: str, lines: list[str]) -> None:
    body = "\n\n".join(
        [
            f"Hello {user.display_name},",
            *lines,
            "For confidentiality, intranet e-mails never include the content itself.",
            f"Choose which e-mails you get: {settings.SITE_URL}/notifications/settings/",
        ]
    )
    send_mail(subject, body + "\n", settings.DEFAULT_FROM_EMAIL, [user.email])


@task
def send_notification_email(user_id: int, subject: str, path: str) -> bool:
    user = User.objects.select_related("profile").filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    if (later := _postponed_for_quiet_hours(user)) is not None:
        send_notification_email.using(run_after=later).enqueue(user_id, subject, path)
        return False
    url = settings.SITE_URL + path
    _mail(user, subject, [f"{subject}.", f"Open it on the intranet (log in with your company account):\n{url}"])
    return True


@task
def send_if_unread(notification_id: int, subject: str) -> bool:
    notification = Notification.objects.filter(pk=notification_id, read_at__isnull=True).first()
    if notification is None:
        return False  # seen (or gone) in the meantime: nothing to say
    return send_notification_email.call(notification.recipient_id, subject, notification.url)


def _digest_due(preferences: NotificationSettings, now) -> bool:
    local = now.astimezone(zone_of(preferences.user))
    if local.hour < 7:  # digests arrive in the morning, the person's morning
        return False
    if preferences.digest == NotificationSettings.Digest.WEEKLY and local.weekday() != 0:
        return False
    period = timedelta(days=7 if preferences.digest == NotificationSettings.Digest.WEEKLY else 1)
    return preferences.last_digest_at is None or now - preferences.last_digest_at >= period - timedelta(hours=2)


def send_digest(preferences: NotificationSettings, now) -> bool:
    """One digest: how many unread notifications of each kind since the last one, and a link."""
    since = preferences.last_digest_at or now - timedelta(days=7)
    unread = Notification.objects.for_user(preferences.user).unread().filter(created_at__gt=since)
    counts = Counter(unread.values_list("kind", flat=True))
    preferences.last_digest_at = now
    preferences.save(update_fields=["last_digest_at"])
    if not counts:
        return False
    total = sum(counts.values())
    lines = [f"You have {total} unread notification{'s' if total != 1 else ''} on the intranet:"]
    lines.append(
        "\n".join(f"- {count} {KIND_NAMES.get(kind, kind.replace('_', ' '))}" for kind, count in counts.most_common())
    )
    lines.append(f"See them all: {settings.SITE_URL}/notifications/?unread=1")
    what = "today" if preferences.digest == NotificationSettings.Digest.DAILY else "this week"
    _mail(preferences.user, f"What you missed on the intranet {what}", lines)
    return True


@periodic(every=timedelta(minutes=30))
@task
def send_due_digests() -> int:
    return send_digests(now=timezone.now())


def send_digests(*, now) -> int:
    """Every digest due at `now` (in each person's own morning, outside their quiet hours)."""
    wanting = NotificationSettings.objects.exclude(digest=NotificationSettings.Digest.NONE).select_related(
        "user__profile"
    )
    sent = 0
    for preferences in wanting.filter(user__is_active=True):
        if _digest_due(preferences, now) and preferences.quiet_at(now, zone_of(preferences.user)) is None:
            sent += send_digest(preferences, now)
    return sent
