"""The SCIM endpoints: bearer-token authentication, JSON in and out, SCIM's error shape.

Plain Django views (not DRF): SCIM has its own media type, list and error formats, and its
clients are identity providers, not people; no session, no CSRF (a bearer token is the proof).
"""

import json
import re
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from apps.accounts.models import User
from apps.core.errors import ServiceError

from . import users
from .models import ScimToken, hash_token

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
MEDIA_TYPE = "application/scim+json"
MAX_COUNT = 200
FILTER = re.compile(r'^\s*(userName|externalId|emails\.value)\s+eq\s+"([^"]*)"\s*$', re.IGNORECASE)


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
            scim_type = (
                "uniqueness" if refusal.code == "uniqueness" else ("invalidValue" if refusal.status == 400 else None)
            )
            return _error(refusal.status, refusal.detail, scim_type)

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
    start = _positive(request.GET.get("startIndex"), 1)
    count = min(_positive(request.GET.get("count"), 100, minimum=0), MAX_COUNT)
    total = found.count()
    page = list(found[start - 1 : start - 1 + count])
    return _answer({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(page),
        "Resources": [users.user_resource(user, request) for user in page],
    })  # fmt: skip


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


def _positive(raw: str | None, default: int, *, minimum: int = 1) -> int:
    if raw is None or not raw.strip().isdigit() or len(raw.strip()) > 6:
        return default
    return max(minimum, int(raw))
