"""Writes on the feed: posts, comments and reactions (announcements: `announcements`).

HTML views, API views and tasks all go through these functions. Each takes the
`acting_user`, authorises them through `access` itself, validates, writes in a
transaction, and sends its live event and notifications only after commit. Refusals are
`ServiceError`s (`apps.core.errors`).
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.services import record_content_deletion
from apps.core.errors import Conflict, Invalid, NotFound, require
from apps.core.images import ImageLimits, fitted_jpeg, open_validated_image
from apps.core.markdown import plain_text
from apps.departments.access import can_read, readers_of, require_contribute, require_may_be_confidential
from apps.departments.models import Department
from apps.departments.services import company_wide_department
from apps.notifications.services import notify
from apps.policies.screening import screen as screen_never_share
from apps.realtime.topics import publish
from apps.search.index import update_index

from . import access, cards
from .events import CommentEvent, PostEvent, ReactionEvent
from .files import check_attachment
from .mentions import render_feed_text
from .models import REACTION_EMOJI, Attachment, Comment, Post, PostImage, PostVersion, Reaction

FEED_TOPIC = "feed"
MAX_POST_LENGTH = 10_000
MAX_COMMENT_LENGTH = 5_000


# ---------------------------------------------------------------- text


def _clean_body(body: object, *, limit: int, what: str) -> str:
    body = body.strip() if isinstance(body, str) else ""
    if not body:
        raise Invalid.field("body", f"Write something: an empty {what} cannot be posted.", code="empty")
    if len(body) > limit:
        raise Invalid.field(
            "body", f"The {what} is too long ({len(body):,} characters); the limit is {limit:,}.", code="too_long"
        )
    return body


def post_url(post: Post) -> str:
    return reverse("feed:post", args=[post.pk])


def title_about(post: Post, what: str) -> str:
    """In-app notification text: never the content of a confidential post."""
    where = post.department.name
    if post.is_confidential:
        return f"{what} in a confidential post in {where}"
    return f"{what} in {where}: “{plain_text(post.body_html, limit=80)}”"


def notify_and_email(
    *,
    recipients: Iterable[User],
    kind: str,
    post: Post,
    actor: User | None,
    title: str,
    email_subject: str,
    comment: Comment | None = None,
) -> None:
    """In-app notifications, and e-mails (a link, never the post's text) for those who want them.

    With a `comment`, the link opens the post at that comment.
    """
    from apps.notifications.emails import queue_notification_emails

    url = post_url(post) + (f"#comment-{comment.pk}" if comment is not None else "")
    created = notify(recipients=recipients, kind=kind, title=title, url=url, actor=actor, department=post.department)
    queue_notification_emails(user_ids=[n.recipient_id for n in created], kind=kind, subject=email_subject, path=url)


def _publish_post(post: Post, action: str) -> None:
    cards.forget(post.pk, post.department_id)  # every change of a post is published: its cards go on commit
    event: PostEvent = {"type": "feed.post", "department": post.department_id, "post": post.pk, "action": action}
    publish(FEED_TOPIC, post.department_id, event)


# ---------------------------------------------------------------- uploads


def _store_images(post: Post, images: Sequence[UploadedFile]) -> None:
    limits = ImageLimits(max_bytes=settings.PHOTO_MAX_BYTES, max_pixels=settings.PHOTO_MAX_PIXELS)
    decoded = []
    for index, upload in enumerate(images):
        try:
            decoded.append(open_validated_image(upload, limits))
        except Invalid as error:
            raise Invalid.fields({"images": f"Image {index + 1} ({upload.name}): {error.detail}"}) from None
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
        except Invalid as error:
            raise Invalid.fields({"attachments": error.detail}) from None
    for item in checked:
        row = Attachment(post=post, original_name=item.name, content_type=item.content_type, size=item.size)
        row.file.save(item.name, item.upload, save=False)
        row.save()


# ---------------------------------------------------------------- posts


@transaction.atomic
def post_create(
    *,
    acting_user: User,
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
    confirm: bool = False,
) -> Post:
    """Create a post or announcement; published now, or scheduled when `publish_at` is in the future.

    A post that is not confidential is screened against the space's never-share rules
    (`Conflict("policy_warning")`) unless `confirm` says to send it anyway.
    """
    require_contribute(acting_user, department)
    if kind not in Post.Kind.values:
        raise Invalid.field("kind", f"Unknown kind {str(kind)[:30]!r}.")
    is_announcement = kind == Post.Kind.ANNOUNCEMENT
    if is_announcement:
        require(access.can_announce(acting_user, department), "Only the department's managers can post announcements.")
    body = _clean_body(body, limit=MAX_POST_LENGTH, what="post")
    if len(images) > settings.POST_MAX_IMAGES:
        raise Invalid.field(
            "images", f"A post can have at most {settings.POST_MAX_IMAGES} images; you sent {len(images)}."
        )
    if len(attachments) > settings.POST_MAX_ATTACHMENTS:
        raise Invalid.field("attachments", f"A post can have at most {settings.POST_MAX_ATTACHMENTS} files.")
    now = timezone.now()
    if not is_announcement and (pinned_until or requires_ack or ack_due_at):
        raise Invalid("announcement_only", "Pinning and acknowledgement are for announcements only.")
    if ack_due_at and not requires_ack:
        requires_ack = True
    if ack_due_at and ack_due_at <= now:
        raise Invalid.field("ack_due_at", "The acknowledgement date must be in the future.")
    if pinned_until and pinned_until <= (publish_at or now):
        raise Invalid.field("pinned_until", "The pin must end after the announcement appears.")
    if is_confidential is None:
        is_confidential = department.is_confidential_by_default
    require_may_be_confidential(department, is_confidential, "Posts in the company-wide space cannot be confidential.")
    if not is_confidential:
        screen_never_share(body, department=department, confirm=confirm)
    scheduled = publish_at is not None and publish_at > now
    post = Post(
        department=department,
        author=acting_user,
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
    from .announcements import schedule_automatic_reminder

    _publish_post(post, "created")
    mentioned = render_feed_text(post.body, post.department).users
    if mentioned:
        notify_and_email(
            recipients=mentioned, kind="mention", post=post, actor=post.author,
            title=title_about(post, f"{post.author.display_name} mentioned you"),
            email_subject=f"{post.author.display_name} mentioned you in {post.department.name}",
        )  # fmt: skip
    if post.is_announcement:
        others = readers_of(post.department).exclude(pk__in=[m.pk for m in mentioned])
        notify_and_email(
            recipients=others, kind="announcement", post=post, actor=post.author,
            title=title_about(post, f"New announcement from {post.author.display_name}"),
            email_subject=f"New announcement in {post.department.name}",
        )  # fmt: skip
        if post.requires_ack and post.ack_due_at:
            schedule_automatic_reminder(post)


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
def post_edit(*, acting_user: User, post: Post, body: str, new_version: bool = False) -> Post:
    """Edit one's own post. For an announcement, `new_version` asks everyone to acknowledge again."""
    from .announcements import schedule_automatic_reminder

    require(access.can_edit_post(acting_user, post), "Only the author can edit a post.")
    body = _clean_body(body, limit=MAX_POST_LENGTH, what="post")
    if body == post.body:
        return post
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.is_announcement and new_version:
        PostVersion.objects.create(
            post=post, version=post.version, body=post.body, body_html=post.body_html, created_by=acting_user
        )
        post.version += 1
    post.body = body
    post.body_html = render_feed_text(body, post.department).html
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "body_html", "edited_at", "version"])
    if post.published_at is not None:
        _publish_post(post, "edited")
        if post.is_announcement and new_version:
            notify_and_email(
                recipients=readers_of(post.department), kind="announcement", post=post, actor=acting_user,
                title=title_about(post, f"{acting_user.display_name} updated an announcement: please read it again"),
                email_subject=f"An announcement in {post.department.name} changed",
            )  # fmt: skip
            if post.requires_ack and post.ack_due_at and post.ack_due_at > timezone.now():
                schedule_automatic_reminder(post)
    return post


