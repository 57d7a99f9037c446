"""Passkeys (WebAuthn) as a second factor, over HTTP with a software authenticator answering the
server's real challenges: register, log in, remove, an admin's reset; and the refusals (another
origin, another relying party, a replayed or stale challenge, someone else's key), each audited.
The browser journey with Chromium's virtual authenticator is in tests/accounts/test_passkeys_browser.py."""

import re

import pytest
from django.test import Client

from apps.accounts.models import Passkey
from apps.audit.models import AuditEvent
from tests.accounts.authenticator import SoftAuthenticator
from tests.accounts.test_two_factor import logged_in_client, password_step, totp, turn_on
from tests.factories import PASSWORD
from tests.matrix import cases, check, expect, matrix

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"


def register(client: Client, key: SoftAuthenticator, *, origin: str = ORIGIN, name: str = "Laptop"):
    options = client.post("/accounts/passkeys/register/options/").json()
    credential = key.create(options, origin=origin)
    return client.post("/accounts/passkeys/register/", {"credential": credential, "name": name}, "application/json")


def second_step(client: Client, key: SoftAuthenticator, *, origin: str = ORIGIN, rp_id: str | None = None):
    options = client.post("/accounts/passkeys/login/options/").json()
    return client.post(
        "/accounts/passkeys/login/", {"credential": key.get(options, origin=origin, rp_id=rp_id)}, "application/json"
    ), options


def test_a_registered_passkey_is_the_second_step_of_a_login(member):
    key = SoftAuthenticator()
    client = logged_in_client(member)
    registered = register(client, key)
    assert registered.status_code == 201, registered.content
    page = client.get("/accounts/two-factor/").content.decode()
    assert "Laptop" in page and len(re.findall(r"<li><code>([a-z2-7]+)</code></li>", page)) == 10  # shown once
    assert "<li><code>" not in client.get("/accounts/two-factor/").content.decode()
    assert set(AuditEvent.objects.filter(actor_id=member.pk).values_list("action", flat=True)) >= {
        "auth.passkey_added", "auth.2fa_enabled"
    }  # fmt: skip

    login = password_step(member.email)  # the passkey counts as two-factor: the password alone is not enough
    assert login.get("/").status_code == 302
    assert "Use a passkey" in login.get("/accounts/two-factor/verify/").content.decode()
    done, _ = second_step(login, key)
    assert done.status_code == 200 and done.json() == {"next": "/"}
    assert login.get("/").status_code == 200
    assert AuditEvent.objects.get(action="auth.login", actor_id=member.pk).detail == {"method": "password+passkey"}
    assert Passkey.objects.get(user=member).sign_count == 1


def test_answers_for_another_site_or_an_old_challenge_are_refused(member, colleague):
    key = SoftAuthenticator()
    assert register(logged_in_client(member), key, origin="http://evil.test").status_code == 400  # phished
    assert not Passkey.objects.exists()
    assert register(logged_in_client(member), key).status_code == 201
    register(logged_in_client(colleague), SoftAuthenticator())

    login = password_step(member.email)
    wrong_origin, _ = second_step(login, key, origin="http://evil.test")
    assert wrong_origin.status_code == 400
    wrong_rp, _ = second_step(login, key, rp_id="evil.test")
    assert wrong_rp.status_code == 400
    strangers, _ = second_step(login, SoftAuthenticator())  # a key registered to nobody here
    assert strangers.status_code == 400 and strangers.json()["code"] == "unknown_passkey"
    # A signed answer is good for its own challenge once: replayed later, it meets a new challenge or none.
    options = login.post("/accounts/passkeys/login/options/").json()
    answer = key.get(options, origin=ORIGIN)
    login.post("/accounts/passkeys/login/options/")  # a new ceremony replaces the challenge
    assert login.post("/accounts/passkeys/login/", {"credential": answer}, "application/json").status_code == 400
    assert login.post("/accounts/passkeys/login/", {"credential": answer}, "application/json").json()["code"] == (
        "no_challenge"
    )
    nonsense = login.post("/accounts/passkeys/login/", b"{nonsense", "application/json")
    assert nonsense.status_code == 400, nonsense.content
    assert login.get("/").status_code == 302  # nothing above logged anyone in
    failures = AuditEvent.objects.filter(action="auth.passkey_failed", target_id=member.pk)
    assert failures.count() == 5  # the nonsense body is refused before the view, as everywhere
    ok, _ = second_step(login, key)
    assert ok.status_code == 200
    replayed = login.post("/accounts/passkeys/login/", {"credential": answer}, "application/json")
    assert replayed.status_code == 400  # and once logged in, the second step is over


