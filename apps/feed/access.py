"""Who may do what with posts and comments. Who *reads* a department is decided in
`apps.departments.access`; this module adds only what is particular to the feed.

Missing and not-yours posts both answer `NotFound`, so existence does not leak.
"""

from apps.core.errors import NotFound
from apps.core.ids import parse_id
from apps.departments.access import access_department_content, can_contribute, can_moderate, can_read
from apps.departments.models import Department

from .models import Comment, Post

UNKNOWN_POST = "There is no such post, or you do not have access to it."
UNKNOWN_COMMENT = "There is no such comment, or you do not have access to it."


def can_post(user, department: Department) -> bool:
    return can_contribute(user, department)


def can_announce(user, department: Department) -> bool:
    """Announcements (pinned, acknowledged, scheduled) are the department's moderators' to post."""
    return can_moderate(user, department)


def can_edit_post(user, post: Post) -> bool:
    return post.author_id == user.pk and post.deleted_at is None and can_read(user, post.department)


def can_delete_post(user, post: Post) -> bool:
    return post.deleted_at is None and (
        (post.author_id == user.pk and can_read(user, post.department)) or can_moderate(user, post.department)
    )


def can_edit_comment(user, comment: Comment) -> bool:
    return comment.author_id == user.pk and comment.deleted_at is None and can_read(user, comment.post.department)


def can_delete_comment(user, comment: Comment) -> bool:
    department = comment.post.department
    return comment.deleted_at is None and (
        (comment.author_id == user.pk and can_read(user, department)) or can_moderate(user, department)
    )


def can_see_scheduled(user, post: Post) -> bool:
    """A scheduled post is visible to its author and the department's moderators until it appears."""
    return post.author_id == user.pk or can_moderate(user, post.department)


def access_post(user, post_id: object, *, include_scheduled: bool = False) -> Post:
    """The only way to get a post: a published one its reader may see (or scheduled, for who may see it)."""
    pk = parse_id(post_id)
    post = (
        Post.objects.select_related("department", "author__profile", "shared_from__department")
        .filter(pk=pk, deleted_at__isnull=True)
        .first()
        if pk
        else None
    )
    if post is None or not can_read(user, post.department):
        raise NotFound("unknown_post", UNKNOWN_POST)
    if post.published_at is None and not (include_scheduled and can_see_scheduled(user, post)):
        raise NotFound("unknown_post", UNKNOWN_POST)
    return post


def access_comment(user, comment_id: object) -> Comment:
    pk = parse_id(comment_id)
    comment = Comment.objects.select_related("post__department", "author").filter(pk=pk).first() if pk else None
    if comment is None or comment.deleted_at is not None:
        raise NotFound("unknown_comment", UNKNOWN_COMMENT)
    comment.post = access_post(user, comment.post_id)
    return comment


def access_feed(user, department_ref: object) -> Department:
    """A department whose feed the user reads (by slug or id), or `NotFound`."""
    return access_department_content(user, department_ref)
