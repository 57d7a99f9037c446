"""Topology test fixtures: users with a password the production processes can check, logs on failure."""

import pytest

from tests.factories import PASSWORD  # noqa: F401 - the cast's password, re-exported for the tests
from tests.topology import stack as stack_module
from tests.topology.stack import Stack


@pytest.fixture
def argon2_passwords(settings):
    """The production processes check passwords with the production hashers (the suite uses MD5)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]


@pytest.fixture
def stack(transactional_db, argon2_passwords, tmp_path, settings):
    running = Stack(tmp_path, settings.SECRET_KEY).start()
    yield running
    running.stop()


@pytest.fixture
def web_stack(transactional_db, argon2_passwords, tmp_path, settings):
    """nginx and the daphne processes only, for tests that need no background work (one process less to start)."""
    running = Stack(tmp_path, settings.SECRET_KEY, with_worker=False).start()
    yield running
    running.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """When a topology test fails, show what its processes logged (their errors never reach the client)."""
    report = yield
    if report.failed and stack_module.started:
        for process in stack_module.started:
            report.sections.append((f"{process.name} log", process.log() or "(empty)"))
    if report.when == "teardown":
        stack_module.started.clear()
    return report
