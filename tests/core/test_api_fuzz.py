"""Schemathesis against the live app: every operation of /api/schema/, as a member and as a manager.

A real daphne process serves the test database (tests/browser.py); the fuzzer sends what
the schema allows and what it does not (positive and negative data) with a fixed seed and
a bounded number of examples per operation, and fails on any 5xx, on a response that does
not match the schema, and on a status code the schema does not document. Path parameters
are the ids of real objects (tests/world.py), so requests reach the views' code rather
than stopping at a 404; ids out of range are tested in tests/core/test_ids.py.
"""

import pytest
import schemathesis
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import UserFactory, add_member
from tests.world import api_values, build_world

SEED = 20261109
EXAMPLES_PER_OPERATION = 5
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
TIMEOUT_S = 10

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(params=["member", "manager"])
def fuzzer(request, live_site, department, member, manager) -> dict:
    """Who the fuzzer is (a member or a manager of Sales), their token, and the world it fuzzes."""
    colleague = UserFactory(email="colleague@example.com", display_name="Carl Colleague")
    add_member(department, colleague)
    world = build_world(department=department, member=member, manager=manager, colleague=colleague)
    user = member if request.param == "member" else manager
    return {"user": user, "token": Token.objects.create(user=user).key, "world": world}


@pytest.fixture
def api_schema(live_site, fuzzer):
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": live_site.url,
            "headers": {"Authorization": f"Token {fuzzer['token']}"},
            "request-timeout": TIMEOUT_S,
            "generation": {
                "max-examples": EXAMPLES_PER_OPERATION,
                "mode": "all",
                "database": "none",
                "with-security-parameters": False,  # the token is ours; tests/accounts tries bad ones
            },
            "phases": {
                "examples": {"enabled": False},
                "coverage": {"enabled": False},
                "stateful": {"enabled": False},
                "fuzzing": {"enabled": True},
            },
        }
    )
    return schemathesis.openapi.from_url(
        f"{live_site.url}/api/schema/", config=config, headers={"Authorization": f"Token {fuzzer['token']}"}
    )


@schema.parametrize()
def test_the_api_holds_against_the_fuzzer(case, fuzzer):
    values = api_values(case.path, fuzzer["world"])
    case.path_parameters = {name: values[name] for name in case.path_parameters or {}}
    case.call_and_validate(checks=CHECKS, timeout=TIMEOUT_S)
    if (case.method, case.path) == ("DELETE", "/api/v1/auth/token/"):
        # The fuzzer just revoked its own token: give it back, or every later request is a 401.
        Token.objects.get_or_create(user=fuzzer["user"], defaults={"key": fuzzer["token"]})
