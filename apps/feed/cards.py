"""Rendered post cards, cached per post; the per-person parts applied to the cached HTML (issue 17).

A card's HTML is the same for everyone who may read the post, except a few slots:
the CSRF token, the page to come back to, which reactions are mine, the acknowledgement
box (mine, or the author's), and times (relative to now, in the reader's time zone). The
template writes those as NUL-delimited slots (`{% slot %}`, apps/feed/templatetags/cards.py);
NUL never appears in stored text (PostgreSQL refuses it, the input rules refuse it in every
request), so no one can write a slot. The cached HTML is keyed by post and variant, and an
entry is only used when its stamp (version, edit time, counts, pin and schedule state)
matches the row just read. The services that change a post, its comments or its reactions
forget its cards when they commit (`forget`, which also renews the department's cached
first pages, apps/feed/first_page.py): never a time-based expiry.

Who sees a card is decided before the cache is consulted: only posts that
`Post.objects.visible_to(user)` (or `access.access_post`) returned are looked up, so a
cached card is never served to someone the one access rule does not admit.
"""

import contextlib
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models import CharField, IntegerField, Prefetch, Value, prefetch_related_objects
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.safestring import SafeString

from apps.accounts.models import User
from apps.core.cache import CACHE_DOWN
from apps.core.compiled import PersonQuery
from apps.core.fragments import fill_slots, page_csrf_token, slot
from apps.core.templatetags.when import exact_time, when

from . import first_page
from .models import REACTION_EMOJI, Acknowledgement, Comment, Post, Reaction

LATEST_COMMENTS = 3
_VARIANTS = ("feed", "single")


# Another app's block on the cards of its posts (a video announcement's poster card): `loader(posts)`
# appends rendered HTML to `post.card_extras` for the posts it concerns, in one query for all of
# them. It runs only for the cards being rendered (cache misses), inside the cached HTML, so it
# must show only what every reader of the post may see; the app calls `forget(post_id, department_id)` when
# what its block shows changes.
CardExtraLoader = Callable[[list[Post]], None]
_extra_loaders: list[CardExtraLoader] = []


def register_card_extra(loader: CardExtraLoader) -> None:
    if loader not in _extra_loaders:
        _extra_loaders.append(loader)


def _key(post_id: int, variant: str) -> str:
    return f"feed:card:v1:{post_id}:{variant}"


def stamp(post: Post) -> str:
    """What of the row the card shows, so an entry written before a change is never used after it."""
    counts = ",".join(f"{k}={v}" for k, v in sorted(post.reaction_counts.items()))
    return "|".join(
        str(x)
        for x in (
            post.version, post.edited_at, post.published_at, post.deleted_at, post.comment_count, counts,
            post.is_pinned, post.pinned_until, post.requires_ack, post.ack_due_at, post.is_confidential,
            post.shared_from_id, post.department_id,
        )
    )  # fmt: skip


def forget(post_id: int, department_id: int | None = None) -> None:
    """Drop a post's cached cards and its department's cached first pages when the transaction commits.

    Without `department_id` it is read from the row (one query): give it when you have it.
    """
    if department_id is None:
        department_id = Post.objects.filter(pk=post_id).values_list("department_id", flat=True).first()
        if department_id is None:
            return
    forget_posts([(post_id, department_id)])


def forget_posts(posts: Iterable[tuple[int, int]]) -> None:
    """`forget` for many (post id, department id) pairs: one cache call, one token per department."""
    pairs = set(posts)
    keys = [_key(post_id, v) for post_id, _ in pairs for v in _VARIANTS]

    def drop() -> None:
        with contextlib.suppress(*CACHE_DOWN):  # the stamp still catches what the row shows
            cache.delete_many(keys)

    if keys:
        transaction.on_commit(drop)
    for department_id in sorted({department_id for _, department_id in pairs}):
        first_page.department_changed(department_id)


def forget_person(user_id: int) -> None:
    """Every card that shows this person (their posts, comments, reactions): for an erasure, which
    changes their name and takes back what they wrote without the feed's services. Call it before."""
    posts = [
        Post.objects.filter(author_id=user_id),
        Post.objects.filter(comments__author_id=user_id),
        Post.objects.filter(reactions__user_id=user_id),
    ]
    first, *others = (q.values_list("pk", "department_id") for q in posts)
    touched = first.union(*others)
    forget_posts(touched)


# ---------------------------------------------------------------- loading a page's posts


DETAILS = (
    "department",
    "author__profile",
    "shared_from__department",
    "images",
    "attachments",
)


