"""Live feed updates over real WebSocket connections: watchers of a feed get ids and counts, others nothing."""

from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from apps.feed import services
from tests.factories import PASSWORD, DepartmentFactory, UserFactory, add_member

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def _socket(email: str) -> WebsocketCommunicator:
    from intranet.asgi import application

    client = Client()
    await sync_to_async(client.post)("/accounts/login/", {"username": email, "password": PASSWORD})
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    communicator = WebsocketCommunicator(
        application, "/ws/", headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", cookie)]
    )
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from())["type"] == "hello"
    return communicator


@sync_to_async
def _setup():
    sales = DepartmentFactory(name="Sales")
    legal = DepartmentFactory(name="Legal")
    mia = UserFactory(email="mia@example.com", display_name="Mia")
    max_ = UserFactory(email="max@example.com", display_name="Max")
    olga = UserFactory(email="olga@example.com", display_name="Olga")
    add_member(sales, mia)
    add_member(sales, max_)
    add_member(legal, olga)
    return SimpleNamespace(sales=sales, legal=legal, mia=mia, max=max_, olga=olga)


def _in_transaction(func, **kwargs):
    with transaction.atomic():
        return func(**kwargs)


async def test_posts_comments_and_reactions_reach_watchers_of_the_feed_only():
    cast = await _setup()
    sales, max_ = cast.sales, cast.max
    watcher = await _socket("mia@example.com")
    outsider = await _socket("olga@example.com")
    await watcher.send_json_to({"type": "watch", "topic": f"feed:{sales.pk}"})
    assert (await watcher.receive_json_from())["type"] == "watching"
    await outsider.send_json_to({"type": "watch", "topic": f"feed:{sales.pk}"})
    assert (await outsider.receive_json_from())["code"] == "unknown_topic"

    post = await sync_to_async(_in_transaction)(services.post_create, acting_user=max_, department=sales, body="Live!")
    assert await watcher.receive_json_from() == {
        "type": "feed.post",
        "department": sales.pk,
        "post": post.pk,
        "action": "created",
    }

    await sync_to_async(_in_transaction)(services.comment_create, post=post, acting_user=max_, body="First")
    frame = await watcher.receive_json_from()
    assert frame["type"] == "feed.comment" and frame["comment_count"] == 1 and frame["action"] == "created"

    await sync_to_async(_in_transaction)(services.reaction_toggle, post=post, acting_user=max_, emoji="party")
    assert await watcher.receive_json_from() == {
        "type": "feed.reactions",
        "department": sales.pk,
        "post": post.pk,
        "counts": {"party": 1},
    }

    assert await outsider.receive_nothing(timeout=0.3)
    await watcher.disconnect()
    await outsider.disconnect()


async def test_a_mention_updates_the_notification_badge_live():
    cast = await _setup()
    sales, max_ = cast.sales, cast.max
    socket = await _socket("mia@example.com")
    await sync_to_async(_in_transaction)(
        services.post_create, acting_user=max_, department=sales, body="Thanks @**Mia**"
    )
    frame = await socket.receive_json_from()
    assert frame["type"] == "notification" and frame["unread_count"] == 1
    assert frame["notification"]["kind"] == "mention"
    await socket.disconnect()


async def test_nothing_is_sent_when_the_transaction_rolls_back():
    cast = await _setup()
    sales, max_ = cast.sales, cast.max
    socket = await _socket("mia@example.com")
    await socket.send_json_to({"type": "watch", "topic": f"feed:{sales.pk}"})
    await socket.receive_json_from()

    def create_then_fail():
        with transaction.atomic():
            services.post_create(acting_user=max_, department=sales, body="Never happened")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await sync_to_async(create_then_fail)()
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()