@transaction.atomic
def post_delete(*, acting_user: User, post: Post) -> None:
    """Soft delete, recorded: the author, or a manager moderating their department."""
    require(access.can_delete_post(acting_user, post), "Only the author or a department manager can delete this post.")
    Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now(), deleted_by=acting_user)
    record_content_deletion(
        actor=acting_user, kind="post", object_id=post.pk, author_id=post.author_id, department_id=post.department_id
    )
    update_index(Post, [post.pk])  # gone from search, with its comments and files, as this commits
    _publish_post(post, "deleted")


@transaction.atomic
def post_share_to_company(*, acting_user: User, post: Post) -> Post:
    """Share a department post to All staff, as a new post that links back. Never a confidential one."""
    post = access.access_post(acting_user, post.pk)
    if post.is_confidential:
        raise Conflict("confidential", "Confidential posts can never be shared to All staff.")
    if post.department.is_company_wide:
        raise Conflict("already_company_wide", "This post is already in All staff.")
    company = company_wide_department()
    if post.shares.filter(department=company, deleted_at__isnull=True).exists():
        raise Conflict("already_shared", "This post has already been shared to All staff.")
    shared = post_create(acting_user=acting_user, department=company, body=post.body, is_confidential=False)
    shared.shared_from = post
    shared.save(update_fields=["shared_from"])
    return shared