def test_the_second_step_needs_the_password_step_first(member):
    register(logged_in_client(member), SoftAuthenticator())
    stranger = Client()
    assert stranger.post("/accounts/passkeys/login/options/").status_code == 400
    assert stranger.post("/accounts/passkeys/login/", {}, "application/json").json()["code"] == "not_pending"


def test_a_passkey_counts_for_two_factor_required(settings, member):
    settings.TWO_FACTOR_REQUIRED = "all"
    client = Client()
    assert client.post("/accounts/login/", {"username": member.email, "password": PASSWORD}).status_code == 302
    assert client.get("/")["Location"] == "/accounts/two-factor/"  # set it up first
    assert register(client, SoftAuthenticator()).status_code == 201
    assert client.get("/").status_code == 200
    passkey = Passkey.objects.get(user=member)
    refused = client.post(f"/accounts/passkeys/{passkey.pk}/remove/", follow=True)
    assert "required" in refused.content.decode() and Passkey.objects.filter(pk=passkey.pk).exists()


def test_removing_a_passkey_is_audited_and_only_ones_own(member, colleague):
    register(logged_in_client(member), SoftAuthenticator())
    passkey = Passkey.objects.get(user=member)
    assert logged_in_client(colleague).post(f"/accounts/passkeys/{passkey.pk}/remove/").status_code == 404
    assert logged_in_client(member).post(f"/accounts/passkeys/{passkey.pk}/remove/").status_code == 302
    assert not Passkey.objects.exists()
    assert AuditEvent.objects.filter(action="auth.passkey_removed", actor_id=member.pk).exists()


def test_an_admin_resets_someones_two_factor_and_it_is_audited(client_as, admin_user, member, colleague):
    admin_user.is_superuser = True
    admin_user.save()
    secret, _ = turn_on(logged_in_client(member))
    register(logged_in_client(member), SoftAuthenticator())
    response = client_as("admin_user").post(
        "/admin/accounts/user/", {"action": "reset_two_factor", "_selected_action": [member.pk, colleague.pk]}
    )
    assert response.status_code == 302
    assert not Passkey.objects.exists()
    assert Client().post("/accounts/login/", {"username": member.email, "password": PASSWORD})["Location"] == "/"
    reset = AuditEvent.objects.get(action="auth.2fa_reset")
    assert (reset.actor_id, reset.target_id) == (admin_user.pk, member.pk)  # colleague had nothing to reset
    assert reset.before == {"methods": ["totp", "recovery_codes", "passkey"]} and reset.after == {"methods": []}
    assert totp(secret)  # the old key is simply gone from the server


def test_only_admins_reset(member, colleague):
    from apps.accounts.two_factor import two_factor_reset
    from apps.core.errors import Forbidden

    with pytest.raises(Forbidden):
        two_factor_reset(acting_user=member, user=colleague)


ROUTES = matrix(
    ("post", "/accounts/passkeys/register/options/", None, expect(302, 200, 200, 200, 200)),
    ("post", "/accounts/passkeys/register/", None, expect(302, 400, 400, 400, 400)),  # no ceremony started
    ("post", "/accounts/passkeys/{passkey_id}/remove/", None, expect(302, 404, 302, 404, 404)),  # the member's own
    ("post", "/accounts/passkeys/login/options/", None, expect(400, 400, 400, 400, 400)),  # no password step
    ("post", "/accounts/passkeys/login/", None, expect(400, 400, 400, 400, 400)),
)  # fmt: skip


@pytest.fixture
def world(member, manager, outsider, admin_user):
    register(logged_in_client(member), SoftAuthenticator())
    return {"passkey_id": Passkey.objects.get(user=member).pk}


@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_passkey_routes_permission_matrix(client_as, world, route, role):
    check(client_as, world, route, role)
