"""With DEBUG off, every error is the site's page or the API's JSON, without a stack trace; every error page
(and a 500's JSON) names the request id that its log lines, a 500's traceback among them, carry."""

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from apps.core.request_id import HEADER, RequestIdLogFilter

pytestmark = pytest.mark.django_db
LAYOUT = '<main id="main"'
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def crashing(settings):
    settings.ROOT_URLCONF = "tests.core.crash_urls"
    settings.DEBUG = False


@pytest.fixture
def request_log(caplog):
    """What Django logs about requests, with the request id the console handler would add."""
    caplog.handler.addFilter(RequestIdLogFilter())
    caplog.set_level(logging.WARNING, logger="django.request")
    return caplog


def test_an_unhandled_exception_is_a_500_page_with_the_request_id_that_the_log_carries(
    client_as, member, crashing, request_log
):
    client = client_as("member")
    client.raise_request_exception = False
    response = client.get("/crash/")
    request_id = response[HEADER]
    page = response.content.decode()
    assert response.status_code == 500
    assert LAYOUT in page and request_id in page
    assert "Traceback" not in page and "a secret detail" not in page and "RuntimeError" not in page
    (record,) = [r for r in request_log.records if r.name == "django.request"]
    assert record.request_id == request_id and record.exc_info[0] is RuntimeError


def test_an_unhandled_exception_in_the_api_is_the_json_error_with_the_request_id(
    client_as, member, crashing, request_log
):
    client = client_as("member")
    client.raise_request_exception = False
    response = client.get("/api/v1/crash/")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Something went wrong on our side. Please try again.",
        "code": "server_error",
        "request_id": response[HEADER],
    }
    assert [r.request_id for r in request_log.records] == [response[HEADER]]


def test_the_500_page_still_answers_when_the_layout_cannot_be_drawn(client_as, member, crashing, settings, tmp_path):
    broken = tmp_path / "templates" / "errors"
    broken.mkdir(parents=True)
    (broken / "error.html").write_text("{% url 'no-such-page' %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}]
    client = client_as("member")
    client.raise_request_exception = False
    response = client.get("/crash/")
    assert response.status_code == 500
    assert response[HEADER] in response.content.decode() and "Traceback" not in response.content.decode()


def test_every_response_carries_its_own_request_id(client_as, member):
    client = client_as("member")
    ids = {client.get(path)[HEADER] for path in ("/", "/people/", "/api/v1/users/me/", "/no-such-page/", "/healthz")}
    assert len(ids) == 5 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_a_client_cannot_choose_its_request_id(client_as, member):
    response = client_as("member").get("/", headers={"X-Request-ID": "forged"})
    assert response[HEADER] != "forged"


def test_the_console_log_format_shows_the_request_id(settings):
    console = settings.LOGGING["handlers"]["console"]
    assert "request_id" in console["filters"]
    assert "%(request_id)s" in settings.LOGGING["formatters"][console["formatter"]]["format"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/feed/posts/1/delete/", 405), ("post", "/people/", 405), ("get", "/no-such-page/", 404),
     ("get", "/people/999999/", 404), ("get", "/departments/new/", 403)],
)  # fmt: skip
def test_client_errors_are_pages_in_the_site_layout_with_the_request_id(client_as, member, method, path, status):
    response = getattr(client_as("member"), method)(path)
    assert response.status_code == status
    page = response.content.decode()
    assert LAYOUT in page
    assert f'<code class="request-id">{response[HEADER]}</code>' in page
    if status == 405:
        assert response["Allow"]


def test_a_stale_form_gets_the_site_page_not_djangos_csrf_page(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/notifications/read-all/")
    assert response.status_code == 403
    page = response.content.decode()
    assert LAYOUT in page and "expired" in page and "CSRF verification failed" not in page
    assert response[HEADER] in page


def test_api_errors_are_json(client_as, member):
    client = client_as("member")
    for response in (
        client.get("/api/v1/nothing-here/"),
        client.put("/api/v1/users/me/"),
        client.get("/api/v1/posts/0/"),
    ):
        assert response.status_code in {404, 405}
        assert set(response.json()) >= {"detail", "code"}


def test_a_locked_out_token_request_gets_the_json_error(member, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = Client().post(
            "/api/v1/auth/token/", {"email": member.email, "password": "wrong-wrong"}, content_type="application/json"
        )
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out" and int(response["Retry-After"]) > 0


@pytest.mark.parametrize(("debug", "says"), [(None, "Development mode (DEBUG=1)"), ("0", "Production mode (DEBUG=0)")])
def test_make_run_says_which_mode_it_runs_in(debug, says):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "MAKEFLAGS", "MAKELEVEL"}}
    if debug is not None:
        env |= {"DEBUG": debug, "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "intranet.example.com"}
    result = subprocess.run(
        ["make", "-s", "mode", f"PY={sys.executable}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(says)
    assert "mode" in (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\ntest:", 1)[0]
