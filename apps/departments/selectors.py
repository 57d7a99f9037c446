"""Reads about departments that more than one view needs."""

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from apps.people.models import Profile

from .access import readers_of
from .models import Department, Membership


def department_members(department: Department) -> QuerySet[Profile]:
    """The readers' profiles with their `role`, in a single query whatever their number."""
    role = Subquery(Membership.objects.filter(department=department, user=OuterRef("user_id")).values("role")[:1])
    return (
        Profile.objects.active()
        .filter(user__in=readers_of(department))
        .select_related("user")
        .annotate(role=Coalesce(role, Value(Membership.Role.MEMBER)))
    )


def department_member_count(department: Department) -> int:
    return readers_of(department).count()
