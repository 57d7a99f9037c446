"""The passkey ceremonies over HTTP: thin JSON adapters around `apps.accounts.passkeys`.

Registering and removing need a logged-in person; the second step of a login needs only the
"pending" marker the password step left (see `apps.accounts.views`).
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.core.errors import ServiceError

from . import passkeys
from .views import NEW_CODES, SETUP_REQUIRED, finish_second_step, pending_user


def _refused(refusal: ServiceError) -> JsonResponse:
    return JsonResponse({"code": refusal.code, "detail": refusal.detail}, status=refusal.status)


def _body(request: HttpRequest) -> dict:
    """The JSON object the page's script sent; anything else (a form post, not JSON) is an empty one."""
    if request.content_type != "application/json":
        return {}
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    return data if isinstance(data, dict) else {}


def _options(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="application/json")


@require_POST
def register_options(request: HttpRequest) -> HttpResponse:
    return _options(passkeys.registration_options(acting_user=request.user, request=request))


@require_POST
def register(request: HttpRequest) -> JsonResponse:
    data = _body(request)
    try:
        _, codes = passkeys.passkey_register(
            acting_user=request.user, request=request, credential=data.get("credential"), name=str(data.get("name", ""))
        )
    except ServiceError as refusal:
        return _refused(refusal)
    request.session.pop(SETUP_REQUIRED, None)
    request.session[NEW_CODES] = codes  # shown once by the settings page the browser goes to next
    return JsonResponse({"recovery_codes": len(codes)}, status=201)


@require_POST
def remove(request: HttpRequest, passkey_id: int) -> HttpResponse:
    try:
        passkeys.passkey_remove(acting_user=request.user, passkey_id=passkey_id)
        messages.success(request, "The passkey is removed.")
    except ServiceError as refusal:
        if refusal.status == 404:
            raise
        messages.error(request, refusal.detail)
    return redirect("two_factor_settings")


@login_not_required
@require_POST
def login_options(request: HttpRequest) -> HttpResponse:
    user, _ = pending_user(request)
    if user is None:
        return JsonResponse({"code": "not_pending", "detail": "Log in with your password first."}, status=400)
    try:
        return _options(passkeys.authentication_options(user=user, request=request))
    except ServiceError as refusal:
        return _refused(refusal)


@login_not_required
@require_POST
def login(request: HttpRequest) -> JsonResponse:
    user, pending = pending_user(request)
    if user is None:
        return JsonResponse({"code": "not_pending", "detail": "Log in with your password first."}, status=400)
    try:
        passkeys.passkey_verify(user=user, request=request, credential=_body(request).get("credential"))
    except ServiceError as refusal:
        return _refused(refusal)
    return JsonResponse({"next": finish_second_step(request, user, pending, method="password+passkey")})
