"""The first page of a feed (and of the API's posts list), cached per audience (issue 17): one cache
read instead of the page's queries.

An *audience* is the set of departments a feed shows: for the home feed, the departments
its reader reads (`apps/departments/access.py`, asked in the database on every request, so
the key changes the moment a membership does), for a department's feed that department.
Everyone with the same audience sees the same first page (pinned announcements, then the
newest posts, with their rendered cards) except for the per-person slots of the cards
(`cards.personalize`; the API's my reactions and acknowledgement), so the page is cached once
per audience (`for_audience`), and only ever looked up
with an audience the access rule just gave the reader: a cached page of a confidential
post is only served to readers of its department.

Invalidation, never by time: every department has a generation token; the services that
change what a feed shows (a post published, edited or deleted, a comment, a reaction, a
video card, an erasure) give the post's department a new token when they write and again when they commit
(`department_changed`, called by `cards.forget`). An entry is used only while each
department of its audience still has the token it was built with, and while no pinned
announcement on it has reached its end (a pin ends by the clock, with no write). A token
that is missing (never set, or evicted) is created before the page is built, so an entry
built before a change can never match again.
"""

import contextlib
import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction

from apps.core.cache import CACHE_DOWN
from apps.core.pagination import Page

from .models import Post

_FIELDS = tuple(f.attname for f in Post._meta.concrete_fields)


def _token_key(department_id: int) -> str:
    return f"feed:gen:v1:{department_id}"


def _page_key(audience: Sequence[int], name: str) -> str:
    digest = hashlib.sha256(",".join(map(str, audience)).encode()).hexdigest()[:32]
    return f"feed:first:v2:{name}:{digest}"


def department_changed(department_id: int) -> None:
    """Every cached first page that shows this department is out of date once this transaction commits."""

    def renew() -> None:
        with contextlib.suppress(*CACHE_DOWN):  # nothing cached can be read either while it is down
            cache.set(_token_key(department_id), secrets.token_hex(8), timeout=None)

    # Now, so that this transaction's own reads (and a test's, which never commits) see the
    # change, and again after commit, so that a page built in between from the data before
    # the commit is not kept.
    renew()
    transaction.on_commit(renew)


@dataclass
class Entry:
    tokens: list[str]
    value: Any
    valid_until: datetime | None  # the first moment the value is out of date with no write (a pin's end)


def _slim(post: Post) -> Post:
    """The row and its card only: no prefetched relations, no per-person state, in the cached entry."""
    slim = Post.from_db(post._state.db, _FIELDS, [getattr(post, name) for name in _FIELDS])
    slim.card_html = post.card_html
    return slim


def for_audience(
    audience: Sequence[int], name: str, *, now: datetime, build: Callable[[], tuple[Any, Any, datetime | None]]
) -> Any:
    """What `build()` gives for this audience, from the cache while no department of it has changed.

    `build()` returns (the value for this call, the value to keep, the first moment the kept
    value is out of date with no write, or None); a cache hit returns the kept value. What is
    kept must hold nothing of one person: it is served to everyone with the same audience.
    `name` tells apart the pages kept for one audience (the feed's, the API's, a page size).
    Without a cache the value is built every time.
    """
    audience = sorted(set(audience))
    key = _page_key(audience, name)
    token_keys = [_token_key(pk) for pk in audience]
    try:
        found = cache.get_many([key, *token_keys])
        missing = {k: secrets.token_hex(8) for k in token_keys if k not in found}
        if missing:
            for k, token in missing.items():
                cache.add(k, token, timeout=None)  # whoever came first wins: read the winners back
            found |= cache.get_many(list(missing))
        tokens = [found.get(k) for k in token_keys]
    except CACHE_DOWN:
        return build()[0]
    entry = found.get(key)
    if isinstance(entry, Entry) and entry.tokens == tokens and (entry.valid_until is None or now < entry.valid_until):
        return entry.value
    value, kept, valid_until = build()
    if None not in tokens:
        with contextlib.suppress(*CACHE_DOWN):
            cache.set(key, Entry(tokens=tokens, value=kept, valid_until=valid_until), timeout=None)
    return value


def first_page(
    audience: Sequence[int],
    *,
    size: int,
    now: datetime,
    build: Callable[[], tuple[list[Post], Page, datetime | None]],
) -> tuple[list[Post], Page]:
    """The audience's first feed page (pinned, page) from the cache, or `build()` it (cards rendered) and keep it.

    `build` returns the pinned posts and the page with `card_html` on every post, and the
    first moment a pin shown or hidden on it ends.
    """

    def build_and_slim() -> tuple[tuple[list[Post], Page], tuple[list[Post], Page], datetime | None]:
        pinned, page, valid_until = build()
        slim = Page(items=[_slim(p) for p in page.items], next_cursor=page.next_cursor, is_first=True)
        return (pinned, page), ([_slim(p) for p in pinned], slim), valid_until

    return for_audience(audience, f"feed:{size}", now=now, build=build_and_slim)
