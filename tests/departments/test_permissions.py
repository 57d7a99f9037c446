"""The permission matrix: every department view and endpoint × anonymous, outsider, member, manager, admin.

Expected answers: anonymous HTML requests go to the login page (302) and anonymous
API calls get 401; a department one cannot see answers 404 (existence does not
leak); one that can be seen but not changed answers 403.
"""

import pytest

from apps.departments.models import Membership
from tests.factories import UserFactory, image_bytes
from tests.matrix import cases, check, expect, matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(department):
    user = UserFactory(email="colleague@example.com", display_name="Carl Colleague")
    Membership.objects.create(department=department, user=user)
    return user


def _image(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"image": SimpleUploadedFile("p.jpg", image_bytes(), content_type="image/jpeg")}


HTML = matrix(
    ("get", "/departments/", None, expect(302, 200, 200, 200, 200)),
    ("get", "/departments/sales/", None, expect(302, 404, 200, 200, 200)),
    ("get", "/departments/all-staff/", None, expect(302, 200, 200, 200, 200)),
    ("get", "/departments/sales/edit/", None, expect(302, 404, 403, 200, 200)),
    ("post", "/departments/sales/edit/", {"name": "Sales", "description": "New.", "mission": "M"},
     expect(302, 404, 403, 302, 302)),
    ("get", "/departments/sales/members/", None, expect(302, 404, 403, 200, 200)),
    ("post", "/departments/sales/members/", {"email": "outsider@example.com", "role": "member"},
     expect(302, 404, 403, 302, 302)),
    ("post", "/departments/sales/members/{colleague}/role/", {"role": "manager"},
     expect(302, 404, 403, 302, 302)),
    ("post", "/departments/sales/members/{colleague}/remove/", {},
     expect(302, 404, 403, 302, 302)),
    ("get", "/departments/new/", None, expect(302, 403, 403, 403, 200)),
    ("post", "/departments/new/", {"name": "Support", "description": "", "mission": ""},
     expect(302, 403, 403, 403, 302)),
    ("post", "/departments/sales/delete/", {}, expect(302, 404, 403, 403, 302)),
    ("post", "/departments/sales/image/", _image, expect(302, 404, 403, 302, 302)),
)  # fmt: skip

API = matrix(
    ("get", "/api/v1/departments/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/v1/departments/sales/", None, expect(401, 404, 200, 200, 200)),
    ("get", "/api/v1/departments/sales/members/", None, expect(401, 404, 200, 200, 200)),
    ("patch", "/api/v1/departments/sales/", {"description": "Changed"}, expect(401, 404, 403, 200, 200)),
    ("patch", "/api/v1/departments/sales/", {"name": "Renamed"}, expect(401, 404, 403, 403, 200)),
    ("post", "/api/v1/departments/", {"name": "Support"}, expect(401, 403, 403, 403, 201)),
    ("delete", "/api/v1/departments/sales/", None, expect(401, 404, 403, 403, 204)),
    ("get", "/api/v1/memberships/?department=sales", None, expect(401, 200, 200, 200, 200)),
    ("post", "/api/v1/memberships/", {"department": "sales", "email": "outsider@example.com", "role": "member"},
     expect(401, 400, 403, 201, 201)),
    ("patch", "/api/v1/memberships/{colleague_membership}/", {"role": "manager"},
     expect(401, 404, 403, 200, 200)),
    ("delete", "/api/v1/memberships/{colleague_membership}/", None,
     expect(401, 404, 403, 204, 204)),
)  # fmt: skip


@pytest.fixture
def world(member, manager, outsider, admin_user, colleague):
    membership = Membership.objects.get(user=colleague, department__slug="sales")
    return {"colleague": colleague.pk, "colleague_membership": membership.pk}


@pytest.mark.parametrize(("route", "role"), cases(HTML + API))
def test_department_pages_and_endpoints_check_permissions(client_as, world, route, role):
    check(client_as, world, route, role)


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
