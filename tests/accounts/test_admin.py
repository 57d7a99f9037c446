import pytest

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


def test_members_cannot_open_the_admin_site(client_as, member):
    assert client_as("member").get("/admin/").status_code == 302
