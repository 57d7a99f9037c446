"""Error pages: JSON under /api/, the site's own templates elsewhere; never a stack trace.

Every error answer has one of two shapes: `{"detail", "code"}` for the API, the site's
layout with a short text for pages. Every page names the request id (apps.core.request_id)
that the request's log lines carry (a 500's traceback among them), so a person can report it;
the API's JSON names it on a 500 (every response has it in X-Request-ID).
"""

import logging
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import escape

from .request_id import NO_REQUEST, current_request_id

logger = logging.getLogger(__name__)

DETAILS = {
    400: ("bad_request", "The request could not be understood."),
    403: ("permission_denied", "You do not have permission to do this."),
    404: ("not_found", "This page does not exist, or you do not have access to it."),
    405: ("method_not_allowed", "This page does not accept that kind of request."),
    500: ("server_error", "Something went wrong on our side. Please try again."),
}


def error_page(request: HttpRequest, status: int, code: str, detail: str, *, request_id: str = "") -> HttpResponse:
    if request.path.startswith("/api/"):
        data = {"detail": detail, "code": code}
        if request_id:
            data["request_id"] = request_id
        return JsonResponse(data, status=status)
    reference = request_id or current_request_id()
    context = {"status": status, "detail": detail, "request_id": "" if reference == NO_REQUEST else reference}
    return render(request, "errors/error.html", context, status=status)


def default_error_page(request: HttpRequest, status: int) -> HttpResponse:
    """The page for a status that came without a body (e.g. Django's 405 for a GET on a POST-only view)."""
    code, detail = DETAILS.get(status, ("error", HTTPStatus(status).phrase if status in HTTPStatus else "Error"))
    return error_page(request, status, code, detail)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404, *DETAILS[404])


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    detail = str(exception) if exception and str(exception) else DETAILS[403][1]
    return error_page(request, 403, "permission_denied", detail)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 400, *DETAILS[400])


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the form was stale or sent from elsewhere (Django's own page is not in our layout)."""
    detail = "This form has expired or was not sent from this site. Go back, reload the page and try again."
    return error_page(request, 403, "csrf_failed", detail)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page with the request id. If the layout itself fails (say, the database is down), a bare page."""
    request_id = current_request_id()
    try:
        return error_page(request, 500, *DETAILS[500], request_id=request_id)
    except Exception:
        logger.exception("The error page could not be rendered")
        text = f"<!doctype html><title>Error</title><h1>Error</h1><p>{escape(DETAILS[500][1])}</p>"
        return HttpResponse(f"{text}<p>Reference: {escape(request_id)}</p>", status=500)
