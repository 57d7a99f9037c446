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
