import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_openapi_schema_is_valid_and_generates_without_warnings(tmp_path):
    """A warning means a client generated from the schema would get a wrong type somewhere."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/posts/" in (tmp_path / "schema.yaml").read_text()


@pytest.mark.django_db
def test_the_schema_and_docs_need_a_login(client_as, member):
    from django.test import Client

    assert Client().get("/api/schema/").status_code == 401
    assert Client().get("/api/docs/").status_code == 302
    assert client_as("member").get("/api/schema/").status_code == 200
    assert client_as("member").get("/api/docs/").status_code == 200


def _integers_without_bounds(node, where: str):
    if isinstance(node, dict):
        if node.get("type") == "integer" and not ("maximum" in node and "minimum" in node):
            yield where
        for key, value in node.items():
            yield from _integers_without_bounds(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _integers_without_bounds(value, f"{where}[{i}]")


@pytest.mark.django_db
def test_every_integer_a_client_sends_is_bounded_in_the_schema():
    """An id or a count beyond PostgreSQL's bigint names nothing: the schema says so (IdField, IdRelatedField)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    unbounded = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                unbounded += _integers_without_bounds(parameter["schema"], f"{method} {path} {parameter['name']}")
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request"):  # what clients send (COMPONENT_SPLIT_REQUEST)
            unbounded += _integers_without_bounds(component, name)
    assert unbounded == []


@pytest.mark.django_db
def test_every_operation_documents_the_errors_it_can_give():
    from tests.world import api_operations

    for method, path, operation in api_operations():
        documented = set(operation["responses"])
        assert {"400", "401", "403"} <= documented, (method, path)
        if "{" in path:
            assert "404" in documented, (method, path)
        if method != "GET":
            assert "409" in documented, (method, path)
        for status in documented - {"200", "201", "202", "204"}:
            assert operation["responses"][status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }, (method, path, status)
