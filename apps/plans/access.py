"""Who may do what with game plans. Who *reads* a plan (a department's content) is decided
in `apps.departments.access`; this module adds only what is particular to plans.

Every reader of the department reads its plan (All staff: everyone, for the company-wide
strategy) and may follow it. Its moderators (the department's managers, and admins who
are members) edit it: text, goals, roles, routines, reviews and the content plan. A goal's
owner records its check-ins; a routine's owner marks it done; a slot's owner moves it
along. Anything in a plan the user does not read answers `NotFound`; something they read
but may not change answers `Forbidden`.
"""

from apps.core.errors import Forbidden, NotFound
from apps.core.ids import parse_id
from apps.departments.access import can_moderate, can_read
from apps.departments.models import Department

from .models import Goal, Review, Role, Routine, Slot

PLAN_TOPIC = "plan"
ONLY_MANAGERS = "Only the department's managers can change its game plan."


def can_edit_plan(user, department: Department) -> bool:
    return can_moderate(user, department)


def require_edit(user, department: Department) -> None:
    if not can_edit_plan(user, department):
        raise Forbidden("forbidden", ONLY_MANAGERS)


def can_check_in(user, goal: Goal) -> bool:
    """The goal's owner answers for it; the managers may record a value too."""
    department = goal.plan.department
    return (goal.owner_id == user.pk and can_read(user, department)) or can_edit_plan(user, department)


def can_mark_routine(user, routine: Routine) -> bool:
    department = routine.plan.department
    return (routine.owner_id == user.pk and can_read(user, department)) or can_edit_plan(user, department)


def can_move_slot(user, slot: Slot) -> bool:
    department = slot.plan.department
    return (slot.owner_id == user.pk and can_read(user, department)) or can_edit_plan(user, department)


def _get(queryset, user, object_id: object, code: str, what: str):
    pk = parse_id(object_id)
    found = queryset.visible_to(user).select_related("plan__department").filter(pk=pk).first() if pk else None
    if found is None:
        raise NotFound(code, f"There is no such {what}, or you do not have access to it.")
    return found


def access_goal(user, goal_id: object) -> Goal:
    """The only way to get a goal: `NotFound` unless its department is read."""
    return _get(Goal.objects.select_related("owner"), user, goal_id, "unknown_goal", "goal")


def access_routine(user, routine_id: object) -> Routine:
    return _get(Routine.objects.select_related("owner"), user, routine_id, "unknown_routine", "routine")


def access_role(user, role_id: object) -> Role:
    return _get(Role.objects.all(), user, role_id, "unknown_role", "role")


def access_slot(user, slot_id: object) -> Slot:
    return _get(Slot.objects.select_related("owner"), user, slot_id, "unknown_slot", "slot")


def access_review(user, review_id: object) -> Review:
    return _get(Review.objects.all(), user, review_id, "unknown_review", "review")


def plan_topic_checker(user, department_id: int) -> bool:
    """May `user` watch the live topic "plan:<department id>"?"""
    department = Department.objects.filter(pk=department_id).first()
    return department is not None and can_read(user, department)
