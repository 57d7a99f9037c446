"""Writes on the feed. HTML views, API views and tasks all go through these functions.

Each one validates, authorises through `access`, writes in a transaction, and sends its
live event and notifications only after commit.
"""

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.core.images import ImageLimits, fitted_jpeg, open_validated_image
from apps.core.mentions import plain_text
from apps.departments.models import Department
from apps.departments.services import company_wide_department
from apps.notifications.services import notify
from apps.realtime.topics import publish

from . import access
from .events import CommentEvent, PostEvent, ReactionEvent
from .files import check_attachment
from .mentions import render_feed_text
from .models import (
    REACTION_EMOJI,
    Acknowledgement,
    AckReminder,
    Attachment,
    Comment,
    Post,
    PostImage,
    PostVersion,
    Reaction,
)

MAX_POST_LENGTH = 10_000
MAX_COMMENT_LENGTH = 5_000


# ---------------------------------------------------------------- text


def _clean_body(body: str, *, limit: int, what: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": f"Write something: an empty {what} cannot be posted."}, code="empty")
    if len(body) > limit:
        raise ValidationError(
            {"body": f"The {what} is too long ({len(body):,} characters); the limit is {limit:,}."}, code="too_long"
        )
    return body


def post_url(post: Post) -> str:
    return reverse("feed:post", args=[post.pk])


def _title_about(post: Post, what: str) -> str:
    """In-app notification text: never the content of a confidential post."""
    where = post.department.name
    if post.is_confidential:
        return f"{what} in a confidential post in {where}"
    text = " ".join(plain_text(post.body).split())
    return f"{what} in {where}: “{text[:80]}{'…' if len(text) > 80 else ''}”"


# ---------------------------------------------------------------- uploads


def _store_images(post: Post, images: Sequence[UploadedFile]) -> None:
    limits = ImageLimits(max_bytes=settings.PHOTO_MAX_BYTES, max_pixels=settings.PHOTO_MAX_PIXELS)
    decoded = []
    for index, upload in enumerate(images):
        try:
            decoded.append(open_validated_image(upload, limits))
        except ValidationError as error:
            raise ValidationError(
                {"images": [f"Image {index + 1} ({upload.name}): {m}" for m in error.messages]}
            ) from None
    for position, image in enumerate(decoded):
        full, width, height = fitted_jpeg(image, settings.POST_IMAGE_SIZE)
        thumb, _, _ = fitted_jpeg(image, settings.POST_THUMBNAIL_SIZE, quality=80)
        row = PostImage(post=post, width=width, height=height, position=position)
        row.image.save("image.jpg", ContentFile(full), save=False)
        row.thumbnail.save("thumb.jpg", ContentFile(thumb), save=False)
        row.save()


def _store_attachments(post: Post, files: Sequence[UploadedFile]) -> None:
    checked = []
    for upload in files:
        try:
            checked.append(check_attachment(upload))
        except ValidationError as error:
            raise ValidationError({"attachments": error.messages}) from None
    for item in checked:
        row = Attachment(post=post, original_name=item.name, content_type=item.content_type, size=item.size)
        row.file.save(item.name, item.upload, save=False)
        row.save()


# ---------------------------------------------------------------- posts


@transaction.atomic
def post_create(
    *,
    author: User,
    department: Department,
    body: str,
    kind: str = Post.Kind.POST,
    images: Sequence[UploadedFile] = (),
    attachments: Sequence[UploadedFile] = (),
    is_confidential: bool | None = None,
    publish_at: datetime | None = None,
    pinned_until: datetime | None = None,
    requires_ack: bool = False,
    ack_due_at: datetime | None = None,
) -> Post:
    """Create a post or announcement; published now, or scheduled when `publish_at` is in the future."""
    if not access.can_post(author, department):
        raise PermissionDenied("You can only post in departments you belong to.")
    if kind not in Post.Kind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    body = _clean_body(body, limit=MAX_POST_LENGTH, what="post")
    if len(images) > settings.POST_MAX_IMAGES:
        raise ValidationError(
            {"images": f"A post can have at most {settings.POST_MAX_IMAGES} images; you sent {len(images)}."}
        )
    if len(attachments) > settings.POST_MAX_ATTACHMENTS:
        raise ValidationError({"attachments": f"A post can have at most {settings.POST_MAX_ATTACHMENTS} files."})
    now = timezone.now()
    is_announcement = kind == Post.Kind.ANNOUNCEMENT
    if is_announcement and not access.can_announce(author, department):
        raise PermissionDenied("Only the department's managers can post announcements.")
    if not is_announcement and (pinned_until or requires_ack or ack_due_at):
        raise ValidationError("Pinning and acknowledgement are for announcements only.")
    if ack_due_at and not requires_ack:
        requires_ack = True
    if ack_due_at and ack_due_at <= now:
        raise ValidationError({"ack_due_at": "The acknowledgement date must be in the future."})
    if pinned_until and pinned_until <= (publish_at or now):
        raise ValidationError({"pinned_until": "The pin must end after the announcement appears."})
    if is_confidential is None:
        is_confidential = department.is_confidential_by_default
    if is_confidential and department.is_company_wide:
        raise ValidationError({"is_confidential": "Posts in the company-wide space cannot be confidential."})
    scheduled = publish_at is not None and publish_at > now
    post = Post(
        department=department,
        author=author,
        kind=kind,
        body=body,
        is_confidential=is_confidential,
        publish_at=publish_at if scheduled else now,
        published_at=None if scheduled else now,
        pinned_until=pinned_until,
        requires_ack=requires_ack,
        ack_due_at=ack_due_at,
    )
    post.body_html = render_feed_text(body, department).html
    post.save()
    _store_images(post, images)
    _store_attachments(post, attachments)
    if scheduled:
        from .tasks import publish_scheduled_post

        publish_scheduled_post.using(run_after=post.publish_at).enqueue(post.pk)
    else:
        _after_publication(post)
    return post


def _after_publication(post: Post) -> None:
    """What happens when a post appears: live event, mentions, announcement notices, reminders."""
    event: PostEvent = {"type": "feed.post", "department": post.department_id, "post": post.pk, "action": "created"}
    publish("feed", post.department_id, event)
    mentioned = render_feed_text(post.body, post.department).users
    if mentioned:
        _notify_and_email(
            recipients=mentioned, kind="mention", post=post, actor=post.author,
            title=_title_about(post, f"{post.author.display_name} mentioned you"),
            email_subject=f"{post.author.display_name} mentioned you in {post.department.name}",
        )  # fmt: skip
    if post.is_announcement:
        others = [u for u in _members(post.department) if u.pk not in {m.pk for m in mentioned}]
        _notify_and_email(
            recipients=others, kind="announcement", post=post, actor=post.author,
            title=_title_about(post, f"New announcement from {post.author.display_name}"),
            email_subject=f"New announcement in {post.department.name}",
        )  # fmt: skip
        if post.requires_ack and post.ack_due_at:
            _schedule_automatic_reminder(post)


def _member_queryset(department: Department):
    users = User.objects.filter(is_active=True)
    if not department.is_company_wide:
        users = users.filter(memberships__department=department)
    return users


def _members(department: Department) -> list[User]:
    return list(_member_queryset(department).select_related("profile"))


def _notify_and_email(*, recipients, kind: str, post: Post, actor: User | None, title: str, email_subject: str) -> None:
    from apps.notifications.emails import queue_notification_emails

    created = notify(
        recipients=recipients, kind=kind, title=title, url=post_url(post), actor=actor, department=post.department
    )
    queue_notification_emails(
        user_ids=[n.recipient_id for n in created], kind=kind, subject=email_subject, path=post_url(post)
    )


def _schedule_automatic_reminder(post: Post) -> None:
    from .tasks import send_automatic_reminder

    lead = timezone.timedelta(hours=settings.ACK_REMINDER_HOURS_BEFORE)
    run_after = max(post.ack_due_at - lead, timezone.now())
    send_automatic_reminder.using(run_after=run_after).enqueue(post.pk, post.version)


@transaction.atomic
def post_publish_if_due(*, post_id: int) -> Post | None:
    """Publish a scheduled post whose time has come (called by the worker, never by a page view)."""
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("department", "author__profile")
        .filter(pk=post_id)
        .first()
    )
    if post is None or post.published_at is not None or post.deleted_at is not None:
        return None
    now = timezone.now()
    if post.publish_at > now:
        return None  # rescheduled later: the newer task will publish it
    post.published_at = now
    post.save(update_fields=["published_at"])
    _after_publication(post)
    return post


