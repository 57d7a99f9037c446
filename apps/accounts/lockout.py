"""What a locked-out login attempt gets (django-axes' AXES_LOCKOUT_CALLABLE): the site's page, or the API's JSON.

Axes' own answer is one template for every path, so a token request (POST
/api/v1/auth/token/) got an HTML page where a client expects the JSON error shape.
"""

import math

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from apps.audit.services import record


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    email = str((credentials or {}).get("username") or "").strip().lower()
    record("auth.locked_out", actor_email=email, detail={"path": request.path})
    cool_off = get_cool_off(request)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else None
    wait = f"{minutes} minute{'s' if minutes != 1 else ''}" if minutes else "a few minutes"
    if request.path.startswith("/api/"):
        detail = f"Too many failed attempts: this account is locked for {wait}."
        response = JsonResponse({"detail": detail, "code": "locked_out"}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"cooloff_time": wait}, status=429)
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response
