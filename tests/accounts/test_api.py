import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.accounts.models import User
from tests.factories import PASSWORD, UserFactory, logs_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(db):
    return UserFactory(email="bob@example.com", display_name="Bob")


def test_a_token_is_issued_for_email_and_password_and_works_as_token_or_bearer(bob):
    response = Client().post(
        "/api/v1/auth/token/", {"email": "bob@example.com", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200
    key = response.json()["token"]
    for scheme in ("Token", "Bearer"):
        me = Client(headers={"Authorization": f"{scheme} {key}"}).get("/api/v1/users/me/")
        assert me.status_code == 200 and me.json()["email"] == "bob@example.com"


def test_a_wrong_password_gets_no_token(bob):
    response = Client().post(
        "/api/v1/auth/token/", {"email": "bob@example.com", "password": "wrong-wrong"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong e-mail address or password.", "code": "authentication_failed"}


def test_anonymous_api_calls_get_401_json(db):
    response = Client().get("/api/v1/users/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Token")


def test_session_api_writes_need_the_csrf_token(bob, admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post("/api/v1/users/", {"email": "x@example.com"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_only_admins_create_users_and_only_company_addresses(client_as, member, admin_user, bob, settings):
    settings.COMPANY_EMAIL_DOMAINS = ["example.com"]
    assert (
        client_as("member")
        .post("/api/v1/users/", {"email": "a@example.com"}, content_type="application/json")
        .status_code
        == 403
    )
    response = client_as("admin_user").post(
        "/api/v1/users/", {"email": "spy@gmail.com"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "Only company addresses" in str(response.json()["errors"])
    assert not User.objects.filter(email="spy@gmail.com").exists()
    response = client_as("admin_user").post(
        "/api/v1/users/", {"email": "bob@example.com"}, content_type="application/json"
    )
    assert response.status_code == 400 and "already exists" in str(response.json()["errors"])


def test_an_invited_user_chooses_a_password_then_logs_in(client_as, admin_user, mailoutbox):
    client_as("admin_user").post(
        "/api/v1/users/", {"email": "nina@example.com", "send_invitation": True}, content_type="application/json"
    )
    nina = User.objects.get(email="nina@example.com")
    assert not nina.has_usable_password()
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/password/reset/" in line)
    client = Client()
    page = client.get(link.split("testserver", 1)[1], follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": "nina-secret-2026", "new_password2": "nina-secret-2026"})
    assert logs_in("nina@example.com", "nina-secret-2026")


def test_deactivating_a_user_ends_their_tokens_and_sessions(client_as, admin_user, bob):
    token = Token.objects.create(user=bob)
    bob_browser = Client()
    bob_browser.force_login(bob)
    response = client_as("admin_user").patch(
        f"/api/v1/users/{bob.pk}/", {"is_active": False}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert not Token.objects.filter(pk=token.pk).exists()
    assert Client(headers={"Authorization": f"Token {token.key}"}).get("/api/v1/users/me/").status_code == 401
    assert bob_browser.get("/").status_code == 302
    assert (
        Client()
        .post(
            "/api/v1/auth/token/", {"email": "bob@example.com", "password": PASSWORD}, content_type="application/json"
        )
        .status_code
        == 401
    )


def test_an_admin_cannot_deactivate_themselves(client_as, admin_user):
    response = client_as("admin_user").patch(
        f"/api/v1/users/{admin_user.pk}/", {"is_active": False}, content_type="application/json"
    )
    assert response.status_code == 403


def test_non_admins_see_only_active_users(client_as, member, bob):
    bob.is_active = False
    bob.save()
    emails = {u["email"] for u in client_as("member").get("/api/v1/users/").json()["results"]}
    assert "bob@example.com" not in emails and "member@example.com" in emails


def test_createsuperuser_noinput_works(monkeypatch, db):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "root-secret-2026")
    call_command("createsuperuser", "--noinput")
    root = User.objects.get(email="root@example.com")
    assert root.is_staff and root.is_superuser and root.check_password("root-secret-2026")
    assert logs_in("root@example.com", "root-secret-2026")
