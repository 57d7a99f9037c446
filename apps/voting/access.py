"""Who may do what with ideas and polls. The only place these rules live.

A board is a department's: whoever may enter the department (its members, everyone
for "All staff", admins) reads its ideas and polls, proposes, votes and comments. Its
managers (and admins) answer: they set statuses, merge duplicates and moderate. Authors
edit their idea while it is still open, and remove their own comments and polls.

As for departments, an idea or poll on a board the user may not read answers 404 (its
existence does not leak); one they may read but not change answers 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from apps.departments.access import can_manage_department, can_view_department
from apps.departments.models import Department

from .models import Idea, IdeaComment, Poll


def can_use_board(user, department: Department) -> bool:
    """Read the board, propose ideas, vote, comment, create and answer polls."""
    return can_view_department(user, department)


def can_moderate_board(user, department: Department) -> bool:
    """Set statuses, merge ideas, edit or delete anyone's idea, comment or poll."""
    return can_manage_department(user, department)


def can_edit_idea(user, idea: Idea) -> bool:
    if can_moderate_board(user, idea.department):
        return True
    return user.pk == idea.author_id and idea.status == Idea.Status.OPEN and not idea.is_merged


def can_delete_idea(user, idea: Idea) -> bool:
    return can_edit_idea(user, idea)


def can_delete_comment(user, comment: IdeaComment, department: Department) -> bool:
    return user.pk == comment.author_id or can_moderate_board(user, department)


def can_manage_poll(user, poll: Poll) -> bool:
    """Close or delete the poll: its author, the department's managers, admins."""
    return user.pk == poll.author_id or can_moderate_board(user, poll.department)


def board_topic_checker(user, department_id: int) -> bool:
    """May `user` watch the live topic "board:<department id>"?"""
    return Department.objects.visible_to(user).filter(pk=department_id).exists()


def _with_department_role(queryset: QuerySet, user) -> QuerySet:
    """Fetch the board's department with the user's role in the same query, so later checks cost none."""
    role = Subquery(Department.objects.with_role_of(user).filter(pk=OuterRef("department_id")).values("my_role")[:1])
    return queryset.select_related("department", "author__profile").annotate(department_role=role)


def access_idea(user, idea_id: int, *, manage: bool = False) -> Idea:
    """The only way a view gets an idea: 404 if its board is not visible, 403 if `manage` is refused."""
    try:
        idea = _with_department_role(Idea.objects.visible_to(user), user).get(pk=idea_id)
    except (Idea.DoesNotExist, ValueError, TypeError):
        raise Http404("No such idea") from None
    idea.department.my_role = idea.department_role
    if manage and not can_moderate_board(user, idea.department):
        raise PermissionDenied("Only the department's managers can do this.")
    return idea


def access_poll(user, poll_id: int, *, manage: bool = False) -> Poll:
    """The only way a view gets a poll: 404 if its board is not visible, 403 if `manage` is refused."""
    try:
        poll = _with_department_role(Poll.objects.visible_to(user), user).get(pk=poll_id)
    except (Poll.DoesNotExist, ValueError, TypeError):
        raise Http404("No such poll") from None
    poll.department.my_role = poll.department_role
    if manage and not can_manage_poll(user, poll):
        raise PermissionDenied("Only the poll's author and the department's managers can do this.")
    return poll
