"""Live feed updates over real WebSocket connections: watchers of a feed get ids and counts, others nothing."""

from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from apps.feed import services
from tests.factories import DepartmentFactory, UserFactory, add_member
from tests.sockets import AppSocket, open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def _socket(user) -> AppSocket:
    from intranet.asgi import application

    return await open_socket(application, user)


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
    watcher = await _socket(cast.mia)
    outsider = await _socket(cast.olga)
    await watcher.send({"type": "watch", "topic": f"feed:{sales.pk}"})
    assert (await watcher.receive())["type"] == "watching"
    await outsider.send({"type": "watch", "topic": f"feed:{sales.pk}"})
    assert (await outsider.receive())["code"] == "unknown_topic"

    post = await sync_to_async(_in_transaction)(services.post_create, acting_user=max_, department=sales, body="Live!")
    assert await watcher.receive() == {
        "type": "feed.post",
        "department": sales.pk,
        "post": post.pk,
        "action": "created",
    }

    await sync_to_async(_in_transaction)(services.comment_create, post=post, acting_user=max_, body="First")
    frame = await watcher.receive()
    assert frame["type"] == "feed.comment" and frame["comment_count"] == 1 and frame["action"] == "created"

    await sync_to_async(_in_transaction)(services.reaction_toggle, post=post, acting_user=max_, emoji="party")
    assert await watcher.receive() == {
        "type": "feed.reactions",
        "department": sales.pk,
        "post": post.pk,
        "counts": {"party": 1},
    }

    assert await outsider.nothing(timeout=0.3, ignore=())
    await watcher.close()
    await outsider.close()


async def test_a_mention_updates_the_notification_badge_live():
    cast = await _setup()
    sales, max_ = cast.sales, cast.max
    socket = await _socket(cast.mia)
    await sync_to_async(_in_transaction)(
        services.post_create, acting_user=max_, department=sales, body="Thanks @**Mia**"
    )
    frame = await socket.receive()
    assert frame["type"] == "notification" and frame["unread_count"] == 1
    assert frame["notification"]["kind"] == "mention"
    await socket.close()


async def test_nothing_is_sent_when_the_transaction_rolls_back():
    cast = await _setup()
    sales, max_ = cast.sales, cast.max
    socket = await _socket(cast.mia)
    await socket.send({"type": "watch", "topic": f"feed:{sales.pk}"})
    await socket.receive()

    def create_then_fail():
        with transaction.atomic():
            services.post_create(acting_user=max_, department=sales, body="Never happened")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await sync_to_async(create_then_fail)()
    assert await socket.nothing(timeout=0.3, ignore=())
    await socket.close()
