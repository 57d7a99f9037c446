"""The post composer as HTML: the empty form rendered once per process and choice of departments.

The form's template costs more than the rest of a page shell, and the empty composer
depends on nothing but the departments offered and whether announcements are: so it is
kept per process, with the CSRF token and the way back as slots filled per request
(apps/core/fragments.py). The
home feed, a department's feed and the department page show the same composer.
"""

import functools
from types import SimpleNamespace

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString

from apps.core.fragments import fill_slots, page_csrf_token, slot
from apps.departments.models import Department

from . import access
from .forms import PostForm


@functools.lru_cache(maxsize=1024)
def _blank_composer(choices: tuple[tuple[int, str], ...], can_announce: bool) -> str:
    """The empty composer's HTML for these choices, with the CSRF token and the way back as slots."""
    departments = [Department(pk=pk, name=name) for pk, name in choices]
    form = PostForm(departments=departments, can_announce=can_announce)
    page = SimpleNamespace(get_full_path=lambda: slot("next"))  # the template's way back, as a slot
    return render_to_string("feed/_composer.html", {"form": form, "csrf_token": slot("csrf"), "request": page})


def composer_html(request: HttpRequest, departments: list[Department], next_url: str) -> SafeString:
    """The composer offering `departments`, coming back to `next_url` (else this page) after posting."""
    can_announce = any(access.can_announce(request.user, d) for d in departments)
    html = _blank_composer(tuple((d.pk, d.name) for d in departments), can_announce)
    back = escape(next_url or request.get_full_path())

    def fill(name: str, value: str) -> str:
        if name == "csrf":
            return page_csrf_token(request)
        if name == "next":
            return back
        raise ValueError(f"unknown composer slot {name!r}")

    return fill_slots(html, fill)
