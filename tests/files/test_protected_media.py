"""Uploaded files are never public: a view checks login and permission before any byte leaves."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.departments.services import department_set_image
from apps.people.services import profile_set_photo
from tests.factories import image_bytes
from tests.matrix import cases, check, expect, matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def department_image_url(department):
    department_set_image(
        acting_user=None, department=department, upload=SimpleUploadedFile("d.png", image_bytes("PNG"))
    )
    return f"/media/{department.image.name}"


@pytest.fixture
def photo_url(member):
    profile_set_photo(acting_user=None, profile=member.profile, upload=SimpleUploadedFile("p.jpg", image_bytes()))
    return f"/media/{member.profile.photo.name}"


ROUTES = matrix(
    ("get", "{department_image}", None, expect(302, 404, 200, 200, 200)),  # department metadata: admins too
    ("get", "{photo}", None, expect(302, 200, 200, 200, 200)),  # the directory is for every colleague
)


@pytest.fixture
def world(member, manager, outsider, admin_user, department_image_url, photo_url):
    return {"department_image": department_image_url, "photo": photo_url}


@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_uploads_are_served_only_to_who_may_see_them(client_as, world, route, role):
    response = check(client_as, world, route, role)
    if response.status_code == 200:
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, max-age=3600"
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


def test_a_deactivated_persons_photo_is_no_longer_served(client_as, member, outsider, photo_url):
    member.is_active = False
    member.save()
    assert client_as("outsider").get(photo_url).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/media/../intranet/settings.py", "/media/people/photos/../../../manage.py", "/media/unregistered/secret.txt",
     "/media/people/photos/does-not-exist.jpg"],
)  # fmt: skip
def test_unknown_foreign_and_traversal_paths_get_404(client_as, member, path):
    assert client_as("member").get(path).status_code == 404


def test_production_hands_the_bytes_to_nginx(client_as, member, department_image_url, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    response = client_as("member").get(department_image_url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-media/" + department_image_url.removeprefix("/media/")
    assert response.content == b""


@pytest.mark.parametrize("keyword", ["Token", "Bearer"])
@pytest.mark.parametrize(("role", "expected"), [("outsider", 404), ("member", 200), ("manager", 200)])
def test_api_clients_fetch_files_with_their_token_and_the_same_permission_check(
    request, department_image_url, outsider, manager, keyword, role, expected
):
    token = Token.objects.create(user=request.getfixturevalue(role))
    response = Client(headers={"Authorization": f"{keyword} {token.key}"}).get(department_image_url)
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


def test_the_file_urls_the_api_returns_work_with_the_token(member, photo_url):
    token = Token.objects.create(user=member)
    client = Client(headers={"Authorization": f"Token {token.key}"})
    url = client.get(f"/api/v1/profiles/{member.pk}/").json()["photo_url"]
    assert url == photo_url
    assert client.get(url).status_code == 200


def test_a_wrong_or_a_deactivated_users_token_is_a_401_not_a_login_redirect(member, department_image_url):
    assert Client(headers={"Authorization": "Token nope"}).get(department_image_url).status_code == 401
    token = Token.objects.create(user=member)
    member.is_active = False
    member.save()
    response = Client(headers={"Authorization": f"Token {token.key}"}).get(department_image_url)
    assert response.status_code == 401 and response["WWW-Authenticate"]
