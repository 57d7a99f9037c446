"""Chat test fixtures: rooms for the shared cast, and real sockets on the project's ASGI app."""

import shutil

import pytest

from apps.chat import services
from apps.chat.models import Room
from apps.departments.services import company_wide_department


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    """Tests send many messages quickly; the rate limit has its own test.

    (Each test also gets new channel layers, and so a new chat hub: tests/conftest.py.)
    """
    settings.CHAT_RATE_LIMIT_MESSAGES = 0


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """When a test with server processes fails, show what they logged (their errors never reach the client)."""
    from tests.chat import servers

    report = yield
    if report.failed and servers.started:
        for server in servers.started:
            report.sections.append((f"{server.name} log", server.log() or "(empty)"))
    if report.when == "teardown":
        servers.started.clear()
    return report


@pytest.fixture
def sales_room(department) -> Room:
    return Room.objects.get(department=department)


@pytest.fixture
def legal_room(other_department) -> Room:
    return Room.objects.get(department=other_department)


@pytest.fixture
def all_staff_room(db) -> Room:
    return services.chat_room_for_department(company_wide_department())


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own (tests/chat/servers.py), to kill and restart; never the shared one."""
    from tests.chat.servers import RedisServer
    from tests.conftest import STRICT

    if not shutil.which("redis-server"):
        message = "redis-server is not installed (this test runs its own)"
        if STRICT:
            pytest.fail(message)
        pytest.skip(message)
    redis = RedisServer(workdir=tmp_path).start()
    yield redis
    redis.stop()
