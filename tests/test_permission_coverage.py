"""Every named URL is in some permission matrix, so a new page or endpoint cannot escape it.

The matrices are declared with `tests/matrix.py`; importing every test module collects
them. Each route's URL (with its `{placeholders}` filled by a number) is resolved to the
URL name it exercises. The few URLs outside the department model (the login page, the
health check, the admin site) are named here with the reason.
"""

import importlib
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

import tests
from tests.matrix import DECLARED

# Not department content, and each covered elsewhere: named here so that nothing else slips by.
OUTSIDE_THE_MATRIX = {
    "login", "logout", "password_change", "password_change_done", "password_reset", "password_reset_done",
    "password_reset_confirm", "password_reset_complete",  # tests/accounts: the login flow itself
    "healthz",  # public by design, tests/core/test_health.py
    "livez", "readyz",  # the same
    "favicon",  # a public redirect to the static icon, tests/core/test_favicon.py
    "api-token",  # the login of API clients, tests/accounts/test_api.py
    "metrics",  # the operator's token, not a login: tests/core/test_observability.py
    "video-upload",  # tus, by upload uuid (not an id): its matrix row and the protocol in tests/videos/test_tus.py
}  # fmt: skip


def _names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin" or getattr(pattern, "app_name", None) == "admin":
                continue  # the admin site: staff only, tests/accounts/test_admin.py
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def _covered() -> set[str]:
    for module in pkgutil.walk_packages(tests.__path__, prefix="tests."):
        importlib.import_module(module.name)
    covered = set()
    for route in DECLARED:
        path = route.url.split("?")[0]
        for placeholder in {part.split("}")[0] for part in path.split("{")[1:]}:
            path = path.replace("{" + placeholder + "}", "1" if "image" not in placeholder else "feed/images/x.jpg")
        try:
            match = resolve(path)
        except Resolver404:
            continue
        covered.add(f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name)
    return covered


@pytest.mark.django_db
def test_every_named_url_is_in_a_permission_matrix():
    missing = _names(get_resolver()) - _covered() - OUTSIDE_THE_MATRIX
    assert not missing, f"URL names in no permission matrix (tests/matrix.py): {sorted(missing)}"
