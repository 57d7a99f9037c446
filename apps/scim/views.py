"""The SCIM endpoints: bearer-token authentication, JSON in and out, SCIM's error shape.

Plain Django views (not DRF): SCIM has its own media type, list and error formats, and its
clients are identity providers, not people; no session, no CSRF (a bearer token is the proof).
"""

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from apps.accounts.models import User
from apps.audit.services import record
from apps.core.errors import ServiceError

from . import groups, users
from .models import ScimGroup, ScimToken, hash_token

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
MEDIA_TYPE = "application/scim+json"
MAX_COUNT = 200
FILTER = re.compile(r'^\s*(userName|externalId|emails\.value)\s+eq\s+"([^"]*)"\s*$', re.IGNORECASE)
GROUP_FILTER = re.compile(r'^\s*(displayName|externalId)\s+eq\s+"([^"]*)"\s*$', re.IGNORECASE)
RESOURCE = re.compile(r"/scim/v2/(Users|Groups)(?:/(\d+))?$")


def _answer(data: dict | None, status: int = 200) -> JsonResponse:
    response = JsonResponse(data or {}, status=status, content_type=MEDIA_TYPE)
    if data is None:
        response.content = b""
    return response


def _error(status: int, detail: str, scim_type: str | None = None) -> JsonResponse:
    body = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return _answer(body, status)


def _handle(view: Callable, request: HttpRequest, *args, **kwargs) -> JsonResponse:
    body = None
    if request.method in {"POST", "PUT", "PATCH"}:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return _error(400, "The body is not JSON.", "invalidSyntax")
        if not isinstance(body, dict):
            return _error(400, "The body must be a JSON object.", "invalidSyntax")
    try:
        return view(request, body, *args, **kwargs)
    except ServiceError as refusal:
        scim_type = refusal.code if refusal.code in SCIM_TYPES else ("invalidValue" if refusal.status == 400 else None)
        return _error(refusal.status, refusal.detail, scim_type)


SCIM_TYPES = {"uniqueness", "invalidSyntax", "invalidPath", "noTarget", "mutability", "invalidValue", "invalidFilter"}


def _record_use(token: ScimToken, request: HttpRequest, response: JsonResponse) -> None:
    """Each request of the directory, in the audit log: which token, what it did, to what, and the answer.
    Refusals too (a token sending nonsense is worth seeing); the change itself has its own entries."""
    match = RESOURCE.search(request.path)
    kind, target_id = (match.group(1), match.group(2)) if match else ("", None)
    if target_id is None and response.status_code == 201:
        target_id = str(json.loads(response.content).get("id", ""))
    target = None
    if target_id and target_id.isdigit() and len(target_id) <= 18:
        model = User if kind == "Users" else ScimGroup
        target = model.objects.filter(pk=int(target_id)).first()
    record(
        "scim.request",
        actor_email=f"scim:{token.name}"[:254],
        target=target,
        detail={
            "token_id": token.pk,
            "operation": request.method,
            "resource": kind,
            "id": target_id,
            "filter": request.GET.get("filter", "")[:200],
            "status": response.status_code,
        },
    )


def scim_endpoint(view: Callable) -> Callable:
    @csrf_exempt
    @login_not_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        token = None
        if scheme.lower() == "bearer" and key.strip():
            token = ScimToken.objects.filter(key_hash=hash_token(key.strip()), is_active=True).first()
        if token is None:
            return _error(401, "A valid SCIM bearer token is required.")
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        response = _handle(view, request, *args, **kwargs)
        _record_use(token, request, response)
        return response

    return wrapper


