"""Browser tests: a real daphne process serving the test database, driven by headless Chromium.

A pytest plugin (registered in tests/conftest.py), so any test module can ask for
`live_site`, `page` or `new_page`, and use `log_in(page, email)`.

The test process and daphne are two processes sharing one test database, so every test
here uses `transactional_db`: what a test creates is committed (daphne sees it) and the
tables are flushed afterwards. One daphne runs per test module; one Chromium per module,
with a fresh browser context (cookies, storage) per page.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.db import connection
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.factories import PASSWORD

REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
# The server runs with the production password hasher: the test-wide MD5 hasher is not
# in its PASSWORD_HASHERS, so users created with it could not log in.
SERVER_PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
SERVER_START_TIMEOUT_S = 20
SERVER_STOP_TIMEOUT_S = 10
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 15_000

expect.set_options(timeout=5_000)

_log_offset = pytest.StashKey[int]()


@dataclass(frozen=True)
class DaphneServer:
    url: str
    media_root: Path
    log_path: Path

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def _orm_next_to_playwright() -> Iterator[None]:
    """Let the test process use the ORM while Playwright's sync API is active.

    Playwright's sync API keeps an asyncio loop running in this thread, which Django's
    async-safety check mistakes for async code. Scoped to these modules, and never passed
    to daphne, where the check must stay on.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def daphne_port() -> int:
    """The port the module's daphne listens on, known before it starts (an IdP must know our redirect URI)."""
    return _free_port()


@pytest.fixture(scope="module")
def daphne_env() -> dict[str, str]:
    """More environment for the module's daphne (e.g. company sign-in settings): override it in the module."""
    return {}


@pytest.fixture(scope="module")
def daphne_server(django_db_setup, tmp_path_factory, daphne_port, daphne_env) -> Iterator[DaphneServer]:
    """A daphne process serving the test database and a temporary MEDIA_ROOT, stopped by PID."""
    workdir = tmp_path_factory.mktemp("daphne")
    media_root = workdir / "media"
    media_root.mkdir()
    log_path = workdir / "daphne.log"
    port = daphne_port
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "intranet.asgi:application"]
    env = {**_server_env(media_root), **daphne_env}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        server = DaphneServer(url=url, media_root=media_root, log_path=log_path)
        _wait_until_healthy(server, process)
        yield server
    finally:
        _stop(process)


@pytest.fixture
def live_site(request, daphne_server, transactional_db, settings) -> DaphneServer:
    """The running server, with this test process writing to the same database and media folder."""
    settings.MEDIA_ROOT = daphne_server.media_root
    settings.PASSWORD_HASHERS = SERVER_PASSWORD_HASHERS
    request.node.stash[_log_offset] = daphne_server.log_path.stat().st_size
    return daphne_server


@pytest.fixture(scope="module")
def browser(_orm_next_to_playwright) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install it with `make chromium` (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser, live_site) -> Iterator[Callable[[], Page]]:
    """`new_page()` opens a page in a fresh browser context (no cookies) on the live site."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(base_url=live_site.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist (`--dist loadgroup`), keep each module that shares one daphne and one Chromium on one worker.

    Otherwise a module's tests are spread over the workers and each starts its own pair.
    """
    for item in items:
        if "daphne_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, show what daphne logged during the test (errors there never reach the browser)."""
    report = yield
    server = item.funcargs.get("live_site") if hasattr(item, "funcargs") else None
    if report.failed and report.when == "call" and isinstance(server, DaphneServer):
        log = server.log_since(item.stash.get(_log_offset, 0)).strip()
        report.sections.append(("daphne log", log or "(empty)"))
    return report


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_env(media_root: Path) -> dict[str, str]:
    env = {
        **os.environ,
        **_test_database_env(),
        "DJANGO_SETTINGS_MODULE": "intranet.settings",
        "MEDIA_ROOT": str(media_root),
        # As in production (the test process runs with DEBUG off too): the site's own
        # error pages, no debug pages; plain HTTP on 127.0.0.1.
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",  # localhost: a WebAuthn relying party cannot be an IP address
        "HTTPS": "false",
        "PYTHONUNBUFFERED": "1",
        # The test process writes policies in its own cache namespace, and the database is
        # flushed between tests while the server's cache is not: the server must not cache them.
        "POLICY_CACHE_SECONDS": "0",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def _test_database_env() -> dict[str, str]:
    """Point the server at the test database pytest-django created, not the development one."""
    database = connection.settings_dict
    name = str(database["NAME"])
    if database["ENGINE"] == "django.db.backends.sqlite3":
        if connection.is_in_memory_db():
            pytest.fail("The browser tests need a file test database (DATABASES TEST NAME), not :memory:")
        return {"SQLITE_PATH": name}
    if database["ENGINE"] == "django.db.backends.postgresql":
        parts = urlsplit(os.environ["DATABASE_URL"])
        return {"DATABASE_URL": urlunsplit(parts._replace(path="/" + quote(name)))}
    pytest.fail(f"The browser tests do not know how to point daphne at a {database['ENGINE']} test database")


def _wait_until_healthy(server: DaphneServer, process: subprocess.Popen) -> None:
    """Poll /healthz until it answers 200; fail with daphne's output if it dies or takes too long."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    last_error: object = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"daphne exited with code {process.returncode}:\n{server.log_since(0)}")
        try:
            with opener.open(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except (urllib.error.URLError, OSError) as error:
            last_error = error
        time.sleep(0.1)
    pytest.fail(
        f"daphne did not answer 200 on /healthz within {SERVER_START_TIMEOUT_S}s "
        f"(last: {last_error}):\n{server.log_since(0)}"
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=SERVER_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=SERVER_STOP_TIMEOUT_S)


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill in and send the login form of the page that is open (the login page).

    Returns once the answer has loaded (the next page, or the form again with its error), so
    the caller never acts on the login page while it is being replaced: a click that lands on
    a page in the middle of unloading is lost.
    """
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