def require_open_post(user: User, post: Post, what: str) -> None:
    """Comments, reactions and acknowledgements go on published posts the user reads; others are not there."""
    if not can_read(user, post.department) or post.published_at is None or post.deleted_at:
        raise NotFound("unknown_post", f"You cannot {what} this post: it is not there, or not yours to see.")
    require_contribute(user, post.department)


# ---------------------------------------------------------------- comments


@transaction.atomic
def comment_create(
    *, acting_user: User, post: Post, body: str, parent: Comment | None = None, confirm: bool = False
) -> Comment:
    require_open_post(acting_user, post, "comment on")
    body = _clean_body(body, limit=MAX_COMMENT_LENGTH, what="comment")
    if not post.is_confidential:
        screen_never_share(body, department=post.department, confirm=confirm)
    if parent is not None:
        if parent.post_id != post.pk or parent.deleted_at is not None:
            raise Invalid.field("parent", "You can only reply to a comment on the same post.")
        if parent.parent_id is not None:
            parent = parent.parent  # one level of replies: a reply to a reply joins its thread
    rendered = render_feed_text(body, post.department)
    mentioned = rendered.users
    comment = Comment.objects.create(post=post, author=acting_user, parent=parent, body=body, body_html=rendered.html)
    Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
    post.refresh_from_db(fields=["comment_count"])
    _publish_comment(comment, post, "created", post.comment_count)
    name = acting_user.display_name
    anchor = f"{post_url(post)}#comment-{comment.pk}"
    told = {acting_user.pk}
    if mentioned:
        notify_and_email(
            recipients=mentioned, kind="mention", post=post, actor=acting_user, comment=comment,
            title=title_about(post, f"{name} mentioned you in a comment"),
            email_subject=f"{name} mentioned you in {post.department.name}",
        )  # fmt: skip
        told |= {u.pk for u in mentioned}
    if parent is not None and parent.author_id not in told:
        notify(recipients=[parent.author], kind="reply", actor=acting_user, department=post.department,
               url=anchor, title=title_about(post, f"{name} replied to your comment"))  # fmt: skip
        told.add(parent.author_id)
    if post.author_id not in told:
        notify(recipients=[post.author], kind="reply", actor=acting_user, department=post.department,
               url=anchor, title=title_about(post, f"{name} commented on your post"))  # fmt: skip
    return comment


