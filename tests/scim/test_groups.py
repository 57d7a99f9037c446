"""SCIM 2.0 Groups over real HTTP (a live server, `requests`), in the sequences Entra ID and Okta send.

A directory group opens departments only through the admin's mapping table (GroupMapping, the
same table and code path as the OIDC groups claim); membership changes are ordinary, audited
membership changes (the directory as the actor), and each SCIM request is itself in the log."""

import pytest
import requests
from django.test import Client

from apps.audit.models import AuditEvent
from apps.departments.models import Membership
from apps.scim.models import ScimGroup, ScimToken, hash_token
from apps.sso.models import GroupMapping
from tests.factories import DepartmentFactory, UserFactory
from tests.matrix import cases, check, expect, matrix

live = pytest.mark.django_db(transaction=True)  # the live server reads what the test commits

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


@pytest.fixture
def token():
    key = ScimToken.new_key()
    return ScimToken.objects.create(name="Entra ID", key_hash=hash_token(key)), key


@pytest.fixture
def scim(live_server, token):
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token[1]}", "Content-Type": "application/scim+json"})
    base = f"{live_server.url}/scim/v2"

    def call(method: str, path: str, body: dict | None = None, *, raw: bytes | None = None, **params):
        return session.request(
            method, base + path, json=body if raw is None else None, data=raw, params=params or None, timeout=10
        )

    return call


@pytest.fixture
def sales():
    department = DepartmentFactory(name="Sales")
    GroupMapping.objects.create(group="grp-sales", department=department, role=GroupMapping.Role.MEMBER)
    GroupMapping.objects.create(group="grp-sales-leads", department=department, role=GroupMapping.Role.MANAGER)
    return department


def role_in(department, user) -> str | None:
    return Membership.objects.filter(department=department, user=user).values_list("role", flat=True).first()


@live
def test_entra_id_creates_a_group_adds_and_removes_members(scim, sales):
    alice, bob = UserFactory(), UserFactory()
    # Entra ID first looks the group up by name, without its members.
    assert scim("GET", "/Groups", filter='displayName eq "grp-sales"', excludedAttributes="members").json() == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": [],
    }  # fmt: skip
    created = scim("POST", "/Groups", {"schemas": [GROUP], "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                                       "displayName": "grp-sales", "meta": {"resourceType": "Group"}})  # fmt: skip
    assert created.status_code == 201, created.text
    group_id = created.json()["id"]
    assert created.json()["members"] == [] and created.json()["displayName"] == "grp-sales"

    added = scim("PATCH", f"/Groups/{group_id}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Add", "path": "members", "value": [{"value": str(alice.pk)}, {"value": str(bob.pk)}]},
    ]})  # fmt: skip
    assert added.status_code == 204, added.text
    assert role_in(sales, alice) == "member" and role_in(sales, bob) == "member"
    listed = scim("GET", "/Groups", filter='displayName eq "grp-sales"').json()
    assert {m["value"] for m in listed["Resources"][0]["members"]} == {str(alice.pk), str(bob.pk)}
    assert "members" not in scim("GET", f"/Groups/{group_id}", excludedAttributes="members").json()

    browser = Client()
    browser.force_login(bob)
    assert browser.get(f"/departments/{sales.slug}/").status_code == 200
    removed = scim("PATCH", f"/Groups/{group_id}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Remove", "path": "members", "value": [{"value": str(bob.pk)}]},
    ]})  # fmt: skip
    assert removed.status_code == 204
    assert role_in(sales, bob) is None and role_in(sales, alice) == "member"
    assert browser.get(f"/departments/{sales.slug}/").status_code == 404  # the same session, the right is gone

    renamed = scim("PATCH", f"/Groups/{group_id}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "displayName", "value": "grp-unmapped"},
    ]})  # fmt: skip
    assert renamed.status_code == 204
    assert role_in(sales, alice) is None  # the new name maps to nothing: out of Sales

    audit = AuditEvent.objects.filter(actor_id=None)
    assert audit.filter(action="membership.added", target_id=bob.pk, detail__department_id=sales.pk).exists()
    assert audit.filter(action="membership.removed", target_id=bob.pk, detail__department_id=sales.pk).exists()


