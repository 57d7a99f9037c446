import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.feed import services
from apps.feed.models import Post
from tests.factories import image_bytes

pytestmark = pytest.mark.django_db

API_MATRIX = [
    ("get", "/api/v1/posts/", None, {"anonymous": 401, "outsider": 200, "member": 200, "manager": 200, "admin_user": 200}),
    ("get", "/api/v1/posts/{post}/", None, {"anonymous": 401, "outsider": 404, "member": 200, "manager": 200, "admin_user": 404}),
    ("patch", "/api/v1/posts/{post}/", {"body": "Edited"}, {"anonymous": 401, "outsider": 404, "member": 200, "manager": 403, "admin_user": 404}),
    ("post", "/api/v1/posts/{post}/react/", {"emoji": "heart"}, {"anonymous": 401, "outsider": 404, "member": 200, "manager": 200, "admin_user": 404}),
    ("get", "/api/v1/posts/{post}/reactions/", None, {"anonymous": 401, "outsider": 404, "member": 200, "manager": 200, "admin_user": 404}),
    ("get", "/api/v1/posts/{post}/comments/", None, {"anonymous": 401, "outsider": 404, "member": 200, "manager": 200, "admin_user": 404}),
    ("post", "/api/v1/posts/{post}/comments/", {"body": "Hi"}, {"anonymous": 401, "outsider": 404, "member": 201, "manager": 201, "admin_user": 404}),
    ("post", "/api/v1/posts/{announcement}/acknowledge/", None, {"anonymous": 401, "outsider": 404, "member": 201, "manager": 201, "admin_user": 404}),
    ("get", "/api/v1/posts/{announcement}/acknowledgements/", None, {"anonymous": 401, "outsider": 404, "member": 403, "manager": 200, "admin_user": 404}),
    ("post", "/api/v1/posts/{announcement}/remind/", None, {"anonymous": 401, "outsider": 404, "member": 403, "manager": 200, "admin_user": 404}),
    ("post", "/api/v1/posts/{post}/share/", None, {"anonymous": 401, "outsider": 404, "member": 201, "manager": 201, "admin_user": 404}),
    ("get", "/api/v1/posts/scheduled/?department=sales", None, {"anonymous": 401, "outsider": 404, "member": 200, "manager": 200, "admin_user": 404}),
    ("patch", "/api/v1/comments/{comment}/", {"body": "x"}, {"anonymous": 401, "outsider": 404, "member": 200, "manager": 403, "admin_user": 404}),
    ("delete", "/api/v1/comments/{comment}/", None, {"anonymous": 401, "outsider": 404, "member": 204, "manager": 204, "admin_user": 404}),
    ("delete", "/api/v1/posts/{post}/", None, {"anonymous": 401, "outsider": 404, "member": 204, "manager": 204, "admin_user": 404}),
    ("get", "/api/v1/mentions/?department={department}&q=m", None, {"anonymous": 401, "outsider": 404, "member": 200, "manager": 200, "admin_user": 404}),
]  # fmt: skip


@pytest.fixture
def ids(post, announcement, member):
    comment = services.comment_create(post=post, author=member, body="Mine")
    return {"post": post.pk, "announcement": announcement.pk, "comment": comment.pk, "department": post.department_id}


@pytest.mark.parametrize(
    ("method", "url", "data", "role", "expected"),
    [pytest.param(m, u, d, r, e[r], id=f"{m} {u} as {r}") for m, u, d, e in API_MATRIX for r in e],
)
def test_feed_api_checks_permissions(client_as, ids, outsider, admin_user, manager, method, url, data, role, expected):
    response = getattr(client_as(role), method)(url.format(**ids), data, content_type="application/json")
    assert response.status_code == expected, response.content[:300]


def test_a_post_with_images_is_created_through_the_api_and_listed(client_as, department, member):
    client = client_as("member")
    response = client.post(
        "/api/v1/posts/",
        {"department": "sales", "body": "From the API", "images": [SimpleUploadedFile("a.png", image_bytes("PNG"))]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["department"] == "sales" and len(body["images"]) == 1
    assert body["images"][0]["url"].startswith("/media/feed/images/")
    listed = client.get("/api/v1/posts/").json()["results"]
    assert [p["body"] for p in listed] == ["From the API"]


def test_api_errors_are_clear_and_change_nothing(client_as, department, member, other_department):
    client = client_as("member")
    cases = [
        ({"department": "sales", "body": ""}, "body"),
        ({"department": "legal", "body": "Hi"}, "department"),
        ({"department": "sales", "body": "x" * 10_001}, "body"),
        ({"department": "sales", "body": "Hi", "images": [SimpleUploadedFile("x.jpg", b"not an image")]}, "images"),
    ]
    for data, field in cases:
        response = client.post("/api/v1/posts/", data)
        assert response.status_code == 400, data
        assert field in response.json()["errors"], response.json()
    assert not Post.objects.exists()


def test_reacting_with_an_unknown_emoji_is_a_400(client_as, post):
    response = client_as("member").post(
        f"/api/v1/posts/{post.pk}/react/", {"emoji": "skull"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "Unknown reaction" in str(response.json()["errors"])


@pytest.mark.parametrize("page_size", [5, 25])
def test_the_api_feed_uses_a_constant_number_of_queries(
    client_as, department, member, manager, page_size, django_assert_num_queries
):
    from .conftest import jpeg

    for i in range(30):
        post = services.post_create(
            author=manager, department=department, body=f"Post {i}", images=[jpeg()] if i % 4 == 0 else []
        )
        services.comment_create(post=post, author=member, body="ok")
        services.reaction_toggle(post=post, user=member, emoji="heart")
    client = client_as("member")
    # session, user, posts, images, attachments, my reactions, my acknowledgements
    with django_assert_num_queries(7):
        page = client.get(f"/api/v1/posts/?page_size={page_size}").json()
    assert len(page["results"]) == page_size and page["next"]
