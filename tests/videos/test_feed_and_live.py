"""A video in the feed and the feed under the video: the announcement's poster card, its comments
and reactions on the video page (the feed's own, one comment system), and the managers'
dashboard that counts completions live over /ws/."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from apps.core.errors import Conflict
from apps.feed import services as feed
from apps.videos import services
from apps.videos.models import Video
from tests.sockets import open_socket


@pytest.fixture
def announced(video, member):
    post = services.video_announce(acting_user=member, video_id=video.pk)
    video.refresh_from_db()
    return video, post


def _card(page: str, video: Video) -> bool:
    return f'data-video-card="{video.pk}"' in page and f'src="/media/{video.poster}"' in page


@pytest.mark.django_db
def test_the_announcement_is_a_poster_card_with_title_duration_and_play_link(client_as, announced):
    video, post = announced
    assert video.announced_post == post
    for url in ("/feed/", "/feed/d/sales/", f"/feed/posts/{post.pk}/", f"/feed/posts/{post.pk}/card/"):
        page = client_as("member").get(url).content.decode()
        assert _card(page, video), url
        assert f'href="/videos/{video.pk}/"' in page and video.title in page and "0:02" in page
    assert client_as("outsider").get(f"/media/{video.poster}").status_code == 404  # the poster: readers only


@pytest.mark.django_db
def test_the_cached_card_follows_a_new_title_and_loses_the_poster_when_the_video_goes(
    client_as, member, announced, django_capture_on_commit_callbacks
):
    video, _ = announced
    client = client_as("manager")
    assert _card(client.get("/feed/d/sales/").content.decode(), video)  # rendered and cached
    with django_capture_on_commit_callbacks(execute=True):  # the card is forgotten when the change commits
        services.video_update(acting_user=member, video_id=video.pk, title="Closing, revised")
    assert "Closing, revised" in client.get("/feed/d/sales/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.video_delete(acting_user=member, video_id=video.pk)
    page = client.get("/feed/d/sales/").content.decode()
    assert "New video:" in page and f'data-video-card="{video.pk}"' not in page and video.poster not in page


@pytest.mark.django_db
def test_comments_and_reactions_on_the_video_page_are_the_posts(client_as, announced, django_assert_max_num_queries):
    video, post = announced
    client = client_as("colleague")
    back = f"/videos/{video.pk}/#comments"
    response = client.post(f"/feed/posts/{post.pk}/comments/", {"body": "Great **call**", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert client.post(f"/feed/posts/{post.pk}/react/", {"emoji": "heart", "next": back})["Location"] == back
    page = client.get(f"/videos/{video.pk}/").content.decode()
    assert "Great <strong>call</strong>" in page and 'aria-label="Heart reaction, 1"' in page
    assert f'action="/feed/posts/{post.pk}/react/"' in page and f'action="/feed/posts/{post.pk}/comments/"' in page
    assert f'name="next" value="/videos/{video.pk}/#comments"' in page  # every form comes back here
    post.refresh_from_db()
    assert post.comment_count == 1 and post.reaction_counts == {"heart": 1}
    assert (
        "<span data-comment-count>1</span> comment" in client.get("/feed/d/sales/").content.decode()
    )  # the feed card shows the same
    for n in range(5):
        feed.comment_create(acting_user=video.uploader, post=post, body=f"More {n}")
    with django_assert_max_num_queries(24):
        assert "More 4" in client.get(f"/videos/{video.pk}/").content.decode()


@pytest.mark.django_db
def test_a_video_without_a_post_is_announced_by_its_uploader_or_a_manager_once(client_as, video, member, manager):
    url = f"/videos/{video.pk}/"
    assert "Announce it in the feed" in client_as("member").get(url).content.decode()
    colleague_page = client_as("colleague").get(url).content.decode()
    assert "Announce it in the feed" not in colleague_page and "has none yet" in colleague_page
    assert client_as("colleague").post(f"{url}announce/").status_code == 403
    post = services.video_announce(acting_user=manager, video_id=video.pk)
    assert post.author == manager and post.department_id == video.department_id
    with pytest.raises(Conflict):
        services.video_announce(acting_user=member, video_id=video.pk)
    feed.post_delete(acting_user=manager, post=post)  # the announcement deleted: no discussion, announce again
    assert "Announce it in the feed" in client_as("member").get(url).content.decode()
    api = client_as("member").post(f"/api/v1/videos/{video.pk}/announce/")
    assert api.status_code == 201 and api.json()["post"] not in (None, post.pk)
    again = client_as("manager").post(f"/api/v1/videos/{video.pk}/announce/")
    assert again.status_code == 409 and again.json()["code"] == "already_announced"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_dashboard_counts_completions_live(department, member, colleague, manager):
    from intranet.asgi import application

    video = await Video.objects.acreate(
        department=department, uploader=member, title="Live", status=Video.Status.READY, duration=2
    )
    socket = await open_socket(application, manager)
    await socket.send({"type": "watch", "topic": f"video_completion:{video.pk}"})
    assert (await socket.receive())["type"] == "watching"
    start = timezone.now()
    for index, position in enumerate([0, 1, 2]):
        await sync_to_async(services.progress_report)(
            acting_user=colleague, video_id=video.pk, position=position, now=start + timedelta(seconds=index)
        )
    frame = await socket.receive_until("video.completion")
    assert frame == {
        "type": "video.completion", "video": video.pk, "completed": 1, "total": 3, "percent": 100,
        "user": {"id": colleague.pk, "name": "Carl Colleague"}, "completed_at": frame["completed_at"],
    }  # fmt: skip
    await socket.close()
