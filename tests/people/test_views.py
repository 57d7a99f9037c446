"""People pages: editing a profile, the directory, the org chart, query counts (the matrix: test_permissions.py)."""

import pytest

from apps.people.models import Profile
from apps.people.services import profile_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DATA = {
    "display_name": "Mia M.",
    "job_title": "Lead",
    "bio": "Hello",
    "skills": "a, b",
    "location": "Paris",
    "phone": "",
}


def test_people_edit_their_own_profile_and_the_bio_is_sanitised(client_as, member):
    response = client_as("member").post(
        f"/people/{member.pk}/edit/",
        {
            **DATA,
            "bio": "Hi <script>alert(1)</script> [me](javascript:alert(2)) **bold**",
            "skills": "SQL, sql, , Excel",
        },
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=member)
    assert "<script>" not in profile.bio_html and "javascript:" not in profile.bio_html
    assert "<strong>bold</strong>" in profile.bio_html
    assert profile.skills == "SQL, Excel"


def test_an_empty_display_name_is_refused_and_nothing_changes(client_as, member):
    response = client_as("member").post(f"/people/{member.pk}/edit/", {**DATA, "display_name": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Profile.objects.get(user=member).display_name == "Mia Member"


def test_only_admins_set_managers_and_loops_are_refused(client_as, member, manager, admin_user):
    response = client_as("member").patch(
        f"/api/v1/profiles/{member.pk}/", {"manager": manager.pk}, content_type="application/json"
    )
    assert response.status_code == 403
    admin = client_as("admin_user")
    assert (
        admin.patch(
            f"/api/v1/profiles/{member.pk}/", {"manager": manager.pk}, content_type="application/json"
        ).status_code
        == 200
    )
    response = admin.patch(f"/api/v1/profiles/{manager.pk}/", {"manager": member.pk}, content_type="application/json")
    assert response.status_code == 400
    assert "loop" in str(response.json()["errors"])


def test_directory_search_finds_people_by_name_title_skill_and_place(client_as, member):
    grace = UserFactory(display_name="Grace Hopper")
    profile_update(
        acting_user=None, profile=grace.profile, job_title="Compiler Engineer", skills="COBOL", location="Arlington"
    )
    client = client_as("member")
    for query in ("grace", "compiler", "cobol", "arlington", "grace engineer"):
        names = [p.display_name for p in client.get("/people/", {"q": query}).context["page"].items]
        assert names == ["Grace Hopper"], query
    assert client.get("/api/v1/profiles/", {"q": "cobol"}).json()["results"][0]["display_name"] == "Grace Hopper"


@pytest.mark.parametrize("people", [10, 100])
def test_directory_and_org_chart_use_a_constant_number_of_queries(
    client_as, member, people, django_assert_max_num_queries
):
    boss = UserFactory(display_name="Boss")
    for i in range(people):
        person = UserFactory(display_name=f"Person {i:03d}")
        profile_update(acting_user=None, profile=person.profile, manager_id=boss.pk)
    client = client_as("member")
    with django_assert_max_num_queries(5):  # session, user, page, unread badge, chat badge
        assert client.get("/people/").status_code == 200
    with django_assert_max_num_queries(5):  # session, user, page, unread badge, chat badge
        response = client.get("/people/org-chart/")
    assert response.content.decode().count("Person 0") == min(people, 100)


def test_profile_page_shows_manager_reports_and_departments(client_as, member, manager, admin_user):
    profile_update(acting_user=None, profile=member.profile, manager_id=manager.pk)
    response = client_as("member").get(f"/people/{manager.pk}/")
    html = response.content.decode()
    assert "Mia Member" in html  # a direct report
    assert "Sales" in html


def test_the_browser_sets_a_time_zone_once_and_every_time_is_then_shown_in_it(client_as, member, department):
    from apps.feed.services import post_create

    client = client_as("member")
    assert client.post("/people/me/time-zone/", {"time_zone": "Mars/Olympus"}).status_code == 400
    assert client.post("/people/me/time-zone/", {"time_zone": "Asia/Tokyo"}).json() == {"time_zone": "Asia/Tokyo"}
    # The browser never overrides a zone that is set (the person may have chosen it).
    assert client.post("/people/me/time-zone/", {"time_zone": "Europe/Paris"}).json() == {"time_zone": "Asia/Tokyo"}
    post = post_create(acting_user=member, department=department, body="Hello")
    page = client.get(f"/feed/posts/{post.pk}/").content.decode()
    assert "JST" in page  # the exact time in the title carries the zone
    form = client.get("/people/me/edit/").content.decode()
    assert '<option value="Asia/Tokyo" selected>' in form


def test_a_status_and_out_of_office_show_on_the_profile_the_directory_and_the_hover_card(client_as, member, manager):
    from datetime import timedelta

    from django.utils import timezone

    from apps.people.services import profile_update

    back = timezone.localdate() + timedelta(days=3)
    profile_update(
        acting_user=member, profile=member.profile, status="In workshops", away_until=back, time_zone="Asia/Tokyo"
    )
    line = f"Out of office until {back:%-d %b} · In workshops"
    for path in (f"/people/{member.pk}/", "/people/", f"/people/{member.pk}/card/"):
        assert line in client_as("manager").get(path).content.decode(), path
    card = client_as("manager").get(f"/people/{member.pk}/card/").content.decode()
    assert "Local time" in card and "Asia/Tokyo" in card
    profile_page = client_as("manager").get(f"/people/{member.pk}/").content.decode()
    assert ">Message</button>" in profile_page  # opens the direct conversation
    assert ">Message</button>" not in client_as("member").get(f"/people/{member.pk}/").content.decode()
