"""Reversed URLs kept per process: `{% url %}` was a fifth of the home feed's time in Python.

Django's `reverse` walks the URL patterns and checks a regular expression for every call
(~15-50 µs here, with this project's few hundred patterns), and a page's header, footer
and side lists reverse the same two dozen names on every request. A reversed URL depends
only on its name and arguments, the URLconf, the script prefix, the language and the
current app, so it is kept under exactly those (an LRU of 8,192); arguments other than
`str` and `int` (a model instance, a lazy string) are not kept. A failed reverse is not kept.
"""

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language


def _plain(value: object) -> object:
    """`value` as a key (a template's literal is a SafeString: its text), or None when it is not kept."""
    if isinstance(value, str):
        return str(value)
    return value if type(value) is int else None


@lru_cache(maxsize=8192)
def _kept(view_name: str, args: tuple, kwargs: tuple, current_app: str | None, urlconf: str, prefix: str, lang) -> str:
    return reverse(view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)


def kept_reverse(view_name: str, *, args=(), kwargs=None, current_app: str | None = None) -> str:
    """`reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)`, from memory when seen before."""
    kwargs = kwargs or {}
    name, kept_args = _plain(view_name), tuple(_plain(a) for a in args)
    kept_kwargs = tuple(sorted((k, _plain(v)) for k, v in kwargs.items()))
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    if name is None or None in kept_args or any(v is None for _, v in kept_kwargs) or not isinstance(urlconf, str):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)  # not a key to keep
    return _kept(name, kept_args, kept_kwargs, current_app, urlconf, get_script_prefix(), get_language())


@receiver(setting_changed)
def _forget_on_new_urls(*, setting: str, **_kwargs) -> None:
    """Tests that swap the URLconf's contents under the same name (Django clears its own caches then)."""
    if setting == "ROOT_URLCONF":
        _kept.cache_clear()
