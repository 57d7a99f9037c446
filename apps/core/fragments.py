"""Rendered HTML fragments cached under a stamp of everything they show (issue 17).

A grid of person cards or a page of chat messages is dozens of small template renders, and
rendering them was most of those pages' time. Each fragment is cached by item, stored with
a stamp of everything it shows (read from the row the page just loaded), and used only
while the stamp still matches: an edit, a rename or a new photo changes the stamp, so no
invalidation and no expiry are needed to be right. The templates' own source is part of
the key, so a deploy that changes a template never serves the old HTML.

Who sees an item is decided before the cache is consulted: only rows the page's query
returned under the one access rule are looked up, so a cached fragment is never shown to
someone the rule does not admit. Without the cache every fragment is rendered and the page
still works.

What differs per reader or per request inside a cached fragment (the CSRF token, the way
back, "3 hours ago") is written as a slot: `slot(name, value)` when rendering, filled by
`fill_slots` for each request. A slot is NUL-delimited; NUL never appears in stored text
(PostgreSQL refuses it, the input rules refuse it in every request), so no one can write one.
"""

import contextlib
import functools
import hashlib
import re
from collections.abc import Callable, Hashable, Sequence

from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from apps.core.cache import CACHE_DOWN

SLOT = re.compile("\x00([a-z]+):([^\x00]*)\x00")


def slot(name: str, value: object = "") -> SafeString:
    """A placeholder for a per-request part of a cached fragment (`value`: what the filler needs)."""
    return mark_safe(f"\x00{name}:{value}\x00")  # noqa: S308 - a placeholder replaced by fill_slots()


def fill_slots(html: str, fill: Callable[[str, str], str]) -> SafeString:
    """`html` with each slot replaced by `fill(name, value)`, which must return escaped HTML."""
    return mark_safe(SLOT.sub(lambda match: fill(*match.groups()), html))  # noqa: S308 - escaped by `fill`


def page_csrf_token(request: HttpRequest) -> str:
    """One masked CSRF token for every slot of a page: Django masks anew (32 random picks) on each `get_token`."""
    token = getattr(request, "_fragments_csrf_token", None)
    if token is None:
        token = request._fragments_csrf_token = get_token(request)
    return token


@functools.cache
def template_digest(*names: str) -> str:
    """A short digest of these templates' sources: part of every key, so new templates mean new keys."""
    sources = "".join(get_template(name).template.source for name in names)
    return hashlib.sha256(sources.encode()).hexdigest()[:12]


def cached_fragments[T](
    items: Sequence[T],
    *,
    key: Callable[[T], str],
    stamp: Callable[[T], Hashable],
    render: Callable[[T], str],
    timeout: int | None = None,
) -> list[SafeString]:
    """Each item's fragment, in order: one cache round trip, only the misses and the stale rendered."""
    keys = [key(item) for item in items]
    found: dict = {}
    with contextlib.suppress(*CACHE_DOWN):
        found = cache.get_many(keys) if keys else {}
    fragments, fresh = [], {}
    for item, item_key in zip(items, keys, strict=True):
        entry, current = found.get(item_key), stamp(item)
        if entry is not None and entry[0] == current:
            fragments.append(mark_safe(entry[1]))  # noqa: S308 - our template's output, cached as rendered
            continue
        html = render(item)
        fresh[item_key] = (current, str(html))
        fragments.append(mark_safe(html))  # noqa: S308 - rendered by our template (autoescaped)
    if fresh:
        with contextlib.suppress(*CACHE_DOWN):
            cache.set_many(fresh, timeout=timeout)
    return fragments
