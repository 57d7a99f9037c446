"""Erased content leaves others' open pages at once: over real /ws/ connections (the project's ASGI
app, its hub and channel layer), a colleague's open chat room and feed hear the same deletions that
`message_delete`, `post_delete` and `comment_delete` send."""

import pytest
from channels.db import database_sync_to_async

from apps.chat import selectors
from apps.chat.models import Message, Room
from apps.chat.services import message_send
from apps.feed.services import comment_create, post_create
from apps.privacy import services
from tests.sockets import open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def application():
    from intranet.asgi import application

    return application


@database_sync_to_async
def _writings(member, colleague, department, messages: int):
    room = Room.objects.get(department=department)
    theirs = [message_send(acting_user=colleague, room_id=room.pk, body="COLLEAGUE-MESSAGE")[0].pk]
    mine = [
        message_send(acting_user=member, room_id=room.pk, body=f"MEMBER-MESSAGE {i}")[0].pk for i in range(messages)
    ]
    theirs.append(message_send(acting_user=colleague, room_id=room.pk, body="COLLEAGUE-MESSAGE after")[0].pk)
    post = post_create(acting_user=member, department=department, body="MEMBER-POST")
    other = post_create(acting_user=colleague, department=department, body="COLLEAGUE-POST")
    comment = comment_create(acting_user=member, post=other, body="MEMBER-COMMENT")
    return room, mine, theirs, post, other, comment


async def _erase(admin_user, member, settings):
    settings.ERASURE_CONTENT = "remove"
    await database_sync_to_async(services.person_erase)(acting_user=admin_user, user=member)


@pytest.mark.parametrize("messages", [1, 3])  # one: the delete frame itself; more: the hub fills the gap
async def test_an_open_chat_room_and_feed_lose_the_erased_content_live(
    application, admin_user, member, colleague, department, settings, messages
):
    room, mine, theirs, post, other, _ = await _writings(member, colleague, department, messages)
    socket = await open_socket(application, colleague)
    replay = await socket.subscribe(room.pk, after=0)
    assert {f["message"]["id"] for f in replay[:-1]} == {*mine, *theirs}
    await socket.send({"type": "watch", "topic": f"feed:{department.pk}"})
    await socket.next("watching")

    await _erase(admin_user, member, settings)
    deleted, feed = [], []
    while len(deleted) < messages or len(feed) < 2:
        frame = await socket.next("chat.message_deleted", "chat.message_edited", "feed.post", "feed.comment")
        if frame["type"] == "chat.message_deleted":
            assert frame["message"]["body"] == "" and frame["message"]["deleted"]
            deleted.append(frame["message"]["id"])
        elif frame["type"].startswith("feed."):
            feed.append(frame)
    assert sorted(deleted) == mine  # each once, in order, none of the colleague's
    assert {(f["type"], f["post"], f["action"]) for f in feed} == {
        ("feed.post", post.pk, "deleted"),
        ("feed.comment", other.pk, "deleted"),
    }
    assert next(f for f in feed if f["type"] == "feed.comment")["comment_count"] == 0
    assert await socket.nothing(ignore={"chat.presence", "chat.typing", "notification", "chat.read"})
    await socket.close()


async def test_a_hub_catching_up_on_more_deletions_than_a_batch_pages_through_them_all(
    application, admin_user, member, colleague, department, settings, monkeypatch
):
    monkeypatch.setattr(selectors, "CATCH_UP_BATCH_SIZE", 2)  # five deletions: three pages
    room, mine, _, _, _, _ = await _writings(member, colleague, department, 5)
    socket = await open_socket(application, colleague)
    await socket.subscribe(room.pk, after=0)
    await _erase(admin_user, member, settings)
    deleted = [(await socket.next("chat.message_deleted"))["message"]["id"] for _ in mine]
    assert deleted == mine
    revisions = await database_sync_to_async(
        lambda: list(Message.objects.filter(pk__in=mine).order_by("pk").values_list("revision", flat=True))
    )()
    room_revision = await database_sync_to_async(lambda: Room.objects.get(pk=room.pk).revision)()
    assert revisions == list(range(room_revision - 4, room_revision + 1))  # one revision each, in order
    await socket.close()