def publish_due_posts() -> int:
    """Publish every overdue scheduled post: a safety net should a task have been lost."""
    due = Post.objects.filter(published_at__isnull=True, deleted_at__isnull=True, publish_at__lte=timezone.now())
    return sum(1 for pk in due.values_list("pk", flat=True) if post_publish_if_due(post_id=pk))


@transaction.atomic
def post_edit(*, post: Post, editor: User, body: str, new_version: bool = False) -> Post:
    """Edit one's own post. For an announcement, `new_version` asks everyone to acknowledge again."""
    if not access.can_edit_post(editor, post):
        raise PermissionDenied("Only the author can edit a post.")
    body = _clean_body(body, limit=MAX_POST_LENGTH, what="post")
    if body == post.body:
        return post
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.is_announcement and new_version:
        PostVersion.objects.create(
            post=post, version=post.version, body=post.body, body_html=post.body_html, created_by=editor
        )
        post.version += 1
    post.body = body
    post.body_html = render_feed_text(body, post.department).html
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "body_html", "edited_at", "version"])
    if post.published_at is not None:
        event: PostEvent = {"type": "feed.post", "department": post.department_id, "post": post.pk, "action": "edited"}
        publish("feed", post.department_id, event)
        if post.is_announcement and new_version:
            _notify_and_email(
                recipients=_members(post.department), kind="announcement", post=post, actor=editor,
                title=_title_about(post, f"{editor.display_name} updated an announcement: please read it again"),
                email_subject=f"An announcement in {post.department.name} changed",
            )  # fmt: skip
            if post.requires_ack and post.ack_due_at and post.ack_due_at > timezone.now():
                _schedule_automatic_reminder(post)
    return post


