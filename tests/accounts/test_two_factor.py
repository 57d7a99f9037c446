"""Two-factor login as people use it: scan (here: read the key off the page), confirm with a code
computed here by RFC 6238 itself (not by the library under test), then log in with a password and a
code, or a recovery code; replays, wrong codes, throttling, the API token, and the company's rule."""

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from django.test import Client

from apps.audit.models import AuditEvent
from tests.factories import PASSWORD
from tests.matrix import cases, check, expect, matrix

pytestmark = pytest.mark.django_db


def totp(secret: str, *, at: float | None = None, step_offset: int = 0) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s), as an authenticator app computes it."""
    key = base64.b32decode(secret.replace(" ", "").upper() + "=" * (-len(secret.replace(" ", "")) % 8))
    counter = int((at or time.time()) // 30) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def turn_on(client: Client) -> tuple[str, list[str]]:
    """Set up two-factor login through the page; returns the key and the recovery codes."""
    page = client.get("/accounts/two-factor/").content.decode()
    assert "<svg" in page  # the QR code, inline
    secret = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", page).group(1)
    response = client.post("/accounts/two-factor/", {"action": "confirm", "code": totp(secret)})
    assert response.status_code == 200, response.content[:500]
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(codes) == 10
    return secret, codes


def password_step(email: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/verify/"
    return client


def test_turning_it_on_then_logging_in_needs_the_code(member):
    secret, _ = turn_on(logged_in_client(member))
    assert AuditEvent.objects.filter(action="auth.2fa_enabled", actor_id=member.pk).exists()

    client = password_step(member.email)
    assert client.get("/").status_code == 302  # the password alone logs nobody in
    assert client.get("/api/v1/users/me/").status_code in {401, 403}
    response = client.post("/accounts/two-factor/verify/", {"code": totp(secret, step_offset=1)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    login = AuditEvent.objects.get(action="auth.login", actor_id=member.pk)
    assert login.detail == {"method": "password+totp"}


def test_a_code_cannot_be_used_twice(member):
    secret, _ = turn_on(logged_in_client(member))
    client = password_step(member.email)
    used_for_setup = totp(secret)
    response = client.post("/accounts/two-factor/verify/", {"code": used_for_setup})
    assert response.status_code == 400 and "not right" in response.content.decode()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.2fa_failed", target_id=member.pk).exists()


def test_after_a_wrong_code_the_next_try_must_wait(member):
    secret, _ = turn_on(logged_in_client(member))
    client = password_step(member.email)
    wrong = f"{(int(totp(secret, step_offset=1)) + 1) % 1_000_000:06d}"
    assert client.post("/accounts/two-factor/verify/", {"code": wrong}).status_code == 400
    response = client.post("/accounts/two-factor/verify/", {"code": totp(secret, step_offset=1)})
    assert response.status_code == 429 and "wait a moment" in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_recovery_code_logs_in_once(member):
    _, codes = turn_on(logged_in_client(member))
    client = password_step(member.email)
    assert client.post("/accounts/two-factor/verify/", {"code": codes[0].upper()}).status_code == 302
    assert AuditEvent.objects.get(action="auth.login", actor_id=member.pk).detail == {
        "method": "password+recovery_code"
    }
    again = password_step(member.email)
    assert again.post("/accounts/two-factor/verify/", {"code": codes[0]}).status_code == 400


def test_the_second_step_expires(member):
    secret, _ = turn_on(logged_in_client(member))
    client = password_step(member.email)
    session = client.session
    session["two_factor_pending"]["since"] -= 301
    session.save()
    response = client.post("/accounts/two-factor/verify/", {"code": totp(secret, step_offset=1)})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_new_recovery_codes_replace_the_old_ones_and_turning_off_needs_a_code(member):
    client = logged_in_client(member)
    secret, old_codes = turn_on(client)
    response = client.post("/accounts/two-factor/", {"action": "recovery", "code": totp(secret, step_offset=1)})
    new_codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert client.post("/accounts/two-factor/", {"action": "disable", "code": old_codes[0]}).status_code == 400
    assert client.post("/accounts/two-factor/", {"action": "disable", "code": new_codes[0]}).status_code == 302
    assert AuditEvent.objects.filter(action="auth.2fa_disabled", actor_id=member.pk).exists()
    plain = Client()
    assert plain.post("/accounts/login/", {"username": member.email, "password": PASSWORD})["Location"] == "/"


def test_an_api_token_needs_the_code_too(member):
    secret, _ = turn_on(logged_in_client(member))
    client = Client()
    body = {"email": member.email, "password": PASSWORD}
    missing = client.post("/api/v1/auth/token/", body, "application/json")
    assert missing.status_code == 401 and missing.json()["code"] == "otp_required"
    wrong = client.post("/api/v1/auth/token/", {**body, "otp": "000000x"}, "application/json")
    assert wrong.status_code == 401 and wrong.json()["code"] == "bad_otp"
    time.sleep(1.1)  # django-otp's wait after one wrong code
    right = client.post("/api/v1/auth/token/", {**body, "otp": totp(secret, step_offset=1)}, "application/json")
    assert right.status_code == 200 and right.json()["token"]


def test_when_required_for_admins_an_admin_must_set_it_up_before_anything_else(settings, admin_user, member):
    settings.TWO_FACTOR_REQUIRED = "admins"
    admin = Client()
    assert admin.post("/accounts/login/", {"username": admin_user.email, "password": PASSWORD})["Location"] == "/"
    assert admin.get("/departments/")["Location"] == "/accounts/two-factor/"
    assert admin.get("/api/v1/users/me/").json()["code"] == "two_factor_setup_required"
    page = admin.get("/accounts/two-factor/").content.decode()
    assert "requires two-factor login" in page
    token = Client().post("/api/v1/auth/token/", {"email": admin_user.email, "password": PASSWORD}, "application/json")
    assert token.status_code == 403 and token.json()["code"] == "two_factor_setup_required"
    _, codes = turn_on(admin)
    assert admin.get("/departments/").status_code == 200
    refused = admin.post("/accounts/two-factor/", {"action": "disable", "code": codes[0]})
    assert refused.status_code == 400 and "required" in refused.content.decode()

    plain = Client()  # a member is not asked
    assert plain.post("/accounts/login/", {"username": member.email, "password": PASSWORD})["Location"] == "/"
    assert plain.get("/departments/").status_code == 200


def test_when_required_for_all_everyone_is_asked(settings, member):
    settings.TWO_FACTOR_REQUIRED = "all"
    client = Client()
    client.post("/accounts/login/", {"username": member.email, "password": PASSWORD})
    assert client.get("/")["Location"] == "/accounts/two-factor/"


def test_the_admin_site_signs_in_through_the_intranet_login():
    response = Client().get("/admin/login/?next=/admin/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/admin/audit/")


ROUTES = matrix(
    ("get", "/accounts/two-factor/", None, expect(302, 200, 200, 200, 200)),
    ("get", "/accounts/two-factor/verify/", None, expect(302, 302, 302, 302, 302)),
)  # fmt: skip


@pytest.fixture
def world(member, manager, outsider, admin_user):
    return {}


@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_two_factor_pages_check_permissions(client_as, world, route, role):
    check(client_as, world, route, role)
