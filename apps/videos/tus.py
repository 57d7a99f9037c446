"""The tus 1.0.0 resumable-upload endpoint: the core protocol, `creation` and `termination`.

Abandoned uploads are removed after VIDEO_UPLOAD_EXPIRY_HOURS by the worker.

Ours rather than a package: django-tus (last release 2020) and drf-tus keep uploads in the
cache or their own models with their own permission checks; this is ~150 lines over our
services, so the department rule, the size limit and the clean-up are the same as everywhere.
A browser authenticates with its session (CSRF checked as for any unsafe request), an API
client with `Authorization: Token <key>`. Spec: https://tus.io/protocols/resumable-upload
"""

import base64
import binascii

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import AuthenticationFailed

from apps.accounts.authentication import user_from_api_token
from apps.core.errors import Invalid, ServiceError

from . import services

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination"
CHUNK_CONTENT_TYPE = "application/offset+octet-stream"


def _tus(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _error(status: int, code: str, detail: str) -> HttpResponse:
    return _tus(JsonResponse({"detail": detail, "code": code}, status=status))


def _user(request: HttpRequest):
    """The session's user (CSRF enforced) or the token's; an HttpResponse when refused."""
    if request.user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            refusal = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if refusal is not None:
                return _error(403, "csrf_failed", "The CSRF token is missing or wrong; reload the page.")
        return request.user
    try:
        user = user_from_api_token(request)
    except AuthenticationFailed as error:
        return _error(401, "not_authenticated", str(error.detail))
    if user is None:
        return _error(401, "not_authenticated", "Log in to upload.")
    return user


def _metadata(header: str) -> dict[str, str]:
    """`Upload-Metadata: key base64,key2 base64`: decoded, or `Invalid`."""
    found = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, value = pair.partition(" ")
        try:
            found[key] = base64.b64decode(value, validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError):
            raise Invalid("bad_metadata", "Upload-Metadata values must be base64 of UTF-8 text.") from None
    return found


def _status_of(error: ServiceError) -> int:
    if error.code == "file_too_large":
        return 413
    return error.status


def _check_version(request: HttpRequest) -> HttpResponse | None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        response = _error(412, "tus_version", f"Send Tus-Resumable: {TUS_VERSION}.")
        response["Tus-Version"] = TUS_VERSION
        return response
    return None


@csrf_exempt  # checked in _user for session users; token clients carry no cookie to forge
@login_not_required
def uploads(request: HttpRequest) -> HttpResponse:
    """OPTIONS: what this server supports. POST: create an upload (`Upload-Length`, metadata `department`)."""
    if request.method == "OPTIONS":
        response = _tus(HttpResponse(status=204))
        response["Tus-Version"] = TUS_VERSION
        response["Tus-Extension"] = EXTENSIONS
        response["Tus-Max-Size"] = str(settings.VIDEO_MAX_BYTES)
        return response
    if request.method != "POST":
        response = _error(405, "method_not_allowed", "Use OPTIONS or POST here.")
        response["Allow"] = "OPTIONS, POST"
        return response
    user = _user(request)
    if isinstance(user, HttpResponse):
        return user
    if refusal := _check_version(request):
        return refusal
    if request.headers.get("Upload-Defer-Length"):
        return _error(400, "defer_length", "Send Upload-Length: deferred lengths are not supported.")
    raw_length = request.headers.get("Upload-Length", "")
    if not (raw_length.isascii() and raw_length.isdigit()) or len(raw_length) > 18:
        return _error(400, "bad_length", "Send Upload-Length, the size of the file in bytes.")
    try:
        meta = _metadata(request.headers.get("Upload-Metadata", ""))
        department = meta.get("department", "")
        upload = services.upload_create(
            acting_user=user, department_ref=int(department) if department.isdigit() else department,
            length=int(raw_length), filename=meta.get("filename", ""),
        )  # fmt: skip
    except ServiceError as error:
        return _error(_status_of(error), error.code, error.detail)
    response = _tus(HttpResponse(status=201))
    response["Location"] = request.build_absolute_uri(reverse("video-upload", args=[upload.pk]))
    response["Upload-Offset"] = "0"
    return response


@csrf_exempt
@login_not_required
def upload(request: HttpRequest, upload_id) -> HttpResponse:
    """HEAD: how far it got. PATCH: the next bytes at `Upload-Offset`. DELETE: give up."""
    if request.method not in ("HEAD", "PATCH", "DELETE"):
        response = _error(405, "method_not_allowed", "Use HEAD, PATCH or DELETE here.")
        response["Allow"] = "HEAD, PATCH, DELETE"
        return response
    user = _user(request)
    if isinstance(user, HttpResponse):
        return user
    if refusal := _check_version(request):
        return refusal
    try:
        if request.method == "HEAD":
            found = services.access_upload(user, upload_id)
            response = _tus(HttpResponse(status=200))
            response["Upload-Offset"], response["Upload-Length"] = str(found.offset), str(found.length)
            return response
        if request.method == "DELETE":
            services.upload_delete(acting_user=user, upload_id=upload_id)
            return _tus(HttpResponse(status=204))
        if request.content_type != CHUNK_CONTENT_TYPE:
            return _error(415, "bad_content_type", f"Send the bytes as {CHUNK_CONTENT_TYPE}.")
        raw_offset = request.headers.get("Upload-Offset", "")
        if not (raw_offset.isascii() and raw_offset.isdigit()) or len(raw_offset) > 18:
            return _error(400, "bad_offset", "Send Upload-Offset, where these bytes start.")
        found = services.upload_append(acting_user=user, upload_id=upload_id, offset=int(raw_offset), chunk=request)
    except ServiceError as error:
        return _error(_status_of(error), error.code, error.detail)
    response = _tus(HttpResponse(status=204))
    response["Upload-Offset"] = str(found.offset)
    return response
