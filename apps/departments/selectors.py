"""Reads about departments that more than one view needs."""

from functools import cache

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from apps.core.compiled import KeyQuery
from apps.core.pagination import Page, keyset_page, page_of
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


MEMBER_ORDER = ("display_name", "id")


def _member_cards(department: Department) -> QuerySet[Profile]:
    return department_members(department).select_related(None)  # a card shows the profile alone


@cache
def _first_members(company_wide: bool, size: int) -> KeyQuery:
    # Who reads a company-wide department is not a membership: two shapes of SQL, one each.
    return KeyQuery(
        lambda pk: _member_cards(Department(pk=pk, is_company_wide=company_wide)).order_by(*MEMBER_ORDER)[: size + 1],
        key=int,
    )


def member_cards_page(department: Department, *, cursor: str | None, size: int) -> Page:
    """A page of the department's readers by name, with their role, for person cards (no user rows).

    The first page's query is compiled once per process: building it, and the users it
    joined, were a third of the department page's time (BENCHMARKS.md).
    """
    if cursor:
        return keyset_page(_member_cards(department), fields=MEMBER_ORDER, cursor=cursor, size=size)
    rows = _first_members(department.is_company_wide, size).objects(department.pk)
    return page_of(rows, fields=MEMBER_ORDER, size=size)