@live
def test_okta_replaces_the_name_removes_by_filter_and_puts_the_whole_group(scim, sales):
    carol, dave = UserFactory(), UserFactory()
    created = scim("POST", "/Groups", {"schemas": [GROUP], "displayName": "grp-sales-leads",
                                       "members": [{"value": str(carol.pk), "display": carol.email}]}).json()  # fmt: skip
    assert role_in(sales, carol) == "manager"
    # Okta sends the id and the name in a value object, without a path...
    scim("PATCH", f"/Groups/{created['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "value": {"id": created["id"], "displayName": "grp-sales"}},
    ]})  # fmt: skip
    assert role_in(sales, carol) == "member"
    scim("PATCH", f"/Groups/{created['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": str(dave.pk), "display": dave.email}]},
    ]})  # fmt: skip
    # ...and removes one member with a filter in the path.
    gone = scim("PATCH", f"/Groups/{created['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "remove", "path": f'members[value eq "{carol.pk}"]'},
    ]})  # fmt: skip
    assert gone.status_code == 204 and role_in(sales, carol) is None and role_in(sales, dave) == "member"

    put = scim("PUT", f"/Groups/{created['id']}", {"schemas": [GROUP], "displayName": "grp-sales-leads",
                                                   "members": [{"value": str(carol.pk)}]})  # fmt: skip
    assert put.status_code == 200 and [m["value"] for m in put.json()["members"]] == [str(carol.pk)]
    assert role_in(sales, carol) == "manager" and role_in(sales, dave) is None

    assert scim("DELETE", f"/Groups/{created['id']}").status_code == 204
    assert role_in(sales, carol) is None and not ScimGroup.objects.exists()
    assert scim("GET", f"/Groups/{created['id']}").status_code == 404


@live
def test_two_groups_mapped_to_one_department_keep_the_person_in_while_either_has_them(scim, sales):
    erin = UserFactory()
    members = [{"value": str(erin.pk)}]
    plain = scim("POST", "/Groups", {"displayName": "grp-sales", "members": members}).json()
    leads = scim("POST", "/Groups", {"displayName": "grp-sales-leads", "members": members}).json()
    assert role_in(sales, erin) == "manager"  # manager wins
    scim("DELETE", f"/Groups/{leads['id']}")
    assert role_in(sales, erin) == "member"
    scim("PATCH", f"/Groups/{plain['id']}", {"Operations": [{"op": "Replace", "path": "members", "value": []}]})
    assert role_in(sales, erin) is None


MALFORMED = [
        ("POST", "/Groups", b"{not json", 400, "invalidSyntax"),
        ("POST", "/Groups", b"[1, 2]", 400, "invalidSyntax"),
        ("POST", "/Groups", {"displayName": ""}, 400, "invalidValue"),
        ("POST", "/Groups", {"displayName": {"a": 1}}, 400, "invalidValue"),
        ("POST", "/Groups", {"displayName": "g", "members": [{"value": "99999999"}]}, 400, "invalidValue"),
        ("POST", "/Groups", {"displayName": "g", "members": "everyone"}, 400, "invalidValue"),
        ("POST", "/Groups", {"displayName": "g", "members": [{"value": {"$ne": 1}}]}, 400, "invalidValue"),
        ("PATCH", "/Groups/{id}", {"Operations": "add"}, 400, "invalidSyntax"),
        ("PATCH", "/Groups/{id}", {"Operations": [{"op": "explode"}]}, 400, "invalidSyntax"),
        ("PATCH", "/Groups/{id}", {"Operations": [{"op": "add", "path": 7, "value": 1}]}, 400, "invalidPath"),
        ("PATCH", "/Groups/{id}", {"Operations": [{"op": "add", "path": "owner", "value": 1}]}, 400, "invalidPath"),
        ("PATCH", "/Groups/{id}", {"Operations": [{"op": "remove"}]}, 400, "noTarget"),
        ("PATCH", "/Groups/{id}", {"Operations": [{"op": "remove", "path": "displayName"}]}, 400, "mutability"),
        ("PATCH", "/Groups/{id}", {"Operations": [{"op": "add", "path": "members", "value": [{}]}]}, 400, "invalidValue"),
        ("PUT", "/Groups/{id}", {"members": []}, 400, "invalidValue"),
        ("POST", "/Groups", {"displayName": "taken"}, 409, "uniqueness"),
        ("GET", "/Groups?filter=displayName co \"x\"", None, 400, "invalidFilter"),
        ("GET", "/Groups/99999999", None, 404, None),
        ("POST", "/Groups/{id}", {}, 405, None),
]  # fmt: skip


