import re

import pytest
from django.test import Client

from apps.departments.models import Department, Membership
from apps.people.models import Profile
from tests.factories import UserFactory, add_member

pytestmark = pytest.mark.django_db


def _fill(department: Department, count: int) -> None:
    for i in range(count):
        user = UserFactory(display_name=f"Colleague {i:03d}", bio=f"Bio of colleague **{i}**.")
        add_member(department, user)


def test_department_page_shows_members_photos_titles_and_bios(client_as, member, manager):
    response = client_as("member").get("/departments/sales/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Max Manager" in html and "Mia Member" in html
    assert "I like <strong>pricing</strong>." in html
    assert "Win <strong>fairly</strong>." in html  # the mission, rendered


@pytest.mark.parametrize("members", [10, 200])
def test_department_page_query_count_does_not_grow_with_members(
    client_as, member, department, members, django_assert_num_queries
):
    _fill(department, members - 1)
    client = client_as("member")
    # user (+ profile; the session is cached), department (+ role and its chat room, for the link to
    # it), member page, member count, both unread badges (one query)
    with django_assert_num_queries(5):
        response = client.get("/departments/sales/")
    assert response.status_code == 200
    assert f'href="/chat/{department.chat_room.pk}/">Chat</a>' in response.content.decode()


def test_department_page_paginates_members_with_a_cursor(client_as, member, department):
    _fill(department, 70)
    client = client_as("member")
    first = client.get("/departments/sales/")
    cursor = first.context["page"].next_cursor
    assert cursor and len(first.context["page"].items) == 60
    second = client.get("/departments/sales/", {"cursor": cursor})
    names_first = {p.display_name for p in first.context["page"].items}
    names_second = {p.display_name for p in second.context["page"].items}
    assert len(names_second) == 11 and not names_first & names_second
    assert second.context["page"].next_cursor is None


def test_company_wide_space_holds_every_active_user(client_as, member, outsider):
    retired = UserFactory(display_name="Rita Retired")
    retired.is_active = False
    retired.save()
    response = client_as("outsider").get("/departments/all-staff/")
    names = {p.display_name for p in response.context["page"].items}
    assert {"Mia Member", "Olga Outsider"} <= names
    assert "Rita Retired" not in names


def test_manager_adds_changes_and_removes_a_member(client_as, manager, outsider, department):
    client = client_as("manager")
    response = client.post("/departments/sales/members/", {"email": "OUTSIDER@example.com", "role": "member"})
    assert response.status_code == 302
    assert Membership.objects.filter(department=department, user=outsider, role="member").exists()
    client.post(f"/departments/sales/members/{outsider.pk}/role/", {"role": "manager"})
    assert Membership.objects.get(department=department, user=outsider).role == "manager"
    client.post(f"/departments/sales/members/{outsider.pk}/remove/")
    assert not Membership.objects.filter(department=department, user=outsider).exists()


def test_adding_an_unknown_person_says_so_and_changes_nothing(client_as, manager, department):
    before = Membership.objects.count()
    response = client_as("manager").post(
        "/departments/sales/members/", {"email": "ghost@example.com", "role": "member"}
    )
    assert response.status_code == 400
    assert "No active colleague has this e-mail address." in response.content.decode()
    assert Membership.objects.count() == before


def test_nobody_can_be_removed_from_all_staff(client_as, admin_user, member):
    client = client_as("admin_user")
    response = client.post(f"/departments/all-staff/members/{member.pk}/remove/", follow=True)
    assert "Everyone belongs to the company-wide space." in response.content.decode()


def test_admin_creates_a_department_and_a_duplicate_name_is_refused(client_as, admin_user, department):
    client = client_as("admin_user")
    response = client.post("/departments/new/", {"name": "Support", "description": "Help", "mission": "*Fast*"})
    assert response.status_code == 302
    assert Department.objects.get(slug="support").mission_html == "<p><em>Fast</em></p>"
    response = client.post("/departments/new/", {"name": "sales", "description": "", "mission": ""})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


def test_manager_edits_mission_but_cannot_rename(client_as, manager, department):
    client = client_as("manager")
    client.post("/departments/sales/edit/", {"name": "Hacked", "description": "New text", "mission": "Be **kind**"})
    department.refresh_from_db()
    assert department.name == "Sales"
    assert department.description == "New text"
    assert department.mission_html == "<p>Be <strong>kind</strong></p>"


def test_the_company_wide_space_cannot_be_deleted(client_as, admin_user):
    client_as("admin_user").post("/departments/all-staff/delete/")
    assert Department.objects.filter(is_company_wide=True).exists()


def test_members_of_a_deactivated_account_disappear_from_the_page(client_as, member, manager):
    manager.is_active = False
    manager.save()
    response = client_as("member").get("/departments/sales/")
    assert "Max Manager" not in response.content.decode()
    assert Profile.objects.filter(user=manager).exists()


def test_the_department_page_composer_posts_here_and_comes_back_to_its_feed(client_as, department, member):
    """The page shows the feed's composer (apps/feed/composer.py): this department only, a real token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    html = client.get("/departments/sales/").content.decode()
    assert '<input type="hidden" name="next" value="/feed/d/sales/">' in html
    assert "\x00" not in html and "kind" in html and 'value="announcement"' not in html  # a member: no announcements
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post("/feed/posts/new/", {"csrfmiddlewaretoken": token, "department": department.pk,
                                                "body": "From the department page", "kind": "post",
                                                "next": "/feed/d/sales/"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/feed/d/sales/"
    assert department.posts.filter(body="From the department page").exists()
