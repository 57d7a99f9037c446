import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from apps.core.markdown import render_markdown

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = {
    "healthz",
    "livez",
    "readyz",
    "favicon",  # a redirect to the static icon (tests/core/test_favicon.py)
    "metrics",  # no login: the operator's token, else 404 (tests/core/test_observability.py)
    "oidc_authentication_init",  # signing in itself: 404 while OIDC_ISSUER is unset (tests/sso/test_oidc.py)
    "oidc_authentication_callback",
    "saml2_login",  # SAML sign-in, the IdP's answer and our metadata: 404 while the IdP's metadata is unset
    "saml2_acs",  # (tests/sso/test_saml.py, which also fuzzes the ACS)
    "saml2_metadata",
    "ical",  # a calendar app's subscription: the person's secret, else 404 (tests/plans)
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}


def _named_patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _named_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


EXAMPLES = {
    "content_type_id": "1",
    "object_id": "1",
    "app_label": "accounts",
    "url": "x",
    "user_id": "1",
    "slug": "sales",
    "path": "people/photos/x.jpg",
    "uidb64": "MQ",
    "token": "abc-def",
    "pk": "1",
    "upload_id": "00000000-0000-4000-8000-000000000001",
}


def _example_path(route: str) -> str | None:
    """A concrete path for a route (path() or a router's regex), or None for format-suffix variants."""
    if "format>" in route:
        return None
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: EXAMPLES.get(m.group(1), "1"), route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: EXAMPLES.get(m.group(1), "1"), route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\", "")


@pytest.mark.django_db
def test_every_url_but_the_public_few_requires_login():
    checked = 0
    for route, pattern in _named_patterns(get_resolver()):
        path = _example_path(route)
        if path is None:
            continue
        response = Client().get(path)
        if pattern.name in PUBLIC:
            continue
        assert response.status_code in {302, 401, 403, 405}, (path, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(("/accounts/login/", "/admin/login/")), path
        checked += 1
    assert checked > 20


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy_and_security_headers(client_as, member):
    for client, path in ((Client(), "/accounts/login/"), (client_as("member"), "/departments/sales/")):
        response = client.get(path)
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "http" not in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_templates_reference_no_third_party_asset():
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        for marker in ('src="http', "src='http", 'href="http', 'src="//', 'href="//', "@import"):
            if marker in text:
                offenders.append((template.name, marker))
    assert offenders == []


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL"}},
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "-production-secret-with-enough-entropy-1234567890",
        "ALLOWED_HOSTS": "intranet.example.com",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_settings_refuse_to_start_without_a_secret_key_in_production(tmp_path):
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "ALLOWED_HOSTS": "x"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_settings_reject_a_malformed_boolean():
    env = {**os.environ, "DEBUG": "maybe"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "DEBUG must be a boolean" in result.stderr


@pytest.mark.parametrize(
    ("markdown", "must_not_contain"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        ("[x](javascript:alert(1))", "javascript:"),
        ('<a href="https://x" onclick="steal()">x</a>', "onclick"),
        ("<iframe src='https://evil'></iframe>", "<iframe"),
        ("<style>body{display:none}</style>", "<style"),
    ],
)
def test_markdown_is_sanitised_through_an_allow_list(markdown, must_not_contain):
    assert must_not_contain not in render_markdown(markdown)


def test_markdown_keeps_formatting_and_makes_links_safe():
    html = render_markdown("**bold** and [docs](https://docs.example.com)\n\n- one\n- two")
    assert "<strong>bold</strong>" in html and "<li>one</li>" in html
    assert 'rel="noopener noreferrer nofollow"' in html
