import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.feed import services
from apps.feed.models import Post
from tests.factories import image_bytes

pytestmark = pytest.mark.django_db


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
            acting_user=manager, department=department, body=f"Post {i}", images=[jpeg()] if i % 4 == 0 else []
        )
        services.comment_create(post=post, acting_user=member, body="ok")
        services.reaction_toggle(post=post, acting_user=member, emoji="heart")
    client = client_as("member")
    # user (the session is cached; the user too, from the next request), the departments read (the
    # audience), posts (with author, profile and department), images, attachments, and my reactions with
    # my acknowledgements (one query)
    with django_assert_num_queries(6):
        page = client.get(f"/api/v1/posts/?page_size={page_size}").json()
    assert len(page["results"]) == page_size and page["next"]
    with django_assert_num_queries(4):  # the next page, not kept: no audience to ask for, the user from the cache
        following = client.get(page["next"]).json()
    assert len(following["results"]) == min(page_size, 30 - page_size)
