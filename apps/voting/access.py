"""Who may do what with ideas and polls. Who *reads* a board (a department's content) is
decided in `apps.departments.access`; this module adds only what is particular to boards.

A board's readers propose, vote, comment, create and answer polls. Its moderators (the
department's managers, and admins who are members) set statuses, merge duplicates and
remove anything. Authors edit their idea while it is still open, and remove their own
comments and polls. An idea or poll on a board the user does not read answers `NotFound`
(its existence does not leak); one they read but may not change answers `Forbidden`.
"""

from django.db.models import OuterRef, QuerySet, Subquery

from apps.core.errors import Forbidden, NotFound
from apps.core.ids import parse_id
from apps.departments.access import can_contribute, can_moderate, can_read
from apps.departments.models import Department

from .models import Idea, IdeaComment, Poll


def can_use_board(user, department: Department) -> bool:
    """Read the board, propose ideas, vote, comment, create and answer polls."""
    return can_contribute(user, department)


def can_moderate_board(user, department: Department) -> bool:
    """Set statuses, merge ideas, edit or delete anyone's idea, comment or poll."""
    return can_moderate(user, department)


def can_edit_idea(user, idea: Idea) -> bool:
    if can_moderate_board(user, idea.department):
        return True
    return (
        user.pk == idea.author_id
        and idea.status == Idea.Status.OPEN
        and not idea.is_merged
        and can_read(user, idea.department)
    )


def can_delete_idea(user, idea: Idea) -> bool:
    return can_edit_idea(user, idea)


def can_delete_comment(user, comment: IdeaComment, department: Department) -> bool:
    return (user.pk == comment.author_id and can_read(user, department)) or can_moderate_board(user, department)


def can_manage_poll(user, poll: Poll) -> bool:
    """Close or delete the poll: its author and the board's moderators."""
    return (user.pk == poll.author_id and can_read(user, poll.department)) or can_moderate_board(user, poll.department)


def board_topic_checker(user, department_id: int) -> bool:
    """May `user` watch the live topic "board:<department id>"?"""
    department = Department.objects.filter(pk=department_id).first()
    return department is not None and can_read(user, department)


def _with_department_role(queryset: QuerySet, user) -> QuerySet:
    """Fetch the board's department with the user's role in the same query, so later checks cost none."""
    role = Subquery(Department.objects.with_role_of(user).filter(pk=OuterRef("department_id")).values("my_role")[:1])
    return queryset.select_related("department", "author__profile").annotate(department_role=role)


def access_idea(user, idea_id: object, *, manage: bool = False) -> Idea:
    """The only way to get an idea: `NotFound` if its board is not read, `Forbidden` if `manage` is refused."""
    pk = parse_id(idea_id)
    idea = _with_department_role(Idea.objects.visible_to(user), user).filter(pk=pk).first() if pk else None
    if idea is None:
        raise NotFound("unknown_idea", "There is no such idea, or you do not have access to it.")
    idea.department.my_role = idea.department_role
    idea.department.my_role_of = user.pk
    if manage and not can_moderate_board(user, idea.department):
        raise Forbidden("forbidden", "Only the department's managers can do this.")
    return idea


def access_poll(user, poll_id: object, *, manage: bool = False) -> Poll:
    """The only way to get a poll: `NotFound` if its board is not read, `Forbidden` if `manage` is refused."""
    pk = parse_id(poll_id)
    poll = _with_department_role(Poll.objects.visible_to(user), user).filter(pk=pk).first() if pk else None
    if poll is None:
        raise NotFound("unknown_poll", "There is no such poll, or you do not have access to it.")
    poll.department.my_role = poll.department_role
    poll.department.my_role_of = user.pk
    if manage and not can_manage_poll(user, poll):
        raise Forbidden("forbidden", "Only the poll's author and the department's managers can do this.")
    return poll
