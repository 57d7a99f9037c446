"""Background work through the real task backend: scheduled posts, reminders and e-mails."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.feed import announcements, services
from apps.feed.models import AckReminder, Post
from apps.notifications.models import Notification, NotificationSettings

# The worker closes its database connection between tasks, as it should in production, so
# these tests commit for real instead of running inside a rolled-back transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_scheduled_post_appears_only_when_the_worker_publishes_it(department, member, manager, client_as, run_worker):
    soon = timezone.now() + timedelta(seconds=2)
    post = services.post_create(acting_user=manager, department=department, body="Launch at noon", publish_at=soon)
    assert post.is_scheduled
    assert not Post.objects.visible_to(member).exists()
    assert client_as("member").get(f"/feed/posts/{post.pk}/").status_code == 404
    assert client_as("manager").get(f"/feed/posts/{post.pk}/").status_code == 200  # its author sees it
    client_as("member").get("/")  # a page view publishes nothing
    run_worker()  # not yet due: the task waits for its time
    post.refresh_from_db()
    assert post.published_at is None
    Post.objects.filter(pk=post.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.update(run_after=timezone.now() - timedelta(seconds=1))
    run_worker()
    post.refresh_from_db()
    assert post.published_at is not None
    assert Post.objects.visible_to(member).filter(pk=post.pk).exists()


def test_the_worker_command_sweeps_up_overdue_posts(department, manager):
    post = services.post_create(
        acting_user=manager, department=department, body="Later", publish_at=timezone.now() + timedelta(hours=1)
    )
    Post.objects.filter(pk=post.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    call_command("run_worker", "--batch", verbosity=0)
    post.refresh_from_db()
    assert post.published_at is not None


def test_announcement_emails_carry_a_link_and_never_the_text(
    department, manager, member, run_worker, mailoutbox, settings
):
    settings.SITE_URL = "https://intranet.example.com"
    post = services.post_create(
        acting_user=manager,
        department=department,
        kind="announcement",
        body="Secret reorganisation details",
        is_confidential=True,
    )
    run_worker()
    assert [m.to for m in mailoutbox] == [["member@example.com"]]
    message = mailoutbox[0]
    assert f"https://intranet.example.com/feed/posts/{post.pk}/" in message.body
    assert "reorganisation" not in message.body and "reorganisation" not in message.subject


def test_mention_emails_respect_the_persons_settings(department, member, manager, run_worker, mailoutbox):
    NotificationSettings.objects.create(user=manager, email_on_mention=False)
    services.post_create(acting_user=member, department=department, body="Ping @**Max Manager**")
    run_worker()
    assert mailoutbox == []
    assert Notification.objects.filter(recipient=manager, kind="mention").exists()  # still in the app


def test_reminders_go_to_those_who_have_not_acknowledged(announcement, manager, member, run_worker, mailoutbox):
    run_worker()
    mailoutbox.clear()
    assert announcements.send_ack_reminders(post=announcement, acting_user=manager) == 1  # not the author
    run_worker()
    announcements.acknowledge(post=announcement, acting_user=member)
    assert announcements.send_ack_reminders(post=announcement, acting_user=manager) == 0
    run_worker()
    assert [m.to[0] for m in mailoutbox] == ["member@example.com"]
    assert all(str(announcement.pk) in m.body and "holiday" not in m.body.lower() for m in mailoutbox)


def test_the_automatic_reminder_runs_before_the_date_once(department, manager, member, run_worker):
    from django_tasks_db.models import DBTaskResult

    post = services.post_create(
        acting_user=manager, department=department, kind="announcement", body="Read the policy",
        requires_ack=True, ack_due_at=timezone.now() + timedelta(days=2),
    )  # fmt: skip
    run_worker()
    assert not AckReminder.objects.exists()  # due in 24 h, not now
    DBTaskResult.objects.update(run_after=timezone.now() - timedelta(seconds=1))
    run_worker()
    assert AckReminder.objects.filter(post=post, automatic=True).count() == 1
    assert Notification.objects.filter(recipient=member, kind="reminder").count() == 1
    assert announcements.send_ack_reminders(acting_user=None, post=post, automatic=True) == 0  # only once per version
