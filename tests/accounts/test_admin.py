import pytest
from django.test import Client

from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_admin_site_lists_and_creates_company_accounts_only(client_as, admin_user, member, settings):
    admin_user.is_superuser = True
    admin_user.save()
    settings.COMPANY_EMAIL_DOMAINS = ["example.com"]
    client = client_as("admin_user")
    for url in (
        "/admin/accounts/user/",
        "/admin/departments/department/",
        "/admin/people/profile/",
        "/admin/accounts/user/add/",
    ):
        assert client.get(url).status_code == 200, url
    refused = client.post("/admin/accounts/user/add/", {"email": "spy@gmail.com", "usable_password": "false"})
    assert refused.status_code == 200 and "Only company addresses" in refused.content.decode()
    created = client.post("/admin/accounts/user/add/", {"email": "New@Example.com", "usable_password": "false"})
    assert created.status_code == 302
    assert User.objects.filter(email="new@example.com").exists()


def test_members_cannot_open_the_admin_site(client_as, member, admin_user):
    answer = client_as("member").get("/admin/", follow=True)  # once sent in circles between two logins
    assert answer.status_code == 403 and len(answer.redirect_chain) == 1
    assert "administrators" in answer.content.decode()
    anonymous = Client().get("/admin/", follow=True)
    assert anonymous.redirect_chain[-1][0].startswith("/accounts/login/?next=/admin/")
    staff = client_as("admin_user").get("/admin/login/?next=/admin/audit/")
    assert staff.status_code == 302 and staff["Location"] == "/admin/audit/"
    assert client_as("admin_user").get("/admin/login/?next=https://evil.example/").url == "/admin/"


def test_departments_and_memberships_are_read_only_in_the_admin_site(client_as, admin_user, member, department):
    """Membership is access: it changes through the services (audit, chat sockets, policies), not admin forms."""
    from apps.audit.models import AuditEvent
    from apps.departments.models import Department, Membership

    admin_user.is_superuser = True
    admin_user.save()
    client = client_as("admin_user")
    change_url = f"/admin/departments/department/{department.pk}/change/"
    page = client.get(change_url)
    assert page.status_code == 200 and member.email in page.content.decode()  # members are listed
    events = AuditEvent.objects.count()
    posted = client.post(
        change_url,
        {
            "name": "Renamed",
            "slug": department.slug,
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-id": str(Membership.objects.get(department=department, user=member).pk),
            "memberships-0-DELETE": "on",
        },
    )
    assert posted.status_code == 403
    assert client.get("/admin/departments/department/add/").status_code == 403
    assert client.post(f"/admin/departments/department/{department.pk}/delete/", {"post": "yes"}).status_code == 403
    department.refresh_from_db()
    assert department.name != "Renamed" and Membership.objects.filter(department=department, user=member).exists()
    assert AuditEvent.objects.count() == events and Department.objects.filter(pk=department.pk).exists()


def test_profiles_are_read_only_in_the_admin_site_and_edited_on_their_own_page(client_as, admin_user, member):
    """The admin's form would skip the bio's rendering, the org chart's loop check and the cached cards."""
    admin_user.is_superuser = True
    admin_user.save()
    client = client_as("admin_user")
    profile = member.profile
    assert client.get(f"/admin/people/profile/{profile.pk}/change/").status_code == 200
    posted = client.post(
        f"/admin/people/profile/{profile.pk}/change/", {"user": member.pk, "display_name": "X", "bio": "<b>x</b>"}
    )
    assert posted.status_code == 403
    profile.refresh_from_db()
    assert profile.display_name != "X"
    assert client.get(f"/people/{member.pk}/edit/").status_code == 200  # where admins edit it


def test_the_admin_site_shows_no_departments_content():
    """Admins read a department's content only as members: no model of it is registered on the admin site.

    Content is what belongs to a department (a `department` field); which department a sign-in
    group opens is configuration.
    """
    from django.contrib import admin

    from apps.departments.models import Department

    def belongs_to_a_department(model) -> bool:
        return any(getattr(field, "related_model", None) is Department for field in model._meta.get_fields())

    registered = {
        f"{model._meta.app_label}.{model._meta.model_name}"
        for model in admin.site._registry
        if model is not Department and belongs_to_a_department(model)
    }
    assert registered == {"sso.groupmapping"}
