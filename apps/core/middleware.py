"""HTML pages: the one mapping of a `ServiceError` that no view turned into a form error,
and a body for the error answers that come without one."""

from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse

from .error_pages import default_error_page, error_page
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


# Headers that describe the old, empty body rather than the answer.
_BODY_HEADERS = {"content-type", "content-length"}


def _needs_body(response: HttpResponse) -> bool:
    return response.status_code >= 400 and not response.streaming and not response.content


def _with_body(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    page = default_error_page(request, response.status_code)
    for name, value in response.items():
        if name.lower() not in _BODY_HEADERS:
            page[name] = value  # e.g. Allow on a 405, Retry-After
    page.cookies = response.cookies
    return page


class ErrorBodyMiddleware:
    """An error answered with an empty body (Django's 405 from `require_POST`, say) gets the error page.

    So every 4xx/5xx is the site's page or the API's JSON error, whatever produced it.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self._acall(request)
        response = self.get_response(request)
        return _with_body(request, response) if _needs_body(response) else response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        response = await self.get_response(request)
        if _needs_body(response):
            return await sync_to_async(_with_body)(request, response)  # the layout asks the database
        return response
