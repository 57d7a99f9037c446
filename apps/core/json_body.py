"""The one rule for JSON request bodies, applied before any view runs (API and HTML pages alike).

A JSON body must be an object, and its numbers must fit the database: an id or a count
beyond PostgreSQL's bigint can name nothing, and would fail in the query rather than in
validation. Views and serializers can then call `request.data.get(...)` without guarding.
Bodies of other content types (forms, multipart) are left to their parsers.
"""

import json
import math
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse

from .error_pages import error_page

JSON_CONTENT_TYPE = "application/json"  # what DRF's JSONParser accepts
MIN_INT, MAX_INT = -(2**63), 2**63 - 1


class _OutOfRange(ValueError):
    pass


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 19:
        raise _OutOfRange(text)
    value = int(text)
    if not MIN_INT <= value <= MAX_INT:
        raise _OutOfRange(text)
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999
        raise _OutOfRange(text)
    return value


def _no_constant(text: str) -> None:
    raise ValueError(f"{text} is not JSON")  # NaN, Infinity


def json_body_error(request: HttpRequest) -> tuple[str, str] | None:
    """(code, detail) when the request has a JSON body that breaks the rule, else None."""
    if request.content_type != JSON_CONTENT_TYPE:
        return None
    body = request.body
    if not body.strip():
        return None  # DRF reads an empty body as {}
    try:
        value = json.loads(body, parse_int=_bounded_int, parse_float=_finite_float, parse_constant=_no_constant)
    except _OutOfRange:
        return "number_out_of_range", "A number in the request is out of range."
    except (ValueError, RecursionError):  # malformed, not UTF-8, or nested too deep
        return "parse_error", "The request body is not valid JSON."
    if not isinstance(value, dict):
        return "not_an_object", "The request body must be a JSON object."
    return None


class JsonBodyMiddleware:
    """Refuses a JSON body that breaks the rule with a 400 (JSON under /api/, the error page elsewhere)."""

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
        if error := json_body_error(request):
            return error_page(request, 400, *error)
        return self.get_response(request)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        if error := json_body_error(request):
            # The page's layout asks the database (who is logged in): not from the event loop.
            return await sync_to_async(error_page)(request, 400, *error)
        return await self.get_response(request)