@transaction.atomic
def comment_edit(*, acting_user: User, comment: Comment, body: str) -> Comment:
    require(access.can_edit_comment(acting_user, comment), "Only the author can edit a comment.")
    comment.body = _clean_body(body, limit=MAX_COMMENT_LENGTH, what="comment")
    comment.body_html = render_feed_text(comment.body, comment.post.department).html
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    _publish_comment(comment, comment.post, "edited")
    return comment


@transaction.atomic
def comment_delete(*, acting_user: User, comment: Comment) -> None:
    require(
        access.can_delete_comment(acting_user, comment),
        "Only the author or a department manager can delete this comment.",
    )
    now = timezone.now()
    removed = Comment.objects.filter(pk=comment.pk).update(deleted_at=now, deleted_by=acting_user)
    replies = Comment.objects.filter(parent=comment, deleted_at__isnull=True)
    reply_ids = list(replies.values_list("pk", flat=True))
    removed += replies.update(deleted_at=now, deleted_by=acting_user)
    update_index(Comment, [comment.pk, *reply_ids])
    Post.objects.filter(pk=comment.post_id).update(comment_count=F("comment_count") - removed)
    record_content_deletion(
        actor=acting_user, kind="comment", object_id=comment.pk, author_id=comment.author_id, post_id=comment.post_id
    )
    _publish_comment(comment, comment.post, "deleted")


def _publish_comment(comment: Comment, post: Post, action: str, count: int | None = None) -> None:
    cards.forget(post.pk, post.department_id)  # the card shows the count and the latest comments
    if count is None:
        count = Post.objects.filter(pk=post.pk).values_list("comment_count", flat=True).first() or 0
    event: CommentEvent = {
        "type": "feed.comment", "department": post.department_id, "post": post.pk, "comment": comment.pk,
        "action": action, "comment_count": count,
    }  # fmt: skip
    publish(FEED_TOPIC, post.department_id, event)


# ---------------------------------------------------------------- reactions


@transaction.atomic
def reaction_toggle(*, acting_user: User, post: Post, emoji: object) -> bool:
    """Add the reaction, or take it back if it is there. Returns whether it is now on."""
    if not isinstance(emoji, str) or emoji not in REACTION_EMOJI:
        raise Invalid.field(
            "emoji",
            f"Unknown reaction {str(emoji)[:30]!r}; use one of: {', '.join(REACTION_EMOJI)}.",
            code="unknown_emoji",
        )
    require_open_post(acting_user, post, "react to")
    locked = Post.objects.select_for_update().get(pk=post.pk)
    deleted, _ = Reaction.objects.filter(post=locked, user=acting_user, emoji=emoji).delete()
    if not deleted:
        Reaction.objects.create(post=locked, user=acting_user, emoji=emoji)
    counts = dict(locked.reaction_counts)
    counts[emoji] = max(0, counts.get(emoji, 0) + (-1 if deleted else 1))
    locked.reaction_counts = {k: v for k, v in counts.items() if v}
    locked.save(update_fields=["reaction_counts"])
    post.reaction_counts = locked.reaction_counts
    cards.forget(post.pk, post.department_id)
    event: ReactionEvent = {
        "type": "feed.reactions", "department": post.department_id, "post": post.pk, "counts": post.reaction_counts,
    }  # fmt: skip
    publish(FEED_TOPIC, post.department_id, event)
    if not deleted and post.author_id != acting_user.pk:
        title = title_about(post, f"{acting_user.display_name} reacted {REACTION_EMOJI[emoji]} to your post")
        notify(recipients=[post.author], kind="reaction", actor=acting_user, department=post.department,
               url=post_url(post), title=title)  # fmt: skip
    return not deleted