@scim_endpoint
def users_collection(request: HttpRequest, body: dict | None) -> JsonResponse:
    if request.method == "POST":
        user = users.create(body)
        return _answer(users.user_resource(users.get(str(user.pk)), request), 201)
    if request.method != "GET":
        return _error(405, "Use GET or POST.")
    found = User.objects.select_related("profile", "scim_identity").order_by("pk")
    if request.GET.get("filter"):
        match = FILTER.match(request.GET["filter"])
        if match is None:
            return _error(
                400, "Only 'userName eq \"...\"' and 'externalId eq \"...\"' filters are supported.", "invalidFilter"
            )
        attribute, value = match.group(1).lower(), match.group(2)
        if attribute == "externalid":
            found = found.filter(scim_identity__external_id=value)
        else:
            found = found.filter(email=value.strip().lower())
    return _list_answer(request, found, lambda user: users.user_resource(user, request))


@scim_endpoint
def user_detail(request: HttpRequest, body: dict | None, user_id: str) -> JsonResponse:
    user = users.get(user_id)
    if request.method == "GET":
        return _answer(users.user_resource(user, request))
    if request.method == "PUT":
        users.replace(user, body)
    elif request.method == "PATCH":
        users.patch(user, body.get("Operations"))
    elif request.method == "DELETE":
        from apps.accounts.services import user_deactivate

        user_deactivate(acting_user=None, user=user)
        return _answer(None, 204)
    else:
        return _error(405, "Use GET, PUT, PATCH or DELETE.")
    return _answer(users.user_resource(users.get(user_id), request))


def _list_answer(request: HttpRequest, found: QuerySet, resource: Callable[[Any], dict]) -> JsonResponse:
    """A SCIM ListResponse of one page of `found` (1-based `startIndex`, `count` capped at MAX_COUNT)."""
    start = _positive(request.GET.get("startIndex"), 1)
    count = min(_positive(request.GET.get("count"), 100, minimum=0), MAX_COUNT)
    total = found.count()
    page = list(found[start - 1 : start - 1 + count])
    return _answer({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(page),
        "Resources": [resource(row) for row in page],
    })  # fmt: skip


def _positive(raw: str | None, default: int, *, minimum: int = 1) -> int:
    if raw is None or not raw.strip().isdigit() or len(raw.strip()) > 6:
        return default
    return max(minimum, int(raw))


@scim_endpoint
def groups_collection(request: HttpRequest, body: dict | None) -> JsonResponse:
    if request.method == "POST":
        group = groups.create(body)
        return _answer(groups.group_resource(groups.get(str(group.pk)), request), 201)
    if request.method != "GET":
        return _error(405, "Use GET or POST.")
    found = ScimGroup.objects.order_by("pk")
    if request.GET.get("filter"):
        match = GROUP_FILTER.match(request.GET["filter"])
        if match is None:
            return _error(
                400, "Only 'displayName eq \"...\"' and 'externalId eq \"...\"' filters are supported.", "invalidFilter"
            )
        attribute, value = match.group(1).lower(), match.group(2)
        found = found.filter(**{"display_name" if attribute == "displayname" else "external_id": value})
    with_members = not _excludes_members(request)
    if with_members:
        found = found.prefetch_related("members")
    return _list_answer(request, found, lambda group: groups.group_resource(group, request, with_members=with_members))


@scim_endpoint
def group_detail(request: HttpRequest, body: dict | None, group_id: str) -> JsonResponse:
    group = groups.get(group_id)
    if request.method == "GET":
        return _answer(groups.group_resource(group, request, with_members=not _excludes_members(request)))
    if request.method == "PUT":
        groups.replace(group, body)
    elif request.method == "PATCH":
        groups.patch(group, body.get("Operations"))
        return _answer(None, 204)  # RFC 7644 §3.5.2: both providers accept "done, no body"
    elif request.method == "DELETE":
        groups.delete(group)
        return _answer(None, 204)
    else:
        return _error(405, "Use GET, PUT, PATCH or DELETE.")
    return _answer(groups.group_resource(groups.get(group_id), request))


def _excludes_members(request: HttpRequest) -> bool:
    """Entra ID asks `excludedAttributes=members` (a big group's member list is costly)."""
    return "members" in {part.strip().lower() for part in request.GET.get("excludedAttributes", "").split(",")}
