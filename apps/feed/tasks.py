"""Background work of the feed, run by `manage.py run_worker` (Django Tasks, database backend)."""

from django.tasks import task

from .models import Post


@task
def publish_scheduled_post(post_id: int) -> bool:
    from .services import post_publish_if_due

    return post_publish_if_due(post_id=post_id) is not None


@task
def publish_overdue_posts() -> int:
    from .services import publish_due_posts

    return publish_due_posts()


@task
def send_automatic_reminder(post_id: int, version: int) -> int:
    """Runs ACK_REMINDER_HOURS_BEFORE the acknowledgement date; skipped if the version moved on."""
    from .announcements import send_ack_reminders

    post = Post.objects.select_related("department").filter(pk=post_id).first()
    if post is None or post.version != version:
        return 0
    return send_ack_reminders(acting_user=None, post=post, automatic=True)