@transaction.atomic
def post_delete(*, post: Post, actor: User) -> None:
    """Soft delete, recorded: the author, or a manager moderating their department."""
    if not access.can_delete_post(actor, post):
        raise PermissionDenied("Only the author or a department manager can delete this post.")
    Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now(), deleted_by=actor)
    event: PostEvent = {"type": "feed.post", "department": post.department_id, "post": post.pk, "action": "deleted"}
    publish("feed", post.department_id, event)


@transaction.atomic
def post_share_to_company(*, post: Post, actor: User) -> Post:
    """Share a department post to All staff, as a new post that links back. Never a confidential one."""
    if post.is_confidential:
        raise ValidationError("Confidential posts can never be shared to All staff.", code="confidential")
    if post.department.is_company_wide:
        raise ValidationError("This post is already in All staff.", code="already_company_wide")
    company = company_wide_department()
    if post.shares.filter(department=company, deleted_at__isnull=True).exists():
        raise ValidationError("This post has already been shared to All staff.", code="already_shared")
    shared = post_create(author=actor, department=company, body=post.body, is_confidential=False)
    shared.shared_from = post
    shared.save(update_fields=["shared_from"])
    return shared


# ---------------------------------------------------------------- comments


@transaction.atomic
def comment_create(*, post: Post, author: User, body: str, parent: Comment | None = None) -> Comment:
    if not access.can_read_feed(author, post.department) or post.published_at is None or post.deleted_at:
        raise PermissionDenied("You cannot comment on this post.")
    body = _clean_body(body, limit=MAX_COMMENT_LENGTH, what="comment")
    if parent is not None:
        if parent.post_id != post.pk or parent.deleted_at is not None:
            raise ValidationError({"parent": "You can only reply to a comment on the same post."})
        if parent.parent_id is not None:
            parent = parent.parent  # one level of replies: a reply to a reply joins its thread
    rendered = render_feed_text(body, post.department)
    mentioned = rendered.users
    comment = Comment.objects.create(post=post, author=author, parent=parent, body=body, body_html=rendered.html)
    Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
    post.refresh_from_db(fields=["comment_count"])
    event: CommentEvent = {
        "type": "feed.comment", "department": post.department_id, "post": post.pk, "comment": comment.pk,
        "action": "created", "comment_count": post.comment_count,
    }  # fmt: skip
    publish("feed", post.department_id, event)
    told = {author.pk}
    if mentioned:
        _notify_and_email(
            recipients=mentioned, kind="mention", post=post, actor=author,
            title=_title_about(post, f"{author.display_name} mentioned you in a comment"),
            email_subject=f"{author.display_name} mentioned you in {post.department.name}",
        )  # fmt: skip
        told |= {u.pk for u in mentioned}
    if parent is not None and parent.author_id not in told:
        notify(recipients=[parent.author], kind="reply", actor=author, department=post.department, url=post_url(post),
               title=_title_about(post, f"{author.display_name} replied to your comment"))  # fmt: skip
        told.add(parent.author_id)
    if post.author_id not in told:
        notify(recipients=[post.author], kind="reply", actor=author, department=post.department, url=post_url(post),
               title=_title_about(post, f"{author.display_name} commented on your post"))  # fmt: skip
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, editor: User, body: str) -> Comment:
    if not access.can_edit_comment(editor, comment):
        raise PermissionDenied("Only the author can edit a comment.")
    comment.body = _clean_body(body, limit=MAX_COMMENT_LENGTH, what="comment")
    comment.body_html = render_feed_text(comment.body, comment.post.department).html
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    _comment_event(comment, "edited")
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User) -> None:
    if not access.can_delete_comment(actor, comment):
        raise PermissionDenied("Only the author or a department manager can delete this comment.")
    now = timezone.now()
    removed = Comment.objects.filter(pk=comment.pk).update(deleted_at=now, deleted_by=actor)
    removed += Comment.objects.filter(parent=comment, deleted_at__isnull=True).update(deleted_at=now, deleted_by=actor)
    Post.objects.filter(pk=comment.post_id).update(comment_count=F("comment_count") - removed)
    _comment_event(comment, "deleted")


