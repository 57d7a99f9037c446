"""DRF's browsable API pages (templates/rest_framework/api.html) are readable on a phone, and load only our assets."""

import re

import pytest
from django.templatetags.static import static

pytestmark = pytest.mark.django_db


def test_a_member_browsing_the_api_gets_a_viewport_and_our_stylesheet(client_as):
    response = client_as("member").get("/api/v1/posts/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert f'<link rel="stylesheet" href="{static("css/api-browse.css")}">' in page
    assets = re.findall(r'(?:href|src)="([^"#]+\.(?:css|js))"', page)
    assert assets and all(asset.startswith("/static/") for asset in assets)  # no third-party asset
