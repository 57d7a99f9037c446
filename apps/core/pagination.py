"""Cursor (keyset) pagination: pages stay fast and stable however deep and however much is added.

Every cursor we hand out is signed (`django.core.signing`), with the ordering it belongs to
in the salt: a cursor is only ever one we made for that ordering, so its values are of the
right types and never reach the database unchecked. Anything else is a bad cursor: a 400
`bad_cursor` in the API, the first page on an HTML page (where it can only come from a link
someone mangled by hand).
"""

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib import parse

from django.core import signing
from django.db.models import Q, QuerySet
from rest_framework.pagination import BasePagination, Cursor, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from .errors import Invalid
from .ids import parse_id


def bad_cursor() -> Invalid:
    return Invalid.field(
        "cursor", "This page link is not valid (it may be out of date): start again from the first page.",
        code="bad_cursor",
    )  # fmt: skip


def _signer(ordering: Iterable[str]) -> signing.Signer:
    return signing.Signer(salt="apps.core.pagination:" + ",".join(ordering))


def sign_cursor(value: str, ordering: Iterable[str]) -> str:
    return _signer(ordering).sign(value)


def unsign_cursor(cursor: str, ordering: Iterable[str]) -> str | None:
    """The value we signed for this ordering, or None for a cursor we did not make."""
    try:
        return _signer(ordering).unsign(cursor)
    except signing.BadSignature:
        return None


class SignedCursorPagination(CursorPagination):
    """DRF's cursor pagination with signed cursors; a bad one is a 400 (DRF answers 404 or fails in the query)."""

    def encode_cursor(self, cursor: Cursor) -> str:
        tokens = {}
        if cursor.offset != 0:
            tokens["o"] = str(cursor.offset)
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            tokens["p"] = cursor.position
        encoded = base64.b64encode(parse.urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, sign_cursor(encoded, self.ordering))

    def decode_cursor(self, request) -> Cursor | None:
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        encoded = unsign_cursor(raw, self.ordering)
        if encoded is None:
            raise bad_cursor()
        tokens = parse.parse_qs(base64.b64decode(encoded.encode("ascii")).decode("ascii"), keep_blank_values=True)
        return Cursor(
            offset=min(int(tokens.get("o", ["0"])[0]), self.offset_cutoff),  # we signed it: a number
            reverse=bool(int(tokens.get("r", ["0"])[0])),
            position=tokens.get("p", [None])[0],
        )

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)  # larger asks get the maximum
        return parameters


class DefaultCursorPagination(SignedCursorPagination):
    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 200


class ByIdCursorPagination(DefaultCursorPagination):
    ordering = "id"


class ByNameCursorPagination(DefaultCursorPagination):
    """For people: alphabetical, with the id breaking ties so the cursor stays exact."""

    ordering = ("display_name", "id")


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None
    is_first: bool = True


def _encode(values: list[Any], fields: tuple[str, ...]) -> str:
    encoded = base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")
    return sign_cursor(encoded, fields)


def _decode(cursor: str, fields: tuple[str, ...]) -> list[Any] | None:
    encoded = unsign_cursor(cursor, fields)
    if encoded is None:
        return None
    values = json.loads(base64.urlsafe_b64decode((encoded + "=" * (-len(encoded) % 4)).encode()))
    return values if isinstance(values, list) and len(values) == len(fields) else None


def keyset_page(
    queryset: QuerySet, *, fields: tuple[str, ...], cursor: str | None, size: int, strict: bool = False
) -> Page:
    """One page of `queryset` ordered by `fields` (the last one unique; "-name" descends), after `cursor`.

    A bad cursor is the first page, or with `strict` (the API) the `bad_cursor` error.
    """
    queryset = queryset.order_by(*fields)
    values = _decode(cursor, fields) if cursor else None
    if cursor and values is None and strict:
        raise bad_cursor()
    if values is not None:
        names = [f.removeprefix("-") for f in fields]
        after = Q()
        for i, field in enumerate(fields):
            lookup = "lt" if field.startswith("-") else "gt"
            step = Q(**{f"{names[i]}__{lookup}": values[i]})
            for previous, value in zip(names[:i], values[:i], strict=True):
                step &= Q(**{previous: value})
            after |= step
        queryset = queryset.filter(after)
    return page_of(list(queryset[: size + 1]), fields=fields, size=size, is_first=values is None)


def page_of(items: list[Any], *, fields: tuple[str, ...], size: int, is_first: bool = True) -> Page:
    """The page of up to `size + 1` rows read in `fields` order (one more than shown: is there a next page?)."""
    next_cursor = None
    if len(items) > size:
        items = items[:size]
        last = items[-1]
        next_cursor = _encode([_attr(last, field.removeprefix("-")) for field in fields], fields)
    return Page(items=items, next_cursor=next_cursor, is_first=is_first)


def _attr(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


class KeysetPagination(BasePagination):
    """API pages on the view's `keyset_fields()` (e.g. vote count then id): exact, however many ties."""

    page_size = 50
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        asked = parse_id(request.query_params.get("page_size", ""))  # a positive number, or None
        size = min(asked, self.max_page_size) if asked else self.page_size
        cursor = request.query_params.get("cursor")
        page = keyset_page(queryset, fields=view.keyset_fields(), cursor=cursor, size=size, strict=True)
        self.request, self.next_cursor = request, page.next_cursor
        return page.items

    def get_paginated_response(self, data) -> Response:
        url = self.request.build_absolute_uri()
        next_url = replace_query_param(url, "cursor", self.next_cursor) if self.next_cursor else None
        return Response({"next": next_url, "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": {"type": "string", "nullable": True, "format": "uri"}, "results": schema},
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
            {
                "name": "page_size",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
