"""The one read rule (apps/departments/access.py): roles, what may be linked, what may be confidential."""

import pytest

from apps.departments.models import Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_outsider_lists_only_visible_departments_and_memberships(client_as, member, outsider):
    client = client_as("outsider")
    slugs = {d["slug"] for d in client.get("/api/v1/departments/").json()["results"]}
    assert slugs == {"all-staff", "legal"}
    memberships = client.get("/api/v1/memberships/").json()["results"]
    assert {m["department"] for m in memberships} == {"legal"}


def test_a_role_loaded_for_one_person_is_never_taken_as_anothers(department, manager, outsider, member):
    """`with_role_of(manager)` annotates the manager's role; asking about someone else must not reuse it."""
    from apps.departments import access
    from apps.departments.models import Department

    loaded = Department.objects.with_role_of(manager).get(pk=department.pk)
    assert access.role_in(manager, loaded) == Membership.Role.MANAGER
    assert access.role_in(outsider, loaded) is None
    assert access.role_in(member, loaded) == Membership.Role.MEMBER
    assert not access.can_moderate(outsider, loaded)


def test_linkable_and_confidential_content_follow_the_company_wide_rule(department, other_department):
    """What a department's plan may link to, and what may be confidential, are asked of access.py only."""
    from apps.core.errors import Invalid
    from apps.departments import access
    from apps.departments.services import company_wide_department

    company = company_wide_department()
    assert access.read_by_every_reader_of(department, department)
    assert access.read_by_every_reader_of(company, department)
    assert not access.read_by_every_reader_of(other_department, department)
    for place in (department, other_department, company):
        Membership.objects.create(department=place, user=UserFactory())
    linkable = Membership.objects.filter(access.read_by_every_reader_of_q(department))
    assert set(linkable.values_list("department_id", flat=True)) == {department.pk, company.pk}

    access.require_may_be_confidential(department, True, "no")
    access.require_may_be_confidential(company, False, "no")
    with pytest.raises(Invalid) as refused:
        access.require_may_be_confidential(company, True, "Everyone reads All staff.")
    assert refused.value.errors == {"is_confidential": ["Everyone reads All staff."]}
