"""Feed pages, files and API: who may do what (the permission matrix), in one world built once for the module."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.feed import services
from tests.matrix import cases, check, expect, matrix
from tests.shared_world import shared_world

from .conftest import jpeg, make_announcement

pytestmark = pytest.mark.django_db


def _world(cast: dict) -> dict:
    department, member = cast["department"], cast["member"]
    announcement = make_announcement(department, cast["manager"])
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n1 0 obj\n", content_type="application/pdf")
    post = services.post_create(
        acting_user=member, department=department, body="Hello", images=[jpeg()], attachments=[pdf]
    )
    comment = services.comment_create(post=post, acting_user=member, body="First")
    return {
        "post": post.pk, "announcement": announcement.pk, "comment": comment.pk, "department": department.pk,
        "image": post.images.get().image.name, "attachment": post.attachments.get().file.name,
    }  # fmt: skip


shared = shared_world(_world)

# Admins are not let into a department's feed by their admin role: confidential posts stay with members.
MATRIX = matrix(
    ("get", "/", {}, expect(302, 200, 200, 200, 200)),
    ("get", "/feed/", {}, expect(302, 200, 200, 200, 200)),
    ("post", "/feed/posts/new/", {"department": "{department}", "body": "Hi", "kind": "post"},
     expect(302, 400, 302, 302, 400)),
    ("get", "/feed/d/sales/", {}, expect(302, 404, 200, 200, 404)),
    ("get", "/feed/d/all-staff/", {}, expect(302, 200, 200, 200, 200)),
    ("get", "/feed/posts/{post}/", {}, expect(302, 404, 200, 200, 404)),
    ("get", "/feed/posts/{post}/card/", {}, expect(302, 404, 200, 200, 404)),
    ("get", "/feed/posts/{post}/edit/", {}, expect(302, 404, 200, 403, 404)),
    ("post", "/feed/posts/{post}/edit/", {"body": "Edited"}, expect(302, 404, 302, 403, 404)),
    ("post", "/feed/posts/{post}/react/", {"emoji": "heart"}, expect(302, 404, 302, 302, 404)),
    ("post", "/feed/posts/{post}/comments/", {"body": "Nice"}, expect(302, 404, 302, 302, 404)),
    ("post", "/feed/posts/{post}/share/", {}, expect(302, 404, 302, 302, 404)),
    ("post", "/feed/posts/{post}/delete/", {}, expect(302, 404, 302, 302, 404)),
    ("post", "/feed/posts/{announcement}/acknowledge/", {}, expect(302, 404, 302, 302, 404)),
    ("post", "/feed/posts/{announcement}/remind/", {}, expect(302, 404, 403, 302, 404)),
    ("post", "/feed/comments/{comment}/edit/", {"body": "x"}, expect(302, 404, 302, 403, 404)),
    ("post", "/feed/comments/{comment}/delete/", {}, expect(302, 404, 302, 302, 404)),
    ("get", "/feed/d/sales/announcements/", {}, expect(302, 404, 403, 200, 404)),
    ("get", "/feed/d/sales/calendar/", {}, expect(302, 404, 302, 302, 404)),
    ("get", "/media/{image}", {}, expect(302, 404, 200, 200, 404)),
    ("get", "/media/{attachment}", {}, expect(302, 404, 200, 200, 404)),
)  # fmt: skip

API_MATRIX = matrix(
    ("get", "/api/v1/posts/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/v1/posts/{post}/", None, expect(401, 404, 200, 200, 404)),
    ("patch", "/api/v1/posts/{post}/", {"body": "Edited"}, expect(401, 404, 200, 403, 404)),
    ("post", "/api/v1/posts/{post}/react/", {"emoji": "heart"}, expect(401, 404, 200, 200, 404)),
    ("get", "/api/v1/posts/{post}/reactions/", None, expect(401, 404, 200, 200, 404)),
    ("get", "/api/v1/posts/{post}/comments/", None, expect(401, 404, 200, 200, 404)),
    ("post", "/api/v1/posts/{post}/comments/", {"body": "Hi"}, expect(401, 404, 201, 201, 404)),
    ("post", "/api/v1/posts/{announcement}/acknowledge/", None, expect(401, 404, 201, 201, 404)),
    ("get", "/api/v1/posts/{announcement}/acknowledgements/", None, expect(401, 404, 403, 200, 404)),
    ("post", "/api/v1/posts/{announcement}/remind/", None, expect(401, 404, 403, 200, 404)),
    ("post", "/api/v1/posts/{post}/share/", None, expect(401, 404, 201, 201, 404)),
    ("get", "/api/v1/posts/scheduled/?department=sales", None, expect(401, 404, 200, 200, 404)),
    ("patch", "/api/v1/comments/{comment}/", {"body": "x"}, expect(401, 404, 200, 403, 404)),
    ("delete", "/api/v1/comments/{comment}/", None, expect(401, 404, 204, 204, 404)),
    ("delete", "/api/v1/posts/{post}/", None, expect(401, 404, 204, 204, 404)),
    ("get", "/api/v1/mentions/?department={department}&q=m", None, expect(401, 404, 200, 200, 404)),
)  # fmt: skip


@pytest.mark.parametrize(("route", "role"), cases(MATRIX + API_MATRIX))
def test_feed_pages_files_and_api_check_permissions(shared, route, role):
    check(shared.client_as, shared.world, route, role)
