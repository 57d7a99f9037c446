"""HTML pages: the one mapping of a `ServiceError` that no view turned into a form error."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .error_pages import error_page
from .errors import ServiceError


class ServiceErrorMiddleware:
    """A refusal that reached the top of an HTML view becomes the site's error page with its status.

    (`NotFound` and `Forbidden` are also Django's own 404 and 403, so those pages are the
    same; this catches `Invalid`, `Conflict` and the rest.) The API maps errors itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ServiceError):
            return error_page(request, exception.status, exception.code, exception.detail)
        return None
