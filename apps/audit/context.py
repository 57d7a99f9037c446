"""Where a request comes from (IP address, user agent), for the audit entries written while it runs.

Services take the acting user, not the request; the audit log still wants "from where". The
middleware puts it in a context variable (like `apps.core.request_id`), so any service called
during the request, sync or async, records it without every signature growing a `request`.
"""

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from axes.helpers import get_client_ip_address
from django.http import HttpRequest, HttpResponse

USER_AGENT_LIMIT = 300


@dataclass(frozen=True)
class Origin:
    ip_address: str | None = None
    user_agent: str = ""


NOWHERE = Origin()
_origin: ContextVar[Origin] = ContextVar("audit_origin", default=NOWHERE)


def current_origin() -> Origin:
    """The current request's origin, or an empty one (the worker, a management command)."""
    return _origin.get()


def origin_of(request: HttpRequest) -> Origin:
    # The same client address the lockouts use (django-axes honours AXES_PROXY_COUNT).
    ip_address = get_client_ip_address(request) or None
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LIMIT]
    return Origin(ip_address=ip_address, user_agent=user_agent)


class AuditOriginMiddleware:
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
        token = _origin.set(origin_of(request))
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        token = _origin.set(origin_of(request))
        try:
            return await self.get_response(request)
        finally:
            _origin.reset(token)
