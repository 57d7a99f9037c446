"""The shared cast and the rules about real services.

With REQUIRE_SERVICES=1 (CI), a test that needs PostgreSQL or Redis fails instead
of being skipped when the service is not configured, and any skip fails the run.
"""

import os

import pytest
from asgiref.sync import SyncToAsync
from channels.layers import channel_layers
from django.test import Client

from tests import cast, fast_flush

STRICT = os.environ.get("REQUIRE_SERVICES") == "1"

pytest_plugins = ["tests.browser"]

fast_flush.install()


def _missing_service(item) -> str | None:
    if item.get_closest_marker("needs_redis") and not os.environ.get("REDIS_URL"):
        return "Redis (REDIS_URL)"
    if item.get_closest_marker("needs_postgres") and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return "PostgreSQL (DATABASE_URL)"
    return None


def pytest_runtest_setup(item):
    if missing := _missing_service(item):
        if STRICT:
            pytest.fail(f"REQUIRE_SERVICES=1 but {missing} is not configured")
        pytest.skip(f"needs {missing}")


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if STRICT and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line("REQUIRE_SERVICES=1: skipped tests are not allowed in CI", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _fast_and_isolated(request, settings, tmp_path):
    for name, value in cast.isolated_settings(tmp_path).items():
        setattr(settings, name, value)
    if "shared" in request.fixturenames:  # a module's world built once (tests/shared_world.py): its files
        request.getfixturevalue("shared").copy_media(settings.MEDIA_ROOT)


@pytest.fixture(autouse=True)
def _fresh_channel_layers():
    """New channel-layer instances for each test: each async test has an event loop of its own,
    and a layer keeps loop-bound locks and connections (a Redis layer reused from an earlier
    loop fails with "bound to a different event loop")."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def department(db):
    return cast.sales()


@pytest.fixture
def other_department(db):
    return cast.legal()


@pytest.fixture
def member(department):
    return cast.member(department)


@pytest.fixture
def colleague(department):
    """A second plain member of Sales: for checks of one member against another member's content."""
    return cast.colleague(department)


@pytest.fixture
def manager(department):
    return cast.manager(department)


@pytest.fixture
def outsider(other_department):
    return cast.outsider(other_department)


@pytest.fixture
def admin_user(db):
    return cast.admin_user()


@pytest.fixture
def client_as(request):
    """`client_as("member")` gives a logged-in test client for one of the cast."""

    def make(role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return make


@pytest.fixture
def run_worker():
    """Run every due background task now, in this process, through the real database backend.

    `run_worker(later=timedelta(...))` first brings tasks due within that time forward (their
    `run_after`), as if the clock had moved on.
    """
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    def run(*, later: timedelta | None = None) -> None:
        if later is not None:
            from django_tasks_db.models import DBTaskResult

            due = DBTaskResult.objects.filter(run_after__lte=timezone.now() + later)
            due.update(run_after=timezone.now() - timedelta(seconds=1))
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    return run


@pytest.fixture
def thread_hops(monkeypatch) -> list:
    """Every call that leaves the event loop for a thread (all of asgiref's and channels' go through here)."""
    hops: list = []
    original = SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counted)
    return hops
