"""The shared cast and the rules about real services.

With REQUIRE_SERVICES=1 (CI), a test that needs PostgreSQL or Redis fails instead
of being skipped when the service is not configured, and any skip fails the run.
"""

import copy
import os
import uuid

import pytest
from channels.layers import channel_layers
from django.test import Client

from tests import fast_flush
from tests.factories import DepartmentFactory, UserFactory, add_member

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
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REALTIME_CHECK_FRAMES = True  # every event a service sends must match its declaration
    settings.MEDIA_ROOT = tmp_path / "media"
    # A fresh cache namespace per test: counters such as rate limits live in the cache
    # (Redis in CI), and ids repeat from one test to the next.
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches
    # The session and the user from the cache, as in production (with Redis): one process, one cache.
    settings.IDENTITY_CACHE_SECONDS = 300


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
    return DepartmentFactory(name="Sales", description="We sell.", mission="Win **fairly**.")


@pytest.fixture
def other_department(db):
    return DepartmentFactory(name="Legal", description="Contracts.")


@pytest.fixture
def member(department):
    user = UserFactory(email="member@example.com", display_name="Mia Member", bio="I like **pricing**.")
    add_member(department, user)
    return user


@pytest.fixture
def colleague(department):
    """A second plain member of Sales: for checks of one member against another member's content."""
    user = UserFactory(email="colleague@example.com", display_name="Carl Colleague")
    add_member(department, user)
    return user


@pytest.fixture
def manager(department):
    user = UserFactory(email="manager@example.com", display_name="Max Manager")
    add_member(department, user, "manager")
    return user


@pytest.fixture
def outsider(other_department):
    user = UserFactory(email="outsider@example.com", display_name="Olga Outsider")
    add_member(other_department, user)
    return user


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@example.com", display_name="Ada Admin", is_staff=True)


CAST = ("anonymous", "outsider", "member", "manager", "admin_user")


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
