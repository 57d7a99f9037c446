"""Rendered person cards (`people/_card.html`), cached per person (issue 17).

The department page and the directory show a grid of 48-60 cards; rendering them was
most of those pages' time. A card shows the same to everyone who sees it (nothing
per reader), so its HTML is cached per person and variant, stored with a stamp of
everything the card shows (name, title, status line, place, photo, the role on this
page, the bio), and used only while the stamp matches the row just read: an edit, a new
photo or the end of an out-of-office changes the stamp, so no invalidation and no expiry
are needed to be right. The template's own source is part of the key, so a deploy that
changes the card never serves the old HTML.

Who appears is decided before the cache is consulted: only profiles the page's query
returned (`department_members` after `access_department`, or `Profile.objects.visible_to`)
are looked up, so a cached card is never shown to someone the access rules do not admit.
"""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from apps.core.fragments import cached_fragments, template_digest

from .models import Profile

TEMPLATES = ("people/_card.html", "people/_avatar.html")


def _key(user_id: int, show_bio: bool) -> str:
    return f"people:card:{template_digest(*TEMPLATES)}:{user_id}:{'bio' if show_bio else 'short'}"


def stamp(profile: Profile, show_bio: bool) -> tuple:
    """Everything the card shows; `role` is set by queries that annotate it (a department's members)."""
    return (
        profile.display_name, profile.job_title, profile.status_line, profile.location, profile.photo_thumbnail.name,
        getattr(profile, "role", ""), profile.bio_html if show_bio else "",
    )  # fmt: skip


def person_cards(profiles: list[Profile], *, show_bio: bool = False) -> list[SafeString]:
    """The `<li>` card of each profile, in order: one cache round trip, only the misses rendered."""
    return cached_fragments(
        profiles,
        key=lambda p: _key(p.user_id, show_bio),
        stamp=lambda p: stamp(p, show_bio),
        render=lambda p: render_to_string("people/_card.html", {"profile": p, "show_bio": show_bio}),
    )