def _comments_prefetch() -> Prefetch:
    # A sliced prefetch: the latest few per post through a window function, still one query.
    return Prefetch(
        "comments",
        queryset=Comment.objects.filter(deleted_at__isnull=True)
        .select_related("author__profile")
        .order_by("-id")[:LATEST_COMMENTS],
        to_attr="recent_comments",
    )


def _personal_rows(user: User, post_ids: tuple[int, ...]):
    reactions = Reaction.objects.filter(user=user, post_id__in=post_ids).values_list(
        "post_id", "emoji", Value(0, output_field=IntegerField())
    )
    acks = Acknowledgement.objects.filter(user=user, post_id__in=post_ids).values_list(
        "post_id", Value("", output_field=CharField()), "version"
    )
    return reactions.union(acks, all=True)


# Compiled once per number of posts: building the union took 2.4 ms of a 5.5 ms API page (BENCHMARKS.md).
_PERSONAL_ROWS = PersonQuery(_personal_rows, key=tuple)


def personal_facts(post_ids: list[int], user: User) -> dict[int, tuple[set[str], set[int]]]:
    """For each of these posts, (my reactions, the versions I acknowledged), in one query."""
    facts: dict[int, tuple[set[str], set[int]]] = {pk: (set(), set()) for pk in post_ids}
    if not facts or not user.is_authenticated:
        return facts
    for post_id, emoji, version in _PERSONAL_ROWS.rows(user, tuple(facts)):
        if emoji:
            facts[post_id][0].add(emoji)
        else:
            facts[post_id][1].add(version)
    return facts


def personal_state(posts: list[Post], user: User) -> None:
    """My reactions and my acknowledgements of these posts, in one query (`my_emojis`, `acknowledged`)."""
    facts = personal_facts([p.pk for p in posts], user)
    for post in posts:
        post.my_emojis, post.my_ack_versions = facts[post.pk]
        post.acknowledged = post.version in post.my_ack_versions


def prepare(posts: list[Post], user: User, *, variant: str = "feed", personal: bool = True) -> list[Post]:
    """Attach cached cards to `posts` (already filtered by the access rule); load details only for the misses.

    One query for the per-person state (unless `personal` is False: the caller reads it),
    then one prefetch pass per relation over the posts whose card is not cached: a constant
    number of queries, and none of them when every card is cached.
    """
    if personal:
        personal_state(posts, user)
    found = {}
    with contextlib.suppress(*CACHE_DOWN):  # no cache: every card is rendered, the page still works
        found = cache.get_many([_key(p.pk, variant) for p in posts]) if posts else {}
    misses = []
    for post in posts:
        entry = found.get(_key(post.pk, variant))
        if entry is not None and entry[0] == stamp(post):
            post.card_html = entry[1]
        else:
            post.card_html = None
            misses.append(post)
    if misses:
        prefetch_related_objects(misses, *DETAILS, _comments_prefetch())
        for post in misses:
            post.card_extras = []
        for loader in _extra_loaders:
            loader(misses)
        fresh = {}
        for post in misses:
            post.latest_comments = list(reversed(post.recent_comments))
            post.reaction_list = [(key, emoji, label, count) for key, emoji, label, count in post.reaction_summary()]
            post.card_html = render_to_string(
                "feed/_post.html", {"post": post, "single": variant == "single", "csrf_token": slot("csrf")}
            )
            fresh[_key(post.pk, variant)] = (stamp(post), post.card_html)
        with contextlib.suppress(*CACHE_DOWN):
            cache.set_many(fresh, timeout=None)
    return posts


# ---------------------------------------------------------------- slots


def personalize(post: Post, request: HttpRequest, *, next_url: str = "") -> SafeString:
    """The card for this reader: the cached HTML with its slots filled in."""
    token = page_csrf_token(request)
    raw_back = next_url or request.get_full_path()
    back = escape(raw_back)
    mine = post.my_emojis

    def fill(name: str, value: str) -> str:
        if name == "csrf":
            return token
        if name == "next":
            return back
        if name == "mine":
            return " reaction-mine" if value in mine else ""
        if name == "pressed":
            return "true" if value in mine else "false"
        if name == "when":
            return when(parse_datetime(value))
        if name == "exact":
            return escape(exact_time(parse_datetime(value)))
        if name == "ack":
            return render_to_string(
                "feed/_ack.html", {"post": post, "next_url": raw_back, "user": request.user}, request=request
            )
        raise ValueError(f"unknown card slot {name!r}")

    return fill_slots(post.card_html, fill)


__all__ = [
    "REACTION_EMOJI", "forget", "personal_state", "personalize", "prepare", "register_card_extra", "slot", "stamp",
]  # fmt: skip
