"""Feed pages: a constant number of queries whatever the page size and the amount of data."""

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Min, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.core.markdown import plain_text
from apps.core.pagination import Page, keyset_page
from apps.departments.access import readers_of
from apps.departments.models import Department

from . import cards, first_page
from .models import Acknowledgement, Comment, Post

FEED_PAGE_SIZE = 10  # a first page people see at once; more load as they scroll
PINNED_MAX = 10  # pinned announcements on top of a first page
LATEST_COMMENTS = cards.LATEST_COMMENTS


def _with_details(posts: QuerySet[Post], user: User, *, latest_comments: bool = True) -> QuerySet[Post]:
    """Everything a post's API answer (or card, with `latest_comments`) shows, one prefetch pass per relation."""
    prefetches: list = ["images", "attachments"]
    if latest_comments:
        prefetches.append(cards._comments_prefetch())
    return posts.select_related("department", "author__profile", "shared_from__department").prefetch_related(
        *prefetches
    )


def decorate(posts: list[Post], user: User) -> list[Post]:
    """The per-person facts (my reactions, my acknowledgement) of these posts, in one query."""
    cards.personal_state(posts, user)
    return posts


def feed_page(
    user: User,
    *,
    department: Department | None = None,
    audience: Sequence[int] | None = None,
    cursor: str | None = None,
    size: int = FEED_PAGE_SIZE,
    now: datetime | None = None,
) -> tuple[list[Post], Page]:
    """(pinned announcements for the first page, one page of other posts) newest first, cards prepared.

    The posts come from `visible_to` (the one access rule) without their details; the cards
    are then looked up in the cache and only the missing ones are loaded and rendered
    (apps/feed/cards.py), so a page costs the same few queries whatever is on it. The first
    page is cached per audience (apps/feed/first_page.py): `audience`, the ids of the
    departments `user` reads as the access rule just answered (the home feed), or
    `department` (its feed); without either, the page is read from the database.
    """
    now = now or timezone.now()
    if department is not None:
        audience = [department.pk]

    def build() -> tuple[list[Post], Page, datetime | None]:
        # Built here, not before: a cached first page needs no queryset (3 ms of ORM work).
        visible = Post.objects.visible_to(user)
        if audience is not None:  # the home feed's departments, or this department's feed
            visible = visible.filter(department_id__in=audience)
        page = keyset_page(visible.not_pinned(now), fields=("-published_at", "-id"), cursor=cursor, size=size)
        pinned: list[Post] = []
        pin_ends = None
        if page.is_first:
            pinned = list(visible.pinned(now).order_by("-published_at", "-id")[: PINNED_MAX + 1])
            ends = [p.pinned_until for p in pinned if p.pinned_until is not None]
            if len(pinned) > PINNED_MAX:  # some are hidden behind the ones shown: when does the first pin end?
                pinned = pinned[:PINNED_MAX]
                ends.append(visible.pinned(now).aggregate(end=Min("pinned_until"))["end"])
            pin_ends = min((e for e in ends if e is not None), default=None)
        cards.prepare([*pinned, *page.items], user, personal=False)
        return pinned, page, pin_ends

    if cursor or audience is None:
        pinned, page, _ = build()
    else:
        pinned, page = first_page.first_page(audience, size=size, now=now, build=build)
    cards.personal_state([*pinned, *page.items], user)
    return pinned, page


def post_with_details(user: User, post: Post, *, card: str | None = None) -> Post:
    """One post with everything shown about it; `card` ("feed" or "single") also prepares its card."""
    loaded = _with_details(Post.objects.filter(pk=post.pk), user).get()
    if card is not None:
        cards.prepare([loaded], user, variant=card)
        return loaded
    return decorate([loaded], user)[0]


def post_comments(post: Post) -> list[Comment]:
    """Top-level comments with their replies attached, oldest first, in one query."""
    comments = list(post.comments.filter(deleted_at__isnull=True).select_related("author__profile").order_by("id"))
    by_id = {c.pk: c for c in comments}
    top = []
    for comment in comments:
        comment.thread = []
        if comment.parent_id is None:
            top.append(comment)
    for comment in comments:
        if comment.parent_id is not None and comment.parent_id in by_id:
            by_id[comment.parent_id].thread.append(comment)
    return top


# ---------------------------------------------------------------- announcements


def pending_acknowledgers(post: Post) -> list[User]:
    """Members who have not acknowledged the current version yet."""
    done = Acknowledgement.objects.filter(post=post, version=post.version).values("user_id")
    pending = _audience(post).exclude(pk__in=done).select_related("profile")
    return list(pending.order_by("profile__display_name", "id"))


def _audience(post: Post):
    """Who must acknowledge: the department's readers except the announcement's author."""
    return readers_of(post.department).exclude(pk=post.author_id)


def ack_progress(post: Post) -> tuple[int, int]:
    members = _audience(post)
    done = Acknowledgement.objects.filter(post=post, version=post.version, user__in=members).count()
    return done, members.count()


def announcement_dashboard(department: Department) -> list[dict]:
    """Announcements that ask for acknowledgement, with x of y and who is missing, in three queries."""
    everyone = {u.pk: u for u in readers_of(department).select_related("profile")}
    announcements = list(
        Post.objects.filter(
            department=department, kind=Post.Kind.ANNOUNCEMENT, requires_ack=True, deleted_at__isnull=True
        )
        .select_related("author__profile")
        .order_by("-publish_at")[:50]
    )
    current = {post.pk: post.version for post in announcements}
    acked: dict[int, dict[int, datetime]] = {post.pk: {} for post in announcements}
    for post_id, user_id, version, when in Acknowledgement.objects.filter(post__in=announcements).values_list(
        "post_id", "user_id", "version", "created_at"
    ):
        if version == current[post_id]:
            acked[post_id][user_id] = when
    rows = []
    for post in announcements:
        members = {pk: u for pk, u in everyone.items() if pk != post.author_id}
        done = acked[post.pk].keys() & members.keys()
        missing = sorted((members[pk] for pk in members.keys() - done), key=lambda u: u.display_name.lower())
        acknowledged = sorted(((members[pk], acked[post.pk][pk]) for pk in done), key=lambda pair: pair[1])
        rows.append({
            "post": post, "title": plain_text(post.body_html, limit=100), "done": len(done), "total": len(members),
            "missing": missing, "acknowledged": acknowledged,
        })  # fmt: skip
    return rows
