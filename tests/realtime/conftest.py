"""Live-layer fixtures: real daphne processes and a throwaway redis-server (tests/chat/servers.py)."""

from tests.chat.conftest import (  # noqa: F401 - logs of failed servers; the Sales room; a private Redis
    own_redis,
    pytest_runtest_makereport,
    sales_room,
)
