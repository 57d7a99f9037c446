"""Reads about departments that more than one view needs."""

from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from apps.people.models import Profile

from .models import Department, Membership


def department_members(department: Department) -> QuerySet[Profile]:
    """Active members' profiles with their `role`, in a single query whatever their number."""
    profiles = Profile.objects.active().select_related("user")
    if department.is_company_wide:
        role = Subquery(Membership.objects.filter(department=department, user=OuterRef("user_id")).values("role")[:1])
        return profiles.annotate(role=Coalesce(role, Value(Membership.Role.MEMBER)))
    return profiles.filter(user__memberships__department=department).annotate(role=F("user__memberships__role"))


def department_member_count(department: Department) -> int:
    return department_members(department).count()
