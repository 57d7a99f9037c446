"""Writes on announcements: acknowledging them and reminding those who have not.

An announcement is a post (`Post.Kind.ANNOUNCEMENT`) that its department's moderators
publish (`services.post_create`); it stays pinned until `pinned_until` and may ask every
reader to acknowledge the current version by `ack_due_at`. Reads (who has acknowledged,
the dashboard) are in `selectors`.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import Conflict, require

from . import access, selectors
from .models import Acknowledgement, AckReminder, Post
from .services import notify_and_email, require_open_post


def acknowledge(*, acting_user: User, post: Post) -> Acknowledgement:
    """ "Read and understood", once per version."""
    require_open_post(acting_user, post, "acknowledge")
    if not post.is_announcement or not post.requires_ack:
        raise Conflict("no_ack", "This post does not ask for acknowledgement.")
    try:
        with transaction.atomic():
            return Acknowledgement.objects.create(post=post, user=acting_user, version=post.version)
    except IntegrityError:
        raise Conflict("already_acknowledged", "You have already acknowledged this version.") from None


def schedule_automatic_reminder(post: Post) -> None:
    """The worker reminds those who have not acknowledged ACK_REMINDER_HOURS_BEFORE the date."""
    from .tasks import send_automatic_reminder

    lead = timezone.timedelta(hours=settings.ACK_REMINDER_HOURS_BEFORE)
    run_after = max(post.ack_due_at - lead, timezone.now())
    send_automatic_reminder.using(run_after=run_after).enqueue(post.pk, post.version)


@transaction.atomic
def send_ack_reminders(*, acting_user: User | None, post: Post, automatic: bool = False) -> int:
    """Remind everyone who has not acknowledged; the automatic one (`acting_user=None`) goes out once per version."""
    if acting_user is not None:
        require(access.can_moderate(acting_user, post.department), "Only the department's managers can send reminders.")
    if not post.requires_ack or post.deleted_at or post.published_at is None:
        return 0
    if automatic:
        try:
            with transaction.atomic():
                log = AckReminder.objects.create(post=post, version=post.version, automatic=True)
        except IntegrityError:
            return 0
    else:
        log = AckReminder.objects.create(post=post, version=post.version, sent_by=acting_user)
    pending = selectors.pending_acknowledgers(post)
    due = timezone.localtime(post.ack_due_at).strftime("%d %b %Y %H:%M") if post.ack_due_at else "soon"
    notify_and_email(
        recipients=pending, kind="reminder", post=post, actor=acting_user,
        title=f"Reminder: please acknowledge the announcement in {post.department.name} by {due}",
        email_subject=f"Reminder: an announcement in {post.department.name} needs your acknowledgement",
    )  # fmt: skip
    log.recipients = len(pending)
    log.save(update_fields=["recipients"])
    return len(pending)
