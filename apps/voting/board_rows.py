"""A board's idea rows as HTML, each cached under a stamp of what it shows (issue 17).

Twenty-five rows, each with its vote box and status badge, were most of the board's time.
A row looks the same to everyone who reads the board except whether I voted (part of the
key) and three parts filled per request as slots (apps/core/fragments.py): the CSRF token,
the way back after voting, and how long ago the idea was proposed. Everything else the
row shows is in the stamp, so a vote, a comment, a new status or an edit is never served
stale. Only the ideas the board's query returned (`board_ideas`, under the one access
rule) are looked up.
"""

from collections.abc import Sequence
from types import SimpleNamespace

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.translation import get_language

from apps.core.fragments import cached_fragments, fill_slots, page_csrf_token, slot, template_digest

from .models import Idea

TEMPLATES = ("voting/_idea_row.html", "voting/_vote_box.html", "voting/_status_badge.html")


def _prefix() -> str:
    """The part of the keys that is the same for every row of a page: templates and language."""
    return f"voting:row:{template_digest(*TEMPLATES)}:{get_language()}"


def _key(idea: Idea, prefix: str | None = None) -> str:
    return f"{prefix or _prefix()}:{idea.pk}:{int(bool(idea.my_vote))}"


def stamp(idea: Idea) -> tuple:
    """Everything the row shows but the slots; `board_ideas` loaded the author and the department."""
    author = idea.author.display_name if idea.author else None
    return (
        idea.title, idea.status, idea.vote_count, idea.comment_count, author, idea.description_html,
        idea.merged_into_id, idea.department.slug, idea.created_at,
    )  # fmt: skip


def _render(idea: Idea) -> str:
    context = {
        "idea": idea,
        "ago": slot("ago", idea.created_at.isoformat()),
        "csrf_token": slot("csrf"),
        "request": SimpleNamespace(get_full_path=lambda: slot("next")),
    }
    return render_to_string("voting/_idea_row.html", context)


def idea_rows(ideas: Sequence[Idea], request: HttpRequest) -> list[SafeString]:
    """Each idea's `<li>` for this request, in order; `ideas` from `selectors.board_ideas`."""
    back = escape(request.get_full_path())

    def fill(name: str, value: str) -> str:
        if name == "csrf":  # asked only when a row has a vote form, as `{% csrf_token %}` was
            return page_csrf_token(request)
        if name == "next":
            return back
        if name == "ago":
            return escape(timesince(parse_datetime(value)))
        raise ValueError(f"unknown idea row slot {name!r}")

    prefix = _prefix()
    rows = cached_fragments(ideas, key=lambda idea: _key(idea, prefix), stamp=stamp, render=_render)
    return [fill_slots(row, fill) for row in rows]
