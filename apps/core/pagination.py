"""Cursor (keyset) pagination: pages stay fast and stable however deep and however much is added."""

import base64
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework.pagination import CursorPagination


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
