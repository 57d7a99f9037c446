"""Notifications that reach people: direct messages, chat mentions, quiet hours and digests.

E-mails carry a link and counts, never the content of a message or a post.
"""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.chat import services as chat
from apps.chat.models import Room
from apps.notifications.emails import send_digests
from apps.notifications.models import Notification, NotificationSettings
from apps.people.services import profile_set_time_zone

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def direct(member, manager):
    room, _ = chat.direct_room(acting_user=manager, other_id=member.pk)
    return room


def test_a_direct_message_notifies_once_until_read_and_emails_later_only_if_still_unread(
    settings, member, manager, direct, run_worker
):
    settings.CHAT_RATE_LIMIT_MESSAGES = 0
    first, _ = chat.message_send(acting_user=manager, room_id=direct.pk, body="Can you **call** me?")
    chat.message_send(acting_user=manager, room_id=direct.pk, body="It is about Acme")
    (notification,) = Notification.objects.filter(recipient=member, kind="chat_direct")
    assert notification.title == "Max Manager sent you a message: “Can you call me?”"  # plain text, not markdown
    assert notification.url == f"/chat/{direct.pk}/#message-{first.pk}"
    run_worker()
    assert mail.outbox == []  # not yet: people on the intranet see it there first
    run_worker(later=timedelta(minutes=settings.NOTIFICATION_EMAIL_DELAY_MINUTES + 1))
    (email,) = mail.outbox
    assert email.to == ["member@example.com"] and email.subject == "Max Manager sent you a message"
    assert "Acme" not in email.body and "call" not in email.body and f"/chat/{direct.pk}/#message-" in email.body


def test_reading_the_conversation_reads_its_notifications_and_no_email_follows(
    settings, member, manager, direct, run_worker
):
    message, _ = chat.message_send(acting_user=manager, room_id=direct.pk, body="Lunch?")
    chat.room_mark_read(acting_user=member, room_id=direct.pk, message_id=message.pk)
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    run_worker(later=timedelta(minutes=settings.NOTIFICATION_EMAIL_DELAY_MINUTES + 1))
    assert mail.outbox == []


def test_an_unread_chat_mention_is_emailed_but_not_during_quiet_hours(
    settings, department, member, manager, run_worker
):
    profile_set_time_zone(acting_user=member, time_zone="UTC")
    now = timezone.now()
    NotificationSettings.objects.create(
        user=member, quiet_from=(now - timedelta(hours=1)).time(), quiet_until=(now + timedelta(hours=1)).time()
    )
    room = Room.objects.get(department=department)
    chat.message_send(acting_user=manager, room_id=room.pk, body="@**Mia Member** the numbers?")
    run_worker(later=timedelta(minutes=settings.NOTIFICATION_EMAIL_DELAY_MINUTES + 1))
    assert mail.outbox == []  # postponed to the end of the quiet hours:
    from django_tasks_db.models import DBTaskResult

    (waiting,) = DBTaskResult.objects.filter(status="READY")
    ends = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    assert abs(waiting.run_after - ends) < timedelta(minutes=1)
    NotificationSettings.objects.filter(user=member).update(quiet_from=None, quiet_until=None)  # the hours pass
    run_worker(later=timedelta(hours=2))
    (email,) = mail.outbox
    assert email.subject == "Max Manager mentioned you in #Sales" and "numbers" not in email.body


def test_quiet_hours_across_midnight_in_the_persons_zone(member):
    preferences = NotificationSettings(user=member, quiet_from=time(22, 0), quiet_until=time(7, 0))
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    late = timezone.datetime(2026, 12, 1, 22, 30, tzinfo=paris)
    assert preferences.quiet_at(late, paris) == timezone.datetime(2026, 12, 2, 7, 0, tzinfo=paris)
    assert preferences.quiet_at(timezone.datetime(2026, 12, 2, 6, 0, tzinfo=paris), paris).hour == 7
    assert preferences.quiet_at(timezone.datetime(2026, 12, 2, 12, 0, tzinfo=paris), paris) is None


def test_the_daily_digest_counts_what_was_missed_and_says_nothing_of_it(department, member, manager):
    from apps.feed.services import comment_create, post_create

    NotificationSettings.objects.create(user=member, digest=NotificationSettings.Digest.DAILY)
    post = post_create(acting_user=member, department=department, body="Secret plans for Q3")
    comment_create(acting_user=manager, post=post, body="Agreed, **secret**")
    post_create(acting_user=manager, department=department, body="Hi @**Mia Member**, see the secret plan")
    profile_set_time_zone(acting_user=member, time_zone="Europe/Paris")
    from zoneinfo import ZoneInfo

    night = timezone.now().astimezone(ZoneInfo("Europe/Paris")).replace(hour=5) + timedelta(days=1)
    assert send_digests(now=night) == 0  # not in the night
    morning = night.replace(hour=8)
    assert send_digests(now=morning) == 1
    (email,) = mail.outbox
    assert email.subject == "What you missed on the intranet today"
    assert "2 unread notifications" in email.body and "- 1 mentions" in email.body
    assert "secret" not in email.body.lower() and "/notifications/?unread=1" in email.body
    assert send_digests(now=morning + timedelta(hours=3)) == 0  # once a day
