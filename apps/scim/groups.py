"""SCIM 2.0 (RFC 7643/7644) Groups, as Entra ID and Okta send them, onto department memberships.

A group's members are kept as the directory sends them; which departments that opens is the
admin's explicit group → department table (`apps.sso.GroupMapping`), applied by the same
`apply_group_mappings` as an OIDC `groups` claim: after every change, each affected person's
mapped memberships are set from the names of all the SCIM groups they are in. Membership
changes therefore go through `membership_set` / `membership_remove` (audited, with the directory
as the actor, and the live rights re-check that ends sockets and subscriptions).
"""

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from apps.accounts.models import User
from apps.core.errors import Conflict, Invalid, NotFound
from apps.sso.services import apply_group_mappings

from .models import ScimGroup

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
# Okta removes one member with a filter in the path: members[value eq "42"]
MEMBER_PATH = re.compile(r'^\s*members\s*\[\s*value\s+eq\s+"([^"]*)"\s*\]\s*$', re.IGNORECASE)
MAX_MEMBERS_PER_REQUEST = 1000


def group_resource(group: ScimGroup, request: HttpRequest, *, with_members: bool = True) -> dict[str, Any]:
    resource = {
        "schemas": [GROUP_SCHEMA],
        "id": str(group.pk),
        "externalId": group.external_id or None,
        "displayName": group.display_name,
        "meta": {
            "resourceType": "Group",
            "created": group.created_at.isoformat(),
            "location": request.build_absolute_uri(f"/scim/v2/Groups/{group.pk}"),
        },
    }
    if with_members:
        # `members` is prefetched by the caller (one query for a whole page).
        resource["members"] = [
            {
                "value": str(user.pk),
                "display": user.email,
                "$ref": request.build_absolute_uri(f"/scim/v2/Users/{user.pk}"),
            }
            for user in group.members.all()
        ]
    return resource


def get(group_id: str) -> ScimGroup:
    if not str(group_id).isdigit() or len(str(group_id)) > 18:
        raise NotFound("not_found", "No such group.")
    group = ScimGroup.objects.prefetch_related("members").filter(pk=int(group_id)).first()
    if group is None:
        raise NotFound("not_found", "No such group.")
    return group


def _display_name(value: Any) -> str:
    name = str(value or "").strip() if isinstance(value, (str, int)) else ""
    if not name:
        raise Invalid("invalidValue", "displayName is required.")
    return name[:200]


def _set_display_name(group: ScimGroup, value: Any) -> None:
    name = _display_name(value)
    if ScimGroup.objects.filter(display_name=name).exclude(pk=group.pk).exists():
        raise Conflict("uniqueness", "A group with this displayName already exists.")
    group.display_name = name


def _member_ids(value: Any) -> set[int]:
    """`[{"value": "42"}, ...]` (or one such object): the users named, which must all exist."""
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_MEMBERS_PER_REQUEST:
        raise Invalid("invalidValue", f"At most {MAX_MEMBERS_PER_REQUEST} members per request.")
    ids = set()
    for item in items:
        raw = item.get("value") if isinstance(item, dict) else None
        if not isinstance(raw, (str, int)) or not str(raw).isdigit() or len(str(raw)) > 18:
            raise Invalid("invalidValue", "Each member needs a 'value' with a user's id.")
        ids.add(int(raw))
    found = set(User.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if found != ids:
        raise Invalid("invalidValue", f"No such user: {', '.join(str(i) for i in sorted(ids - found))}.")
    return ids


@transaction.atomic
def create(data: dict) -> ScimGroup:
    name = _display_name(data.get("displayName"))
    if ScimGroup.objects.filter(display_name=name).exists():
        raise Conflict("uniqueness", "A group with this displayName already exists.")
    members = _member_ids(data["members"]) if data.get("members") else set()
    group = ScimGroup.objects.create(display_name=name, external_id=str(data.get("externalId") or "")[:200])
    group.members.set(members)
    _resync(members)
    return group


@transaction.atomic
def replace(group: ScimGroup, data: dict) -> ScimGroup:
    """PUT: the whole resource, members included (absent members means none)."""
    before = _members_of(group)
    _set_display_name(group, data.get("displayName"))
    group.external_id = str(data.get("externalId") or "")[:200]
    group.save()
    members = _member_ids(data["members"]) if data.get("members") else set()
    group.members.set(members)
    _resync(before | members)
    return group


@transaction.atomic
def patch(group: ScimGroup, operations: Any) -> ScimGroup:
    """PATCH as both send it: `op` in any case, members added/removed by a list of `{"value": id}`,
    Okta's `members[value eq "id"]` path, and a `value` object without a path for the name."""
    if not isinstance(operations, list) or not operations:
        raise Invalid("invalidSyntax", "Operations must be a non-empty list.")
    before = _members_of(group)
    members = set(before)
    for operation in operations:
        if not isinstance(operation, dict):
            raise Invalid("invalidSyntax", "Each operation must be an object.")
        op = str(operation.get("op", "")).lower()
        if op not in {"add", "replace", "remove"}:
            raise Invalid("invalidSyntax", f"Unknown op {operation.get('op')!r}.")
        path, value = operation.get("path"), operation.get("value")
        if path is not None and not isinstance(path, str):
            raise Invalid("invalidPath", "path must be a string.")
        if path is None:
            if not isinstance(value, dict) or op == "remove":
                raise Invalid("noTarget", "An operation without a path needs a value object.")
            changes = value
        else:
            changes = {path: value}
        for attribute, item in changes.items():
            members = _apply(group, op, str(attribute), item, members)
    group.save()
    group.members.set(members)
    _resync(before | members)
    return group


def _apply(group: ScimGroup, op: str, attribute: str, value: Any, members: set[int]) -> set[int]:
    single = MEMBER_PATH.match(attribute)
    lowered = attribute.strip().lower()
    if lowered.startswith(GROUP_SCHEMA.lower() + ":"):
        lowered = lowered[len(GROUP_SCHEMA) + 1 :]
    if single:
        if op != "remove":
            raise Invalid("invalidPath", "A member filter can only be removed.")
        return members - _member_ids({"value": single.group(1)}) if single.group(1).isdigit() else members
    if lowered == "members":
        if op == "remove":
            return set() if value is None else members - _member_ids(value)
        named = _member_ids(value) if value not in (None, []) else set()
        return named if op == "replace" else members | named
    if lowered == "displayname":
        if op == "remove":
            raise Invalid("mutability", "displayName is required.")
        _set_display_name(group, value)
    elif lowered == "externalid":
        group.external_id = "" if op == "remove" else str(value or "")[:200]
    elif lowered not in {"id", "schemas", "meta"}:  # Okta repeats the id in a value object
        raise Invalid("invalidPath", f"Unknown attribute {attribute!r}.")
    return members


@transaction.atomic
def delete(group: ScimGroup) -> None:
    members = _members_of(group)
    group.delete()
    _resync(members)


def _members_of(group: ScimGroup) -> set[int]:
    return set(group.members.values_list("pk", flat=True))


def sync_user(user: User) -> None:
    """Set the person's mapped departments from all the SCIM groups they are in (active accounts only:
    a deactivated person reads nothing, and gets their memberships back when reactivated)."""
    if not user.is_active:
        return
    names: set[str] = set()
    for group in user.scim_groups.all():
        names |= group.names()
    apply_group_mappings(user=user, groups=names)


def _resync(user_ids: Iterable[int]) -> None:
    for user in User.objects.filter(pk__in=set(user_ids), is_active=True).prefetch_related("scim_groups"):
        sync_user(user)
