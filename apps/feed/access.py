"""Who may read and write what in a department's feed. The only place these rules live.

Reading a feed means belonging to the department (everyone belongs to All staff):
admins are not let in by their admin role, so confidential posts stay with members.
Missing and not-yours posts both answer 404.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from apps.departments.access import is_admin, role_in
from apps.departments.models import Department, Membership

from .models import Comment, Post


def can_read_feed(user, department: Department) -> bool:
    return role_in(user, department) is not None


def can_post(user, department: Department) -> bool:
    return can_read_feed(user, department)


def can_announce(user, department: Department) -> bool:
    """Managers of the department, and admins who belong to it."""
    role = role_in(user, department)
    return role == Membership.Role.MANAGER or (role is not None and is_admin(user))


def can_moderate(user, department: Department) -> bool:
    return can_announce(user, department)


def can_edit_post(user, post: Post) -> bool:
    return post.author_id == user.pk and post.deleted_at is None


def can_delete_post(user, post: Post) -> bool:
    return post.deleted_at is None and (post.author_id == user.pk or can_moderate(user, post.department))


def can_edit_comment(user, comment: Comment) -> bool:
    return comment.author_id == user.pk and comment.deleted_at is None


def can_delete_comment(user, comment: Comment) -> bool:
    return comment.deleted_at is None and (comment.author_id == user.pk or can_moderate(user, comment.post.department))


def can_see_scheduled(user, post: Post) -> bool:
    """A scheduled post is visible to its author and the department's managers until it appears."""
    return post.author_id == user.pk or can_moderate(user, post.department)


def access_post(user, post_id: int, *, include_scheduled: bool = False) -> Post:
    """The only way a view gets a post: published ones its reader may see, or 404."""
    post = (
        Post.objects.select_related("department", "author__profile", "shared_from__department")
        .filter(pk=post_id, deleted_at__isnull=True)
        .first()
    )
    if post is None or not can_read_feed(user, post.department):
        raise Http404("No such post")
    if post.published_at is None and not (include_scheduled and can_see_scheduled(user, post)):
        raise Http404("No such post")
    return post


def access_comment(user, comment_id: int) -> Comment:
    comment = Comment.objects.select_related("post__department", "author").filter(pk=comment_id).first()
    if comment is None or comment.deleted_at is not None:
        raise Http404("No such comment")
    access_post(user, comment.post_id)
    return comment


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def access_feed(user, slug: str) -> Department:
    """A department whose feed the user may read, or 404."""
    department = Department.objects.with_role_of(user).filter(slug=slug).first()
    if department is None or not can_read_feed(user, department):
        raise Http404("No such department")
    return department