def _comment_event(comment: Comment, action: str) -> None:
    count = Post.objects.filter(pk=comment.post_id).values_list("comment_count", flat=True).first() or 0
    event: CommentEvent = {
        "type": "feed.comment", "department": comment.post.department_id, "post": comment.post_id,
        "comment": comment.pk, "action": action, "comment_count": count,
    }  # fmt: skip
    publish("feed", comment.post.department_id, event)


# ---------------------------------------------------------------- reactions


@transaction.atomic
def reaction_toggle(*, post: Post, user: User, emoji: str) -> bool:
    """Add the reaction, or take it back if it is there. Returns whether it is now on."""
    if emoji not in REACTION_EMOJI:
        raise ValidationError(
            {"emoji": f"Unknown reaction {emoji[:30]!r}; use one of: {', '.join(REACTION_EMOJI)}."},
            code="unknown_emoji",
        )
    if not access.can_read_feed(user, post.department) or post.published_at is None or post.deleted_at:
        raise PermissionDenied("You cannot react to this post.")
    locked = Post.objects.select_for_update().get(pk=post.pk)
    deleted, _ = Reaction.objects.filter(post=locked, user=user, emoji=emoji).delete()
    if not deleted:
        Reaction.objects.create(post=locked, user=user, emoji=emoji)
    counts = dict(locked.reaction_counts)
    counts[emoji] = max(0, counts.get(emoji, 0) + (-1 if deleted else 1))
    locked.reaction_counts = {k: v for k, v in counts.items() if v}
    locked.save(update_fields=["reaction_counts"])
    post.reaction_counts = locked.reaction_counts
    event: ReactionEvent = {
        "type": "feed.reactions", "department": post.department_id, "post": post.pk, "counts": post.reaction_counts,
    }  # fmt: skip
    publish("feed", post.department_id, event)
    if not deleted and post.author_id != user.pk:
        title = _title_about(post, f"{user.display_name} reacted {REACTION_EMOJI[emoji]} to your post")
        notify(recipients=[post.author], kind="reaction", actor=user, department=post.department, url=post_url(post),
               title=title)  # fmt: skip
    return not deleted


