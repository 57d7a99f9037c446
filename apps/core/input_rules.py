"""The rules every request's input follows, checked once, before any view runs (API and HTML pages alike).

- A JSON body is UTF-8 (RFC 8259), it is an object, and its numbers fit the database (an
  id or a count beyond PostgreSQL's bigint can name nothing, and would fail in the query
  rather than in validation). Views and serializers can call `request.data.get(...)`
  without guarding.
- Text is text the database can store: no NUL character (PostgreSQL refuses it in any
  text column or query) in the path, the query string, form fields or JSON strings, and
  no lone surrogate in JSON strings (which cannot be encoded at all).

Bodies of other content types (multipart files) are left to their parsers. A request that
breaks a rule gets a 400 with a `code`: JSON under /api/, the error page elsewhere.
"""

import json
import math
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse

from .error_pages import error_page

JSON_CONTENT_TYPE = "application/json"  # what DRF's JSONParser accepts
FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
INVALID_TEXT = ("invalid_text", "The request has text with characters that cannot be stored (NUL, lone surrogates).")
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


def _storable(value: object) -> bool:
    """Every string in `value` (keys too) is text PostgreSQL can store."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return False
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate ("\ud800")
                return False
    return True


def json_body_error(request: HttpRequest) -> tuple[str, str] | None:
    """(code, detail) when the request has a JSON body that breaks the rules, else None."""
    if request.content_type != JSON_CONTENT_TYPE:
        return None
    body = request.body
    if not body.strip():
        return None  # DRF reads an empty body as {}
    try:
        value = json.loads(
            body.decode("utf-8"), parse_int=_bounded_int, parse_float=_finite_float, parse_constant=_no_constant
        )
    except _OutOfRange:
        return "number_out_of_range", "A number in the request is out of range."
    except (ValueError, RecursionError):  # malformed, not UTF-8, or nested too deep
        return "parse_error", "The request body is not valid JSON (UTF-8)."
    if not isinstance(value, dict):
        return "not_an_object", "The request body must be a JSON object."
    if not _storable(value):
        return INVALID_TEXT
    return None


def text_error(request: HttpRequest) -> tuple[str, str] | None:
    """(code, detail) when the path, the query string or a form field holds a NUL character."""
    fields = [request.path, *(v for _, values in request.GET.lists() for v in values)]
    if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
        fields += [v for _, values in request.POST.lists() for v in values]  # parsed as CSRF would; files aside
    return INVALID_TEXT if any("\x00" in field for field in fields) else None


def input_error(request: HttpRequest) -> tuple[str, str] | None:
    return text_error(request) or json_body_error(request)


class InputRulesMiddleware:
    """Refuses a request that breaks the rules with a 400 (JSON under /api/, the error page elsewhere)."""

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
        if error := input_error(request):
            return error_page(request, 400, *error)
        return self.get_response(request)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        if request.content_type == "multipart/form-data":
            error = await sync_to_async(input_error)(request)  # it may be large, on disk: off the event loop
        else:
            error = input_error(request)
        if error:
            # The page's layout asks the database (who is logged in): not from the event loop.
            return await sync_to_async(error_page)(request, 400, *error)
        return await self.get_response(request)
