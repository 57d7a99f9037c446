"""The /ws/ socket over real WebSocket connections (Channels' communicator, the project's ASGI app)."""

import os

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from django.test import Client

from apps.accounts.services import user_deactivate
from tests.factories import PASSWORD, UserFactory
from tests.sockets import open_socket, refusal

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def application():
    from intranet.asgi import application

    return application


@pytest.fixture
def alice_session(transactional_db):
    user = UserFactory(email="alice@example.com", display_name="Alice")
    client = Client()
    client.post("/accounts/login/", {"username": "alice@example.com", "password": PASSWORD})
    return user, client


def cookie(client: Client) -> str:
    return client.cookies["sessionid"].value


async def test_a_socket_without_a_session_is_refused(application, transactional_db):
    assert await refusal(application) == 4401


async def test_a_socket_from_a_foreign_origin_is_refused(application, alice_session):
    await refusal(application, cookie=cookie(alice_session[1]), origin=(b"origin", b"https://evil.example.net"))


async def test_a_logged_in_user_connects_and_bad_frames_get_error_frames(application, alice_session):
    user, client = alice_session
    socket = await open_socket(application, user, cookie=cookie(client))
    assert socket.hello == {"type": "hello", "user": {"id": user.pk, "name": "Alice"}}
    await socket.send_text("{not json")
    assert (await socket.receive())["code"] == "bad_json"
    await socket.send(["a", "list"])
    assert (await socket.receive())["code"] == "bad_frame"
    await socket.send({"type": "dance"})
    frame = await socket.receive()
    assert frame == {"type": "error", "code": "unknown_type", "detail": "Unknown frame type 'dance'."}
    await socket.send({"type": "ping"})  # the connection survived every bad frame
    assert await socket.receive() == {"type": "pong"}
    await socket.close()


async def test_deactivation_closes_every_open_socket_of_the_user(application, alice_session):
    user, client = alice_session
    tabs = [await open_socket(application, user, cookie=cookie(client)) for _ in range(2)]
    await sync_to_async(user_deactivate)(acting_user=None, user=user)
    for tab in tabs:
        assert await tab.closed() == 4403


async def test_logout_closes_the_sockets_of_that_browser_session_only(application, alice_session):
    user, client = alice_session
    other_browser = Client()
    await sync_to_async(other_browser.post)("/accounts/login/", {"username": "alice@example.com", "password": PASSWORD})
    this_tab = await open_socket(application, user, cookie=cookie(client))
    other_tab = await open_socket(application, user, cookie=cookie(other_browser))
    await sync_to_async(client.post)("/accounts/logout/")
    assert await this_tab.closed() == 4403
    await other_tab.send({"type": "ping"})
    assert await other_tab.receive() == {"type": "pong"}
    await other_tab.close()


@pytest.mark.needs_redis
async def test_deactivation_reaches_sockets_through_the_redis_channel_layer(application, alice_session, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]], "prefix": settings.CHANNEL_PREFIX},  # tests/isolation.py
        }
    }
    channel_layers.backends.clear()
    try:
        user, client = alice_session
        socket = await open_socket(application, user, cookie=cookie(client))
        await sync_to_async(user_deactivate)(acting_user=None, user=user)
        assert await socket.closed() == 4403
    finally:
        channel_layers.backends.clear()


async def test_watching_a_topic_checks_permission_and_delivers_published_frames(application, alice_session):
    from django.db import transaction

    from apps.realtime import topics
    from tests.factories import DepartmentFactory, add_member

    user, client = alice_session
    mine = await sync_to_async(DepartmentFactory)(name="Mine")
    theirs = await sync_to_async(DepartmentFactory)(name="Theirs")
    await sync_to_async(add_member)(mine, user)
    socket = await open_socket(application, user, cookie=cookie(client))
    await socket.send({"type": "watch", "topic": f"feed:{theirs.pk}"})
    assert (await socket.receive())["code"] == "unknown_topic"
    await socket.send({"type": "watch", "topic": "nonsense"})
    assert (await socket.receive())["code"] == "unknown_topic"
    await socket.send({"type": "watch", "topic": f"feed:{mine.pk}"})
    assert await socket.receive() == {"type": "watching", "topic": f"feed:{mine.pk}"}

    def frame(department) -> dict:
        return {"type": "feed.post", "department": department.pk, "post": 1, "action": "created"}

    def publish_both():
        with transaction.atomic():
            topics.publish("feed", theirs.pk, frame(theirs))
            topics.publish("feed", mine.pk, frame(mine))

    await sync_to_async(publish_both)()
    assert await socket.receive() == frame(mine)
    assert await socket.nothing(timeout=0.2, ignore=())
    await socket.close()
