"""Provisioning from an HR system: an admin with a token creates people, departments and memberships."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.departments.models import Membership
from tests.factories import UserFactory, add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(admin_user):
    token = Token.objects.create(user=admin_user)
    return Client(headers={"Authorization": f"Token {token.key}"})


def test_admin_provisions_people_departments_and_memberships(admin_api, mailoutbox):
    user = admin_api.post(
        "/api/v1/users/",
        {"email": "New.Hire@Example.com", "display_name": "Nina New", "send_invitation": True},
        content_type="application/json",
    )
    assert user.status_code == 201, user.content
    assert user.json()["email"] == "new.hire@example.com"
    assert len(mailoutbox) == 1 and "/accounts/password/reset/" in mailoutbox[0].body

    department = admin_api.post(
        "/api/v1/departments/", {"name": "Support", "mission": "Help **fast**"}, content_type="application/json"
    )
    assert department.status_code == 201
    assert department.json()["slug"] == "support"

    membership = admin_api.post(
        "/api/v1/memberships/",
        {"department": "support", "email": "new.hire@example.com", "role": "manager"},
        content_type="application/json",
    )
    assert membership.status_code == 201
    members = admin_api.get("/api/v1/departments/support/members/").json()["results"]
    assert [(m["display_name"], m["role"]) for m in members] == [("Nina New", "manager")]


def test_posting_a_membership_twice_changes_the_role_instead_of_duplicating(admin_api, department, member):
    for role in ("member", "manager"):
        response = admin_api.post(
            "/api/v1/memberships/",
            {"department": "sales", "user": member.pk, "role": role},
            content_type="application/json",
        )
        assert response.status_code == 201
    assert Membership.objects.filter(department=department, user=member).get().role == "manager"


def test_bad_input_gets_a_clear_json_error_and_changes_nothing(admin_api, department):
    before = Membership.objects.count()
    response = admin_api.post(
        "/api/v1/memberships/", {"department": "sales", "email": "nobody@example.com"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["email"] == ["No user has this e-mail address."]
    response = admin_api.post(
        "/api/v1/memberships/", {"department": "sales", "user": 1, "role": "boss"}, content_type="application/json"
    )
    assert response.status_code == 400 and "role" in response.json()["errors"]
    assert Membership.objects.count() == before
    response = admin_api.post("/api/v1/departments/", {"name": "Sales"}, content_type="application/json")
    assert response.status_code == 400
    assert "already exists" in str(response.json()["errors"])


def test_member_lists_paginate_with_a_cursor_and_constant_queries(admin_api, department, django_assert_max_num_queries):
    for i in range(30):
        add_member(department, UserFactory(display_name=f"P {i:02d}"))
    seen = []
    url = "/api/v1/departments/sales/members/?page_size=10"
    while url:
        with django_assert_max_num_queries(4):
            body = admin_api.get(url).json()
        seen += [m["display_name"] for m in body["results"]]
        url = body["next"]
    assert seen == sorted(seen) and len(seen) == 30


def test_unknown_api_url_answers_json_404(admin_api):
    response = admin_api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
