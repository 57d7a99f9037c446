"""Redis names of its own for each test run and each xdist worker, set before Django reads its settings.

Loaded as a plugin (`-p tests.isolation` in pyproject's addopts), which pytest imports before
pytest-django imports `intranet.settings`. Workers share one Redis, and every worker's test
database counts ids from 1: without this, two workers would hear each other's `chat.room.1`
(pub/sub names are server-wide), see each other's presence and count each other's rate limits.
The names go into `os.environ`, so the daphne processes that a worker's browser tests start
inherit them and share that worker's events, and nobody else's. (The scale-out tests give
their servers names of their own, per test: tests/chat/servers.py.)

Test databases need nothing here: pytest-django suffixes each worker's (`test_<name>_gw0`,
`.test-db-<pid>.sqlite3_gw0`).
"""

import os
import uuid

# One id per run, shared by its workers (xdist sets it before importing this); a serial run makes its own.
_run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")

REDIS_PREFIX = f"test.{_run[:12]}.{_worker}"

os.environ["CHANNEL_PREFIX"] = REDIS_PREFIX
os.environ["CACHE_KEY_PREFIX"] = REDIS_PREFIX
