"""The post composer as HTML: the empty form rendered once per process and choice of departments.

The form's template costs more than the rest of a page shell, and the empty composer
depends on nothing but the departments offered and whether announcements are: so it is
kept per process, with the CSRF token and the way back as slots filled per request. The
home feed, a department's feed and the department page show the same composer.
"""

import functools
from types import SimpleNamespace

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from apps.departments.models import Department

from . import access
from .forms import PostForm

_CSRF_SLOT, _NEXT_SLOT = "\x00csrf\x00", "\x00next\x00"  # NUL: never in stored text nor in any request


@functools.lru_cache(maxsize=1024)
def _blank_composer(choices: tuple[tuple[int, str], ...], can_announce: bool) -> str:
    """The empty composer's HTML for these choices, with the CSRF token and the way back as slots."""
    departments = [Department(pk=pk, name=name) for pk, name in choices]
    form = PostForm(departments=departments, can_announce=can_announce)
    page = SimpleNamespace(get_full_path=lambda: _NEXT_SLOT)  # the template's way back, as a slot
    return render_to_string("feed/_composer.html", {"form": form, "csrf_token": _CSRF_SLOT, "request": page})


def composer_html(request: HttpRequest, departments: list[Department], next_url: str) -> SafeString:
    """The composer offering `departments`, coming back to `next_url` (else this page) after posting."""
    can_announce = any(access.can_announce(request.user, d) for d in departments)
    html = _blank_composer(tuple((d.pk, d.name) for d in departments), can_announce)
    back = escape(next_url or request.get_full_path())
    return mark_safe(html.replace(_CSRF_SLOT, get_token(request)).replace(_NEXT_SLOT, back))  # noqa: S308 - escaped
