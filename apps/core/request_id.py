"""One id per request: in the X-Request-ID response header, in every log line, on the 500 page.

A person who hits an error reads the id off the page (or an API client off the JSON or the
header); the same id is on the logged traceback. The id lives in a context variable, so
anything that logs during the request (sync or async, in any thread asgiref hands the
request to) carries it, and later structured logging can read it with `current_request_id()`.
"""

import logging
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
NO_REQUEST = "-"

_request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)


def current_request_id() -> str:
    """The id of the request being handled, or "-" outside one (a task, a management command)."""
    return _request_id.get()


def set_request_id(value: str) -> None:
    """Make `value` the current request id: the worker does, for a task queued by a request (apps.core.task_origin)."""
    _request_id.set(value)


class RequestIdMiddleware:
    """Gives each request a fresh id (never the client's: a log line must not be forged into another's)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    # The id is not reset on the way out: Django logs a 4xx/5xx answer after the middleware
    # has returned, and that line must carry it too. Under ASGI every request runs in its own
    # task, so the id never outlives it; a sync server's thread keeps it until its next request.

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self._acall(request)
        _start(request)
        response = self.get_response(request)
        response[HEADER] = request.request_id
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        _start(request)
        response = await self.get_response(request)
        response[HEADER] = request.request_id
        return response


def _start(request: HttpRequest) -> None:
    request.request_id = uuid.uuid4().hex
    _request_id.set(request.request_id)


class RequestIdLogFilter(logging.Filter):
    """Adds `record.request_id` ("-" outside a request) for the log format."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True