# ---------------------------------------------------------------- acknowledgements


def acknowledge(*, post: Post, user: User) -> Acknowledgement:
    if not post.is_announcement or not post.requires_ack:
        raise ValidationError("This post does not ask for acknowledgement.", code="no_ack")
    if not access.can_read_feed(user, post.department) or post.published_at is None or post.deleted_at:
        raise PermissionDenied("You cannot acknowledge this announcement.")
    try:
        with transaction.atomic():
            return Acknowledgement.objects.create(post=post, user=user, version=post.version)
    except IntegrityError:
        raise ValidationError("You have already acknowledged this version.", code="already_acknowledged") from None


def pending_acknowledgers(post: Post) -> list[User]:
    """Members who have not acknowledged the current version yet."""
    done = Acknowledgement.objects.filter(post=post, version=post.version).values("user_id")
    pending = _audience(post).exclude(pk__in=done).select_related("profile")
    return list(pending.order_by("profile__display_name", "id"))


def _audience(post: Post):
    """Who must acknowledge: the department's members except the announcement's author."""
    return _member_queryset(post.department).exclude(pk=post.author_id)


def ack_progress(post: Post) -> tuple[int, int]:
    members = _audience(post)
    done = Acknowledgement.objects.filter(post=post, version=post.version, user__in=members).count()
    return done, members.count()


@transaction.atomic
def send_ack_reminders(*, post: Post, sent_by: User | None = None, automatic: bool = False) -> int:
    """Remind everyone who has not acknowledged; the automatic reminder goes out once per version."""
    if not post.requires_ack or post.deleted_at or post.published_at is None:
        return 0
    if sent_by is not None and not access.can_moderate(sent_by, post.department):
        raise PermissionDenied("Only the department's managers can send reminders.")
    if automatic:
        try:
            with transaction.atomic():
                log = AckReminder.objects.create(post=post, version=post.version, automatic=True)
        except IntegrityError:
            return 0
    else:
        log = AckReminder.objects.create(post=post, version=post.version, sent_by=sent_by)
    pending = pending_acknowledgers(post)
    due = timezone.localtime(post.ack_due_at).strftime("%d %b %Y %H:%M") if post.ack_due_at else "soon"
    _notify_and_email(
        recipients=pending, kind="reminder", post=post, actor=sent_by,
        title=f"Reminder: please acknowledge the announcement in {post.department.name} by {due}",
        email_subject=f"Reminder: an announcement in {post.department.name} needs your acknowledgement",
    )  # fmt: skip
    log.recipients = len(pending)
    log.save(update_fields=["recipients"])
    return len(pending)


def announcement_dashboard(department: Department) -> list[dict]:
    """Announcements that ask for acknowledgement, with x of y and who is missing, in three queries."""
    everyone = {u.pk: u for u in _members(department)}
    announcements = list(
        Post.objects.filter(
            department=department, kind=Post.Kind.ANNOUNCEMENT, requires_ack=True, deleted_at__isnull=True
        )
        .select_related("author__profile")
        .order_by("-publish_at")[:50]
    )
    current = {post.pk: post.version for post in announcements}
    acked: dict[int, set[int]] = {post.pk: set() for post in announcements}
    for post_id, user_id, version in Acknowledgement.objects.filter(post__in=announcements).values_list(
        "post_id", "user_id", "version"
    ):
        if version == current[post_id]:
            acked[post_id].add(user_id)
    rows = []
    for post in announcements:
        members = {pk: u for pk, u in everyone.items() if pk != post.author_id}
        done = acked[post.pk] & members.keys()
        missing = sorted((members[pk] for pk in members.keys() - done), key=lambda u: u.display_name.lower())
        rows.append({"post": post, "done": len(done), "total": len(members), "missing": missing})
    return rows
