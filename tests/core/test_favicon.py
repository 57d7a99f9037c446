"""/favicon.ico: browsers ask it of every page that names no icon (the API's browsable pages, JSON)."""

import pytest
from django.templatetags.static import static
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_icon_is_a_redirect_to_the_static_one_for_anyone(signed_in, member):
    client = Client()
    if signed_in:
        client.force_login(member)
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == static("img/favicon.svg")
    assert client.head("/favicon.ico").status_code == 301


def test_nothing_but_reading_it(member):
    assert Client().post("/favicon.ico").status_code == 405
