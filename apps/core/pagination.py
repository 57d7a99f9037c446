"""Cursor (keyset) pagination: pages stay fast and stable however deep and however much is added."""

import base64
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class DefaultCursorPagination(CursorPagination):
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


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[Any] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:
        return None
    return values if isinstance(values, list) else None


def keyset_page(queryset: QuerySet, *, fields: tuple[str, ...], cursor: str | None, size: int) -> Page:
    """One page of `queryset` ordered by `fields` (the last one unique; "-name" descends), after `cursor`.

    A bad cursor is treated as the first page rather than an error: it only ever comes
    from a link we made or one a person mangled by hand.
    """
    queryset = queryset.order_by(*fields)
    values = _decode(cursor) if cursor else None
    if values is not None and len(values) == len(fields):
        names = [f.removeprefix("-") for f in fields]
        after = Q()
        for i, field in enumerate(fields):
            lookup = "lt" if field.startswith("-") else "gt"
            step = Q(**{f"{names[i]}__{lookup}": values[i]})
            for previous, value in zip(names[:i], values[:i], strict=True):
                step &= Q(**{previous: value})
            after |= step
        queryset = queryset.filter(after)
    items = list(queryset[: size + 1])
    next_cursor = None
    if len(items) > size:
        items = items[:size]
        last = items[-1]
        next_cursor = _encode([_attr(last, field.removeprefix("-")) for field in fields])
    return Page(items=items, next_cursor=next_cursor)


def _attr(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


class KeysetPagination(BasePagination):
    """API pages on the view's `keyset_fields()` (e.g. vote count then id): exact, however many ties."""

    page_size = 50
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get("page_size", "")
        size = min(int(raw), self.max_page_size) if raw.isdigit() and int(raw) > 0 else self.page_size
        page = keyset_page(queryset, fields=view.keyset_fields(), cursor=request.query_params.get("cursor"), size=size)
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
            {"name": "page_size", "in": "query", "required": False, "schema": {"type": "integer"}},
        ]
