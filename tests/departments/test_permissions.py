"""The permission matrix: every department view and endpoint × anonymous, outsider, member, manager, admin.

Expected answers: anonymous HTML requests go to the login page (302) and anonymous
API calls get 401; a department one cannot see answers 404 (existence does not
leak); one that can be seen but not changed answers 403.
"""

import pytest

from apps.departments.models import Membership
from tests.factories import image_bytes
from tests.matrix import cases, check, expect, matrix
from tests.shared_world import shared_world

pytestmark = pytest.mark.django_db


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


def _world(cast: dict) -> dict:
    colleague = cast["colleague"]
    membership = Membership.objects.get(user=colleague, department__slug="sales")
    return {"colleague": colleague.pk, "colleague_membership": membership.pk}


shared = shared_world(_world)


@pytest.mark.parametrize(("route", "role"), cases(HTML + API))
def test_department_pages_and_endpoints_check_permissions(shared, route, role):
    check(shared.client_as, shared.world, route, role)