@live
def test_malformed_requests_get_scim_errors_and_change_nothing(scim):
    taken = ScimGroup.objects.create(display_name="taken")
    for method, path, body, status, scim_type in MALFORMED:  # one live server and one flush for all of them
        raw = body if isinstance(body, bytes) else None
        response = scim(method, path.format(id=taken.pk), None if raw else body, raw=raw)
        assert response.status_code == status, (method, path, body, response.text)
        assert response.json()["schemas"] == [ERROR] and response.json()["status"] == str(status)
        assert response.json().get("scimType") == scim_type, (method, path, body)
        assert list(ScimGroup.objects.values_list("display_name", flat=True)) == ["taken"]
        assert not taken.members.exists()


@live
def test_each_request_is_in_the_audit_log_with_the_token_operation_and_target(scim, token, sales):
    frank = UserFactory()
    group = scim("POST", "/Groups", {"displayName": "grp-sales"}).json()
    scim(
        "PATCH",
        f"/Groups/{group['id']}",
        {"Operations": [{"op": "add", "path": "members", "value": [{"value": str(frank.pk)}]}]},
    )
    scim("GET", "/Users", filter=f'userName eq "{frank.email}"')
    scim("GET", f"/Users/{frank.pk}")
    scim("PATCH", f"/Groups/{group['id']}", {"Operations": "nonsense"})
    entries = list(AuditEvent.objects.filter(action="scim.request").order_by("pk"))
    seen = [(e.detail["operation"], e.detail["resource"], e.detail["id"], e.detail["status"]) for e in entries]
    assert seen == [
        ("POST", "Groups", group["id"], 201),
        ("PATCH", "Groups", group["id"], 204),
        ("GET", "Users", None, 200),
        ("GET", "Users", str(frank.pk), 200),
        ("PATCH", "Groups", group["id"], 400),
    ]
    assert {e.detail["token_id"] for e in entries} == {token[0].pk}
    assert entries[0].target_type == "scim.scimgroup" and entries[0].target_id == int(group["id"])
    assert entries[3].target_type == "accounts.user" and entries[3].target_id == frank.pk
    assert entries[2].detail["filter"] == f'userName eq "{frank.email}"'
    assert all(e.actor_id is None and e.actor_email == "scim:Entra ID" for e in entries)


@pytest.mark.django_db
def test_the_admin_creating_and_revoking_a_token_is_audited(client_as, admin_user):
    admin_user.is_superuser = True
    admin_user.save()
    client = client_as("admin_user")
    assert client.post("/admin/scim/scimtoken/add/", {"name": "Okta", "is_active": "on"}).status_code == 302
    token = ScimToken.objects.get(name="Okta")
    client.post(f"/admin/scim/scimtoken/{token.pk}/change/", {"name": "Okta"})  # unticked: revoked
    token.refresh_from_db()
    assert not token.is_active
    entries = AuditEvent.objects.filter(target_type="scim.scimtoken", target_id=token.pk, actor_id=admin_user.pk)
    assert set(entries.values_list("action", flat=True)) == {"auth.token_created", "auth.token_revoked"}


ROUTES = matrix(  # people never reach SCIM with their session: only the provider's bearer token does
    ("get", "/scim/v2/Groups", None, expect(401, 401, 401, 401, 401)),
    ("post", "/scim/v2/Groups", {"displayName": "x"}, expect(401, 401, 401, 401, 401)),
    ("get", "/scim/v2/Groups/{group_id}", None, expect(401, 401, 401, 401, 401)),
    ("delete", "/scim/v2/Groups/{group_id}", None, expect(401, 401, 401, 401, 401)),
)  # fmt: skip


@pytest.fixture
def world(member, manager, outsider, admin_user):
    return {"group_id": ScimGroup.objects.create(display_name="grp-x").pk}


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_sessions_do_not_open_scim_groups(client_as, world, route, role):
    check(client_as, world, route, role)
    assert ScimGroup.objects.filter(pk=world["group_id"]).exists()
