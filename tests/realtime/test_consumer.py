"""The /ws/ socket over real WebSocket connections (Channels' communicator, the project's ASGI app)."""

import os

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.test import Client

from apps.accounts.services import user_deactivate
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


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


def connect(application, client: Client | None = None, origin=ORIGIN) -> WebsocketCommunicator:
    headers = [origin] if origin else []
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return WebsocketCommunicator(application, "/ws/", headers=headers)


async def test_a_socket_without_a_session_is_refused(application, transactional_db):
    communicator = connect(application)
    connected, code = await communicator.connect()
    assert not connected and code == 4401


async def test_a_socket_from_a_foreign_origin_is_refused(application, alice_session):
    communicator = connect(application, alice_session[1], origin=(b"origin", b"https://evil.example.net"))
    connected, _ = await communicator.connect()
    assert not connected


async def test_a_logged_in_user_connects_and_bad_frames_get_error_frames(application, alice_session):
    user, client = alice_session
    communicator = connect(application, client)
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_json_from() == {"type": "hello", "user": {"id": user.pk, "name": "Alice"}}
    await communicator.send_to(text_data="{not json")
    assert (await communicator.receive_json_from())["code"] == "bad_json"
    await communicator.send_json_to(["a", "list"])
    assert (await communicator.receive_json_from())["code"] == "bad_frame"
    await communicator.send_json_to({"type": "dance"})
    frame = await communicator.receive_json_from()
    assert frame == {"type": "error", "code": "unknown_type", "detail": "Unknown frame type 'dance'."}
    await communicator.send_json_to({"type": "ping"})  # the connection survived every bad frame
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


async def _assert_closed(communicator: WebsocketCommunicator, code: int) -> None:
    output = await communicator.receive_output(timeout=5)
    assert output == {"type": "websocket.close", "code": code}


async def test_deactivation_closes_every_open_socket_of_the_user(application, alice_session):
    user, client = alice_session
    tabs = [connect(application, client), connect(application, client)]
    for tab in tabs:
        assert (await tab.connect())[0]
        await tab.receive_json_from()
    await sync_to_async(user_deactivate)(acting_user=None, user=user)
    for tab in tabs:
        await _assert_closed(tab, 4403)


async def test_logout_closes_the_sockets_of_that_browser_session_only(application, alice_session):
    _, client = alice_session
    other_browser = Client()
    await sync_to_async(other_browser.post)("/accounts/login/", {"username": "alice@example.com", "password": PASSWORD})
    this_tab, other_tab = connect(application, client), connect(application, other_browser)
    for tab in (this_tab, other_tab):
        assert (await tab.connect())[0]
        await tab.receive_json_from()
    await sync_to_async(client.post)("/accounts/logout/")
    await _assert_closed(this_tab, 4403)
    await other_tab.send_json_to({"type": "ping"})
    assert await other_tab.receive_json_from() == {"type": "pong"}
    await other_tab.disconnect()


@pytest.mark.needs_redis
async def test_deactivation_reaches_sockets_through_the_redis_channel_layer(application, alice_session, settings):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [os.environ["REDIS_URL"]]}}
    }
    channel_layers.backends.clear()
    try:
        user, client = alice_session
        communicator = connect(application, client)
        assert (await communicator.connect())[0]
        await communicator.receive_json_from()
        await sync_to_async(user_deactivate)(acting_user=None, user=user)
        await _assert_closed(communicator, 4403)
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
    communicator = connect(application, client)
    assert (await communicator.connect())[0]
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "watch", "topic": f"feed:{theirs.pk}"})
    assert (await communicator.receive_json_from())["code"] == "unknown_topic"
    await communicator.send_json_to({"type": "watch", "topic": "nonsense"})
    assert (await communicator.receive_json_from())["code"] == "unknown_topic"
    await communicator.send_json_to({"type": "watch", "topic": f"feed:{mine.pk}"})
    assert await communicator.receive_json_from() == {"type": "watching", "topic": f"feed:{mine.pk}"}

    def frame(department) -> dict:
        return {"type": "feed.post", "department": department.pk, "post": 1, "action": "created"}

    def publish_both():
        with transaction.atomic():
            topics.publish("feed", theirs.pk, frame(theirs))
            topics.publish("feed", mine.pk, frame(mine))

    await sync_to_async(publish_both)()
    assert await communicator.receive_json_from() == frame(mine)
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()
