"""Error pages: JSON under /api/, the site's own templates elsewhere."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def error_page(request: HttpRequest, status: int, code: str, detail: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail, "code": code}, status=status)
    return render(request, "errors/error.html", {"status": status, "detail": detail}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404, "not_found", "This page does not exist, or you do not have access to it.")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    detail = str(exception) if exception and str(exception) else "You do not have permission to do this."
    return error_page(request, 403, "permission_denied", detail)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 400, "bad_request", "The request could not be understood.")


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500, "server_error", "Something went wrong on our side. Please try again.")
