"""SCIM 2.0 Users over real HTTP (a live server, `requests`), in the sequences Entra ID and Okta send,
with their quirks: `op: "Replace"` capitalised, `value` as an object without a path, booleans as
strings. Deactivating ends the person's sessions and API tokens at once (and their sockets, through
`user_deactivate`), and everything is in the audit log with the directory as the actor."""

import pytest
import requests
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.scim.models import ScimToken, hash_token
from tests.factories import UserFactory
from tests.matrix import cases, check, expect, matrix

pytestmark = pytest.mark.django_db(transaction=True)

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture
def scim(live_server, settings):
    settings.COMPANY_EMAIL_DOMAINS = ["example.com"]
    key = ScimToken.new_key()
    ScimToken.objects.create(name="Entra ID", key_hash=hash_token(key))
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {key}", "Content-Type": "application/scim+json"})
    base = f"{live_server.url}/scim/v2"

    def call(method: str, path: str, body: dict | None = None, **params):
        return session.request(method, base + path, json=body, params=params or None, timeout=10)

    return call


def entra_user(user_name: str) -> dict:
    # The body Entra ID's provisioning service sends (Microsoft's SCIM guide, "Create User").
    return {
        "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": user_name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
    }


def test_without_a_valid_token_nothing_is_answered(live_server):
    url = f"{live_server.url}/scim/v2/Users"
    assert requests.get(url, timeout=10).status_code == 401
    wrong = requests.get(url, headers={"Authorization": "Bearer scim_nope"}, timeout=10)
    assert wrong.status_code == 401 and wrong.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    key = ScimToken.new_key()
    ScimToken.objects.create(name="Revoked", key_hash=hash_token(key), is_active=False)
    assert requests.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code == 401


def test_entra_id_creates_updates_disables_and_deletes_a_user(scim):
    email = "test.user@example.com"
    assert scim("GET", "/Users", filter=f'userName eq "{email}"').json()["totalResults"] == 0
    created = scim("POST", "/Users", entra_user(email))
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    assert created.json()["active"] is True and created.json()["userName"] == email
    found = scim("GET", "/Users", filter=f'userName eq "{email}"').json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == user_id
    by_external = scim("GET", "/Users", filter='externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"').json()
    assert by_external["Resources"][0]["id"] == user_id

    renamed = scim("PATCH", f"/Users/{user_id}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "displayName", "value": "Tess User"},
        {"op": "Add", "path": "externalId", "value": "new-object-id"},
    ]})  # fmt: skip
    assert renamed.status_code == 200 and renamed.json()["displayName"] == "Tess User"
    assert renamed.json()["externalId"] == "new-object-id"

    user = User.objects.get(pk=user_id)
    browser = Client()
    browser.force_login(user)
    Token.objects.create(user=user)
    assert browser.get("/").status_code == 200
    disabled = scim("PATCH", f"/Users/{user_id}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"},
    ]})  # fmt: skip
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert browser.get("/").status_code == 302  # the session ended
    assert not Token.objects.filter(user=user).exists()

    assert scim("DELETE", f"/Users/{user_id}").status_code == 204
    assert scim("GET", f"/Users/{user_id}").json()["active"] is False
    actions = list(AuditEvent.objects.filter(target_id=user.pk).values_list("action", "actor_id"))
    assert ("user.created", None) in actions and ("user.deactivated", None) in actions


def test_okta_deactivates_and_reactivates_with_a_value_object(scim):
    created = scim("POST", "/Users", {
        "schemas": [USER], "userName": "okta.person@example.com",
        "name": {"givenName": "Okta", "familyName": "Person"},
        "emails": [{"primary": True, "value": "okta.person@example.com", "type": "work"}], "active": True,
    }).json()  # fmt: skip
    assert created["displayName"] == "Okta Person"
    off = scim(
        "PATCH",
        f"/Users/{created['id']}",
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert off.json()["active"] is False and not User.objects.get(pk=created["id"]).is_active
    on = scim(
        "PATCH",
        f"/Users/{created['id']}",
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": True}}]},
    )
    assert on.json()["active"] is True
    replaced = scim("PUT", f"/Users/{created['id']}", {**created, "displayName": "Okta P.", "active": True})
    assert replaced.status_code == 200 and replaced.json()["displayName"] == "Okta P."


def test_a_session_ended_by_active_false_stays_ended_after_active_true(scim, settings):
    settings.IDENTITY_CACHE_SECONDS = 300  # sessions and users from the cache, as with Redis
    created = scim("POST", "/Users", entra_user("session.person@example.com")).json()
    browser = Client()
    browser.force_login(User.objects.get(pk=created["id"]))
    assert browser.get("/ping").status_code == 200  # the session and the user are cached now
    cookie = browser.cookies["sessionid"].value

    def replay() -> int:
        other = Client()
        other.cookies["sessionid"] = cookie
        return other.get("/ping").status_code

    for active in (False, True):
        patch = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": active}}]}
        assert scim("PATCH", f"/Users/{created['id']}", patch).json()["active"] is active
        assert replay() == 302  # refused, though the cache held the session and an active user


def test_refusals_are_scim_errors_and_change_nothing(scim):
    UserFactory(email="taken@example.com")
    duplicate = scim("POST", "/Users", entra_user("taken@example.com"))
    assert duplicate.status_code == 409 and duplicate.json()["scimType"] == "uniqueness"
    outside = scim("POST", "/Users", entra_user("someone@elsewhere.test"))
    assert outside.status_code == 400 and not User.objects.filter(email="someone@elsewhere.test").exists()
    assert scim("GET", "/Users", filter='displayName co "x"').json()["scimType"] == "invalidFilter"
    assert scim("GET", "/Users/999999").status_code == 404
    assert scim("GET", "/Users/not-a-number").status_code == 404
    bad_op = scim("PATCH", "/Users/999999", {"Operations": [{"op": "explode"}]})
    assert bad_op.status_code == 404
    user_id = User.objects.get(email="taken@example.com").pk
    bad = scim("PATCH", f"/Users/{user_id}", {"Operations": [{"op": "Replace", "path": "active", "value": "maybe"}]})
    assert bad.status_code == 400 and User.objects.get(pk=user_id).is_active


def test_lists_are_paged(scim):
    for i in range(3):
        UserFactory(email=f"paged{i}@example.com")
    first = scim("GET", "/Users", startIndex="1", count="2").json()
    second = scim("GET", "/Users", startIndex="3", count="2").json()
    assert first["itemsPerPage"] == 2 and first["totalResults"] == 3
    assert {r["id"] for r in first["Resources"]}.isdisjoint({r["id"] for r in second["Resources"]})


ROUTES = matrix(  # people never reach SCIM with their session: only the provider's bearer token does
    ("get", "/scim/v2/Users", None, expect(401, 401, 401, 401, 401)),
    ("get", "/scim/v2/Users/{member_id}", None, expect(401, 401, 401, 401, 401)),
)  # fmt: skip


@pytest.fixture
def world(member, manager, outsider, admin_user):
    return {"member_id": member.pk}


@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_sessions_do_not_open_scim(client_as, world, route, role):
    check(client_as, world, route, role)
