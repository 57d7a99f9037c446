"""Live-layer fixtures: real daphne processes and a throwaway redis-server (tests/chat/servers.py)."""

import shutil

import pytest

from tests.chat.conftest import pytest_runtest_makereport, sales_room  # noqa: F401 - logs of failed servers; the Sales room
from tests.chat.servers import RedisServer
from tests.conftest import STRICT


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own, to kill and restart."""
    if not shutil.which("redis-server"):
        message = "redis-server is not installed (this test runs its own)"
        if STRICT:
            pytest.fail(message)
        pytest.skip(message)
    redis = RedisServer(workdir=tmp_path).start()
    yield redis
    redis.stop()
