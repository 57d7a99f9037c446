"""SCIM 2.0 (RFC 7643/7644) Users, as Entra ID and Okta send them, onto the accounts services.

Every change goes through `apps.accounts.services` with `acting_user=None` (the company
directory is the actor), so the same rules and audit entries apply as for an admin:
`active: false` is `user_deactivate` (sessions, API tokens and open sockets end at once).
DELETE deactivates too: accounts are never removed, since what people wrote keeps its author.
"""

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from apps.accounts import services as accounts
from apps.accounts.models import User
from apps.core.errors import Conflict, Invalid, NotFound
from apps.people.services import profile_update

from .models import ScimIdentity

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


def truthy(value: Any) -> bool:
    """Entra ID sends booleans as strings ("False"); Okta as JSON booleans."""
    if isinstance(value, str):
        if value.strip().lower() in {"true", "1", "yes"}:
            return True
        if value.strip().lower() in {"false", "0", "no"}:
            return False
        raise Invalid("invalidValue", f"Not a boolean: {value!r}")
    return bool(value)


def user_resource(user: User, request: HttpRequest) -> dict[str, Any]:
    identity = getattr(user, "scim_identity", None)
    return {
        "schemas": [USER_SCHEMA],
        "id": str(user.pk),
        "externalId": identity.external_id if identity else None,
        "userName": user.email,
        "displayName": user.display_name,
        "name": {"formatted": user.display_name},
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "active": user.is_active,
        "meta": {
            "resourceType": "User",
            "created": user.date_joined.isoformat(),
            "location": request.build_absolute_uri(f"/scim/v2/Users/{user.pk}"),
        },
    }


def _name_of(data: dict) -> str:
    name = data.get("name") if isinstance(data.get("name"), dict) else {}
    given = " ".join(str(name.get(part) or "") for part in ("givenName", "familyName")).strip()
    return str(data.get("displayName") or name.get("formatted") or given or "")[:120]


def _email_of(data: dict) -> str:
    emails = data.get("emails") if isinstance(data.get("emails"), list) else []
    primary = next((e for e in emails if isinstance(e, dict) and e.get("primary") in (True, "true", "True")), None)
    return str(data.get("userName") or (primary or (emails[0] if emails else {})).get("value") or "")


@transaction.atomic
def create(data: dict) -> User:
    email = _email_of(data)
    if User.objects.filter(email=email.strip().lower()).exists():
        raise Conflict("uniqueness", "A user with this userName already exists.")
    user = accounts.user_create(acting_user=None, email=email, display_name=_name_of(data))
    if data.get("externalId"):
        _set_external_id(user, str(data["externalId"]))
    if "active" in data and not truthy(data["active"]):
        accounts.user_deactivate(acting_user=None, user=user)
    return user


@transaction.atomic
def replace(user: User, data: dict) -> User:
    """PUT: the whole resource."""
    _apply(user, {"displayName": _name_of(data), "externalId": data.get("externalId"), **_only(data, "active")})
    return user


@transaction.atomic
def patch(user: User, operations: Any) -> User:
    """PATCH as both send it: `op` in any case ("Replace"), a `path`, or no path and `value` as an object."""
    if not isinstance(operations, list) or not operations:
        raise Invalid("invalidSyntax", "Operations must be a non-empty list.")
    for operation in operations:
        if not isinstance(operation, dict):
            raise Invalid("invalidSyntax", "Each operation must be an object.")
        op = str(operation.get("op", "")).lower()
        if op not in {"add", "replace", "remove"}:
            raise Invalid("invalidSyntax", f"Unknown op {operation.get('op')!r}.")
        path, value = operation.get("path"), operation.get("value")
        if op == "remove":
            continue  # nothing we keep can be removed (a name or address is required)
        changes = value if path is None and isinstance(value, dict) else {str(path): value}
        _apply(user, {_attribute(key): item for key, item in changes.items()})
    return user


def _attribute(path: str) -> str:
    path = path.strip()
    if path.startswith(USER_SCHEMA + ":"):
        path = path[len(USER_SCHEMA) + 1 :]
    lowered = path.lower()
    if lowered.startswith("name.") or lowered == "displayname":
        return "displayName"
    if lowered.startswith("emails") or lowered == "username":
        return "userName"
    return {"active": "active", "externalid": "externalId"}.get(lowered, path)


def _apply(user: User, changes: dict[str, Any]) -> None:
    for attribute, value in changes.items():
        if attribute == "active":
            if truthy(value):
                was_active = user.is_active
                accounts.user_reactivate(acting_user=None, user=user)
                if not was_active:
                    from .groups import sync_user  # back into the departments of the groups kept meanwhile

                    sync_user(user)
            else:
                accounts.user_deactivate(acting_user=None, user=user)
        elif attribute == "displayName" and value:
            profile_update(acting_user=None, profile=user.profile, display_name=str(value)[:120])
        elif attribute == "externalId" and value:
            _set_external_id(user, str(value))
        elif attribute == "userName" and value:
            email = accounts.validate_company_email(str(value))
            if email != user.email:
                if User.objects.filter(email=email).exists():
                    raise Conflict("uniqueness", "A user with this userName already exists.")
                user.email = email
                user.save(update_fields=["email"])


def _only(data: dict, *keys: str) -> dict:
    return {key: data[key] for key in keys if key in data}


def _set_external_id(user: User, external_id: str) -> None:
    if ScimIdentity.objects.filter(external_id=external_id).exclude(user=user).exists():
        raise Conflict("uniqueness", "Another user has this externalId.")
    ScimIdentity.objects.update_or_create(user=user, defaults={"external_id": external_id[:200]})


def get(user_id: str) -> User:
    if not str(user_id).isdigit() or len(str(user_id)) > 18:
        raise NotFound("not_found", "No such user.")
    user = User.objects.select_related("profile", "scim_identity").filter(pk=int(user_id)).first()
    if user is None:
        raise NotFound("not_found", "No such user.")
    return user
