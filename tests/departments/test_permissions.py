"""The permission matrix: every department view and endpoint × anonymous, outsider, member, manager, admin.

Expected answers: anonymous HTML requests go to the login page (302) and anonymous
API calls get 401; a department one cannot see answers 404 (existence does not
leak); one that can be seen but not changed answers 403.
"""

import pytest

from apps.departments.models import Membership
from tests.factories import UserFactory, image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(department):
    user = UserFactory(email="colleague@example.com", display_name="Carl Colleague")
    Membership.objects.create(department=department, user=user)
    return user


HTML = [
    # (method, url, data, {role: expected status})
    ("get", "/departments/", None, {"anonymous": 302, "outsider": 200, "member": 200, "manager": 200, "admin_user": 200}),
    ("get", "/departments/sales/", None, {"anonymous": 302, "outsider": 404, "member": 200, "manager": 200, "admin_user": 200}),
    ("get", "/departments/all-staff/", None, {"anonymous": 302, "outsider": 200, "member": 200, "manager": 200, "admin_user": 200}),
    ("get", "/departments/sales/edit/", None, {"anonymous": 302, "outsider": 404, "member": 403, "manager": 200, "admin_user": 200}),
    ("post", "/departments/sales/edit/", {"name": "Sales", "description": "New.", "mission": "M"},
     {"anonymous": 302, "outsider": 404, "member": 403, "manager": 302, "admin_user": 302}),
    ("get", "/departments/sales/members/", None, {"anonymous": 302, "outsider": 404, "member": 403, "manager": 200, "admin_user": 200}),
    ("post", "/departments/sales/members/", {"email": "outsider@example.com", "role": "member"},
     {"anonymous": 302, "outsider": 404, "member": 403, "manager": 302, "admin_user": 302}),
    ("post", "/departments/sales/members/{colleague}/role/", {"role": "manager"},
     {"anonymous": 302, "outsider": 404, "member": 403, "manager": 302, "admin_user": 302}),
    ("post", "/departments/sales/members/{colleague}/remove/", {},
     {"anonymous": 302, "outsider": 404, "member": 403, "manager": 302, "admin_user": 302}),
    ("get", "/departments/new/", None, {"anonymous": 302, "outsider": 403, "member": 403, "manager": 403, "admin_user": 200}),
    ("post", "/departments/new/", {"name": "Support", "description": "", "mission": ""},
     {"anonymous": 302, "outsider": 403, "member": 403, "manager": 403, "admin_user": 302}),
    ("post", "/departments/sales/delete/", {}, {"anonymous": 302, "outsider": 404, "member": 403, "manager": 403, "admin_user": 302}),
    ("post", "/departments/sales/image/", "IMAGE", {"anonymous": 302, "outsider": 404, "member": 403, "manager": 302, "admin_user": 302}),
]  # fmt: skip

API = [
    ("get", "/api/v1/departments/", None, {"anonymous": 401, "outsider": 200, "member": 200, "manager": 200, "admin_user": 200}),
    ("get", "/api/v1/departments/sales/", None, {"anonymous": 401, "outsider": 404, "member": 200, "manager": 200, "admin_user": 200}),
    ("get", "/api/v1/departments/sales/members/", None, {"anonymous": 401, "outsider": 404, "member": 200, "manager": 200, "admin_user": 200}),
    ("patch", "/api/v1/departments/sales/", {"description": "Changed"}, {"anonymous": 401, "outsider": 404, "member": 403, "manager": 200, "admin_user": 200}),
    ("patch", "/api/v1/departments/sales/", {"name": "Renamed"}, {"anonymous": 401, "outsider": 404, "member": 403, "manager": 403, "admin_user": 200}),
    ("post", "/api/v1/departments/", {"name": "Support"}, {"anonymous": 401, "outsider": 403, "member": 403, "manager": 403, "admin_user": 201}),
    ("delete", "/api/v1/departments/sales/", None, {"anonymous": 401, "outsider": 404, "member": 403, "manager": 403, "admin_user": 204}),
    ("get", "/api/v1/memberships/?department=sales", None, {"anonymous": 401, "outsider": 200, "member": 200, "manager": 200, "admin_user": 200}),
    ("post", "/api/v1/memberships/", {"department": "sales", "email": "outsider@example.com", "role": "member"},
     {"anonymous": 401, "outsider": 400, "member": 403, "manager": 201, "admin_user": 201}),
    ("patch", "/api/v1/memberships/{colleague_membership}/", {"role": "manager"},
     {"anonymous": 401, "outsider": 404, "member": 403, "manager": 200, "admin_user": 200}),
    ("delete", "/api/v1/memberships/{colleague_membership}/", None,
     {"anonymous": 401, "outsider": 404, "member": 403, "manager": 204, "admin_user": 204}),
]  # fmt: skip

ROLES = ["anonymous", "outsider", "member", "manager", "admin_user"]


def _cases(table):
    for method, url, data, expected in table:
        for role in ROLES:
            yield pytest.param(method, url, data, role, expected[role], id=f"{method} {url} as {role}")


def _fill(url: str, colleague) -> str:
    membership = Membership.objects.get(user=colleague, department__slug="sales")
    return url.format(colleague=colleague.pk, colleague_membership=membership.pk)


@pytest.mark.parametrize(("method", "url", "data", "role", "expected"), list(_cases(HTML)))
def test_html_views_check_permissions(
    client_as, member, manager, outsider, admin_user, colleague, method, url, data, role, expected
):
    client = client_as(role)
    if data == "IMAGE":
        from django.core.files.uploadedfile import SimpleUploadedFile

        data = {"image": SimpleUploadedFile("p.jpg", image_bytes(), content_type="image/jpeg")}
    response = getattr(client, method)(_fill(url, colleague), data or {})
    assert response.status_code == expected, response.content[:300]
    if expected == 302 and role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("method", "url", "data", "role", "expected"), list(_cases(API)))
def test_api_endpoints_check_permissions(
    client_as, member, manager, outsider, admin_user, colleague, method, url, data, role, expected
):
    client = client_as(role)
    response = getattr(client, method)(_fill(url, colleague), data, content_type="application/json")
    assert response.status_code == expected, response.content[:300]
    if expected >= 400:
        body = response.json()
        assert body["detail"] and body["code"]


def test_outsider_lists_only_visible_departments_and_memberships(client_as, member, outsider):
    client = client_as("outsider")
    slugs = {d["slug"] for d in client.get("/api/v1/departments/").json()["results"]}
    assert slugs == {"all-staff", "legal"}
    memberships = client.get("/api/v1/memberships/").json()["results"]
    assert {m["department"] for m in memberships} == {"legal"}
