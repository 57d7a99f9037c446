"""Chat over real /ws/ connections: the project's ASGI app (Origin check, session auth, consumer, hub, layer).

Run on SQLite with the in-memory layer locally, and on PostgreSQL with Redis in CI (there the
chat streams go through RedisPubSubChannelLayer, everything else through RedisChannelLayer).
"""

import asyncio
import uuid

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from apps.accounts.services import user_deactivate
from apps.chat import selectors, services
from apps.chat.models import Message, Room
from apps.departments.services import membership_remove
from apps.notifications.models import Notification
from tests.factories import UserFactory, add_member
from tests.sockets import cookie_for, open_socket, refusal

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def application():
    from intranet.asgi import application

    return application


@pytest.fixture
def cast(member, manager, outsider, admin_user):
    return {"member": member, "manager": manager, "outsider": outsider, "admin_user": admin_user}


async def say(user, room: Room, body: str = "hello", client_id: str | None = None) -> Message:
    message, _ = await database_sync_to_async(services.message_send)(
        acting_user=user, room_id=room.pk, body=body, client_id=client_id
    )
    return message


async def count_messages() -> int:
    return await database_sync_to_async(Message.objects.count)()


# --- who may connect


async def test_a_socket_without_a_session_is_refused(application, transactional_db):
    assert await refusal(application) == 4401


async def test_a_socket_with_a_foreign_origin_is_refused_even_with_a_session(application, member):
    await refusal(application, cookie=await cookie_for(member), origin=(b"origin", b"https://evil.example.net"))


# --- the permission matrix, frame by frame

READERS_OF_SALES = {"member": True, "manager": True, "outsider": False, "admin_user": False}


async def test_subscribe_permission_matrix(application, cast, sales_room, legal_room, all_staff_room):
    for role, user in cast.items():
        socket = await open_socket(application, user)
        for room, readers in [
            (sales_room, READERS_OF_SALES),
            (legal_room, {"member": False, "manager": False, "outsider": True, "admin_user": False}),
            (all_staff_room, dict.fromkeys(cast, True)),
        ]:
            await socket.send({"type": "subscribe", "room": room.pk, "after": None})
            frame = await socket.next()
            if readers[role]:
                assert frame["type"] == "chat.subscribed" and frame["room"] == room.pk, (role, room, frame)
            else:
                assert frame == {"type": "error", "code": "unknown_room", "detail": frame["detail"]}, (role, room)
        # A room that does not exist answers exactly like one the user may not read.
        await socket.send({"type": "subscribe", "room": 987654, "after": None})
        missing = await socket.error()
        await socket.send({"type": "subscribe", "room": legal_room.pk if role != "outsider" else sales_room.pk})
        forbidden = await socket.error()
        assert missing == forbidden
        await socket.close()


async def test_send_read_edit_and_delete_permission_matrix(application, cast, sales_room):
    original = await say(cast["member"], sales_room, "the member's message")
    before = await count_messages()
    for role, user in cast.items():
        socket = await open_socket(application, user)
        await socket.send(
            {"type": "chat.send", "room": sales_room.pk, "body": f"from {role}", "client_id": str(uuid.uuid4())}
        )
        if READERS_OF_SALES[role]:
            assert (await socket.next("chat.message"))["message"]["body"] == f"from {role}"
        else:
            assert (await socket.error())["code"] == "unknown_room"
        await socket.send({"type": "chat.read", "room": sales_room.pk, "message": original.pk})
        if READERS_OF_SALES[role]:
            assert (await socket.next("chat.read", skip={"chat.presence"}))["room"] == sales_room.pk
        else:
            assert (await socket.error())["code"] == "unknown_room"
        await socket.send({"type": "chat.edit", "message": original.pk, "body": "rewritten"})
        expected_edit = {
            "member": None,
            "manager": "forbidden",
            "outsider": "unknown_message",
            "admin_user": "unknown_message",
        }
        if expected_edit[role] is None:
            assert (await socket.next("chat.message_edited"))["message"]["body"] == "rewritten"
        else:
            assert (await socket.error())["code"] == expected_edit[role]
        await socket.close()
    assert await count_messages() == before + 2  # member and manager only

    # Deleting: the author, and a manager of the department (moderation); nobody else.
    for role in ("outsider", "admin_user"):
        socket = await open_socket(application, cast[role])
        await socket.send({"type": "chat.delete", "message": original.pk})
        assert (await socket.error())["code"] == "unknown_message"
        await socket.close()
    by_manager = await say(cast["manager"], sales_room, "the manager's message")
    member_socket = await open_socket(application, cast["member"])
    await member_socket.send({"type": "chat.delete", "message": by_manager.pk})
    assert (await member_socket.error())["code"] == "forbidden"
    manager_socket = await open_socket(application, cast["manager"])
    await manager_socket.send({"type": "chat.delete", "message": original.pk})
    deleted = await manager_socket.next("chat.message_deleted")
    assert (
        deleted["message"]["id"] == original.pk and deleted["message"]["deleted"] and deleted["message"]["body"] == ""
    )
    await member_socket.send({"type": "chat.delete", "message": original.pk})  # already gone
    assert (await member_socket.error())["code"] == "unknown_message"
    await member_socket.close()
    await manager_socket.close()


async def test_group_and_direct_rooms_are_read_by_their_members_only(application, cast, department):
    member, manager, outsider = cast["member"], cast["manager"], cast["outsider"]
    group = await database_sync_to_async(services.group_room_create)(
        acting_user=member, name="Launch", member_ids=[outsider.pk]
    )
    direct, _ = await database_sync_to_async(services.direct_room)(acting_user=member, other_id=manager.pk)
    for role, user in cast.items():
        socket = await open_socket(application, user)
        for room, readers in [(group, {"member", "outsider"}), (direct, {"member", "manager"})]:
            await socket.send({"type": "subscribe", "room": room.pk, "after": None})
            frame = await socket.next()
            assert (frame["type"] == "chat.subscribed") == (role in readers), (role, room.kind, frame)
        await socket.close()


# --- replay and exactly-once delivery


async def test_subscribe_replays_everything_after_the_given_id_then_streams_live(
    application, member, manager, sales_room
):
    sent = [await say(manager, sales_room, f"message {i}") for i in range(5)]
    socket = await open_socket(application, member)
    replay = await socket.subscribe(sales_room.pk, after=sent[1].pk)
    assert [f["message"]["id"] for f in replay[:-1]] == [m.pk for m in sent[2:]]
    assert replay[-1] == {
        "type": "chat.subscribed",
        "room": sales_room.pk,
        "last_id": sent[-1].pk,
        "revision": 5,
        "has_older": False,
    }
    live = await say(manager, sales_room, "live one")
    frame = await socket.next("chat.message")
    assert frame["message"]["id"] == live.pk and frame["message"]["body"] == "live one"
    assert set(frame["message"]) >= {"id", "room", "author", "body", "html", "created_at", "client_id"}
    assert frame["message"]["author"] == {"id": manager.pk, "name": "Max Manager"}
    assert await socket.nothing()
    await socket.close()


async def test_subscribe_without_after_sends_the_latest_page(application, member, sales_room):
    sent = [await say(member, sales_room, f"m{i}") for i in range(55)]
    socket = await open_socket(application, member)
    replay = await socket.subscribe(sales_room.pk, after=None)
    assert [f["message"]["id"] for f in replay[:-1]] == [m.pk for m in sent[-50:]]
    assert replay[-1]["has_older"] is True
    await socket.close()


async def test_a_client_that_reconnects_sees_every_message_exactly_once(application, member, manager, sales_room):
    tab = await open_socket(application, member)
    await tab.subscribe(sales_room.pk, after=0)
    for i in range(3):
        await say(manager, sales_room, f"before the drop {i}")
    seen = [f["message"]["id"] for f in await tab.messages(3)]
    await tab.close()  # the connection drops

    missed = [(await say(manager, sales_room, f"while away {i}")).pk for i in range(4)]

    tab = await open_socket(application, member, cookie=tab.cookie)
    replay = await tab.subscribe(sales_room.pk, after=seen[-1])
    assert [f["message"]["id"] for f in replay[:-1]] == missed
    later = await say(manager, sales_room, "after the reconnect")
    assert (await tab.next("chat.message"))["message"]["id"] == later.pk
    assert await tab.nothing()
    all_ids = seen + missed + [later.pk]
    assert all_ids == sorted(set(all_ids))
    await tab.close()


async def test_messages_sent_during_the_replay_arrive_once_and_in_order(application, member, manager, sales_room):
    """The subscriber registers, reads its replay and drains what arrived meanwhile, skipping duplicates."""
    for i in range(30):
        await say(manager, sales_room, f"old {i}")
    socket = await open_socket(application, member)

    first_sent = asyncio.Event()

    async def keep_sending():
        sent = []
        for i in range(40):
            sent.append((await say(manager, sales_room, f"concurrent {i}")).pk)
            first_sent.set()
        return sent

    sender = asyncio.create_task(keep_sending())
    await first_sent.wait()  # subscribe while the messages keep coming
    frames = await socket.subscribe(sales_room.pk, after=0)
    concurrent = await sender
    ids = [f["message"]["id"] for f in frames if f["type"] == "chat.message"]
    while not ids or ids[-1] != concurrent[-1]:
        ids.append((await socket.next("chat.message"))["message"]["id"])
    all_ids = await database_sync_to_async(
        lambda: list(Message.objects.filter(room=sales_room).values_list("id", flat=True))
    )()
    assert ids == sorted(all_ids), "every message exactly once, in id order"
    assert await socket.nothing()
    await socket.close()


async def test_a_resend_with_the_same_client_id_returns_the_original_and_stores_nothing(
    application, member, manager, sales_room
):
    sender = await open_socket(application, member)
    reader = await open_socket(application, manager)
    await sender.subscribe(sales_room.pk, after=0)
    await reader.subscribe(sales_room.pk, after=0)
    client_id = str(uuid.uuid4())
    frame = {"type": "chat.send", "room": sales_room.pk, "body": "only once", "client_id": client_id}
    await sender.send(frame)
    first = await sender.next("chat.message")
    assert first["message"]["client_id"] == client_id and "duplicate" not in first
    assert (await reader.next("chat.message"))["message"]["id"] == first["message"]["id"]

    await sender.send(frame)  # e.g. the client never saw the echo and retries
    again = await sender.next("chat.message")
    assert again["duplicate"] is True and again["message"] == first["message"]
    await sender.send({**frame, "body": "a different body changes nothing"})
    assert (await sender.next("chat.message"))["message"]["body"] == "only once"
    assert await reader.nothing(), "the other readers saw it once"
    assert await count_messages() == 1

    # After a reconnect too: a new socket, the same client_id.
    await sender.close()
    sender = await open_socket(application, member, cookie=sender.cookie)
    await sender.send(frame)
    assert (await sender.next("chat.message"))["message"]["id"] == first["message"]["id"]
    assert await count_messages() == 1
    # A client_id is the sender's own: someone else using it sends a new message.
    await reader.send({**frame, "body": "mine"})
    assert (await reader.next("chat.message"))["message"]["author"]["id"] == manager.pk
    assert await count_messages() == 2
    await sender.close()
    await reader.close()


async def test_a_sender_that_is_not_subscribed_gets_its_message_back_once(application, member, sales_room):
    socket = await open_socket(application, member)
    await socket.send({"type": "chat.send", "room": sales_room.pk, "body": "hi", "client_id": str(uuid.uuid4())})
    assert (await socket.next("chat.message"))["message"]["body"] == "hi"
    assert await socket.nothing()
    await socket.close()


# --- bad input


async def test_every_bad_frame_gets_an_error_and_the_socket_stays_open_and_nothing_is_written(
    application, member, sales_room, legal_room, settings
):
    settings.CHAT_RATE_LIMIT_MESSAGES = 3
    settings.CHAT_MAX_BODY_LENGTH = 100
    socket = await open_socket(application, member)
    await socket.subscribe(sales_room.pk, after=0)
    good = {"type": "chat.send", "room": sales_room.pk, "body": "fine"}
    cases = [
        ("{not json", "bad_json"),
        ('["a", "list"]', "bad_frame"),
        ('{"type": 5}', "bad_frame"),
        ({"type": "chat.shout", "room": sales_room.pk}, "unknown_type"),
        ({"type": "subscribe", "room": "sales"}, "bad_frame"),
        ({"type": "subscribe", "room": sales_room.pk, "after": -1}, "bad_frame"),
        ({"type": "subscribe", "room": 10**9, "after": None}, "unknown_room"),
        ({"type": "subscribe", "room": legal_room.pk, "after": None}, "unknown_room"),
        ({**good, "room": 10**9}, "unknown_room"),
        ({**good, "room": legal_room.pk}, "unknown_room"),
        ({**good, "room": None}, "bad_frame"),
        ({**good, "body": "x" * 101}, "body_too_long"),
        ({**good, "body": "  \n "}, "empty_body"),
        ({**good, "body": {"text": "hi"}}, "bad_body"),
        ({**good, "client_id": "not-a-uuid"}, "bad_client_id"),
        ({**good, "client_id": 42}, "bad_client_id"),
        ({"type": "typing", "room": legal_room.pk}, "not_subscribed"),
        ({"type": "chat.edit", "message": 10**9, "body": "x"}, "unknown_message"),
        ({"type": "chat.delete", "message": "one"}, "bad_frame"),
        ({"type": "chat.read", "room": sales_room.pk}, "bad_frame"),
    ]
    for frame, code in cases:
        if isinstance(frame, str):
            await socket.send_text(frame)
        else:
            await socket.send(frame)
        error = await socket.error()
        assert error["code"] == code, (frame, error)
    assert await count_messages() == 0, "nothing was written"

    for i in range(3):  # the rate limit: 3 per window here
        await socket.send({**good, "client_id": str(uuid.uuid4()), "body": f"quick {i}"})
        await socket.next("chat.message")
    await socket.send({**good, "client_id": str(uuid.uuid4())})
    limited = await socket.error()
    assert limited["code"] == "rate_limited" and "Try again" in limited["detail"]
    assert await count_messages() == 3

    await socket.send({"type": "ping"})  # still open for the next good frame
    assert await socket.next("pong") == {"type": "pong"}
    await socket.close()


# --- edits, deletes, mentions, typing, presence, unread


async def test_edits_and_deletes_are_live_and_replayed_to_a_client_that_was_away(
    application, member, manager, sales_room
):
    message = await say(member, sales_room, "first draft")
    other = await say(member, sales_room, "to be deleted")
    reader = await open_socket(application, manager)
    subscribed = (await reader.subscribe(sales_room.pk, after=0))[-1]
    author = await open_socket(application, member)
    await author.send({"type": "chat.edit", "message": message.pk, "body": "final **text**"})
    edited = await reader.next("chat.message_edited")
    assert edited["message"]["html"] == "<p>final <strong>text</strong></p>" and edited["message"]["edited_at"]
    assert (await author.next("chat.message_edited"))["message"] == edited["message"]  # not subscribed: a reply
    await reader.close()

    # While the reader is away: another edit and a delete.
    await author.send({"type": "chat.edit", "message": message.pk, "body": "final text, really"})
    await author.next("chat.message_edited")
    await author.send({"type": "chat.delete", "message": other.pk})
    await author.next("chat.message_deleted")

    reader = await open_socket(application, manager, cookie=reader.cookie)
    replay = await reader.subscribe(sales_room.pk, after=other.pk, revision=subscribed["revision"] + 1)
    assert [(f["type"], f["message"]["id"]) for f in replay[:-1]] == [
        ("chat.message_edited", message.pk),
        ("chat.message_deleted", other.pk),
    ]
    assert replay[0]["message"]["body"] == "final text, really"
    assert await reader.nothing()
    await reader.close()
    await author.close()


async def test_a_mention_notifies_the_person_live_and_nobody_outside_the_room(
    application, member, manager, outsider, sales_room
):
    mentioned = await open_socket(application, member)
    await say(manager, sales_room, "@**Mia Member** and @**Olga Outsider**, see the numbers")
    notification = await mentioned.next("notification", skip=frozenset({"chat.presence"}))
    assert (
        notification["notification"]["title"]
        == "Max Manager mentioned you in #Sales: “@Mia Member and @Olga Outsider, see the numbers”"
    )
    assert notification["notification"]["url"].startswith(f"/chat/{sales_room.pk}/#message-")
    message = await database_sync_to_async(Message.objects.get)()
    assert message.mentioned_ids == [member.pk]
    assert f'<a class="mention" href="/people/{member.pk}/" data-user-id="{member.pk}">@Mia Member</a>' in message.html
    assert "<strong>Olga Outsider</strong>" in message.html  # not a reader: plain bold, no notification
    assert await database_sync_to_async(Notification.objects.filter(recipient=outsider).count)() == 0
    await mentioned.close()


async def test_typing_reaches_the_other_readers_only(application, member, manager, sales_room):
    typist = await open_socket(application, member)
    reader = await open_socket(application, manager)
    await typist.subscribe(sales_room.pk, after=0)
    await reader.subscribe(sales_room.pk, after=0)
    await typist.send({"type": "typing", "room": sales_room.pk})
    frame = await reader.next("chat.typing", skip={"chat.presence"})
    assert frame == {"type": "chat.typing", "room": sales_room.pk, "user": {"id": member.pk, "name": "Mia Member"}}
    await typist.send({"type": "typing", "room": sales_room.pk})  # within 2 s: not repeated
    assert await reader.nothing(ignore={"chat.presence"})
    assert await typist.nothing(ignore={"chat.presence"})
    await typist.close()
    await reader.close()


async def test_presence_follows_sockets_across_tabs(application, member, manager, colleague, sales_room):
    watcher = await open_socket(application, manager)
    await watcher.subscribe(sales_room.pk, after=0)
    first = await watcher.next("chat.presence", skip=())
    assert first == {
        "type": "chat.presence",
        "room": sales_room.pk,
        "full": True,
        "online": [{"id": manager.pk, "name": "Max Manager"}],
        "offline": [],
        "count": 1,
        "listed": True,
    }

    tab1 = await open_socket(application, member)
    came = await watcher.next("chat.presence", skip=(), timeout=5)
    assert came["online"] == [{"id": member.pk, "name": "Mia Member"}] and came["full"] is False and came["count"] == 2
    tab2 = await open_socket(application, member, cookie=tab1.cookie)
    await tab1.close()
    other = await open_socket(application, colleague)  # the next change: it comes with the member's, if any
    change = await watcher.next("chat.presence", skip=(), timeout=5)
    assert change["online"] == [{"id": colleague.pk, "name": "Carl Colleague"}], change
    assert change["offline"] == [], "still online in the other tab"
    await tab2.close()
    gone = await watcher.next("chat.presence", skip=(), timeout=5)
    assert gone["offline"] == [member.pk] and gone["online"] == [] and gone["count"] == 2  # manager, colleague
    await other.close()
    await watcher.close()


async def test_big_rooms_get_the_number_of_people_online_not_the_list(
    application, member, manager, sales_room, monkeypatch
):
    from apps.chat import presence as hub  # where the presence part of the hub lives

    monkeypatch.setattr(hub, "PRESENCE_LIST_LIMIT", 1)  # Sales has 2 readers: "big" here
    watcher = await open_socket(application, manager)
    await watcher.subscribe(sales_room.pk, after=0)
    snapshot = await watcher.next("chat.presence", skip=())
    assert snapshot["online"] == [] and snapshot["count"] == 1 and snapshot["listed"] is False
    tab = await open_socket(application, member)
    change = await watcher.next("chat.presence", skip=(), timeout=5)
    assert change == {
        "type": "chat.presence", "room": sales_room.pk, "full": False,
        "online": [], "offline": [], "count": 2, "listed": False,
    }  # fmt: skip
    await tab.close()
    await watcher.close()


async def test_reading_a_room_updates_the_unread_count_on_every_tab(application, member, manager, sales_room):
    tab1 = await open_socket(application, member)
    tab2 = await open_socket(application, member, cookie=tab1.cookie)
    messages = [await say(manager, sales_room, f"news {i}") for i in range(3)]
    await say(member, sales_room, "my own messages are never unread")
    assert await database_sync_to_async(selectors.unread_count)(room=sales_room, user=member) == 3
    await tab1.send({"type": "chat.read", "room": sales_room.pk, "message": messages[1].pk})
    for tab in (tab1, tab2):
        frame = await tab.next("chat.read", skip={"chat.presence"})
        assert frame == {"type": "chat.read", "room": sales_room.pk, "last_read_id": messages[1].pk, "unread": 1}
    await tab1.close()
    await tab2.close()


# --- losing access, logging out


async def test_removal_from_the_department_stops_delivery_at_once(application, member, manager, sales_room):
    removed = await open_socket(application, member)
    staying = await open_socket(application, manager)
    await removed.subscribe(sales_room.pk, after=0)
    await staying.subscribe(sales_room.pk, after=0)
    department = await database_sync_to_async(lambda: sales_room.department)()

    await database_sync_to_async(membership_remove)(acting_user=None, department=department, user=member)
    await say(manager, sales_room, "after the removal")

    notice = await removed.next("chat.removed", skip={"chat.presence"})
    assert notice == {
        "type": "chat.removed",
        "room": sales_room.pk,
        "detail": "You no longer have access to this room.",
    }
    assert (await staying.next("chat.message"))["message"]["body"] == "after the removal"
    assert await removed.nothing(timeout=0.5, ignore={"chat.presence"})
    await removed.send({"type": "subscribe", "room": sales_room.pk, "after": 0})
    assert (await removed.error())["code"] == "unknown_room"
    await removed.send({"type": "chat.send", "room": sales_room.pk, "body": "let me back"})
    assert (await removed.error())["code"] == "unknown_room"
    await removed.close()
    await staying.close()


async def test_leaving_a_group_room_stops_delivery_to_every_tab(application, member, outsider):
    room = await database_sync_to_async(services.group_room_create)(
        acting_user=member, name="Offsite", member_ids=[outsider.pk]
    )
    tabs = [await open_socket(application, outsider) for _ in range(2)]
    owner = await open_socket(application, member)
    for socket in (*tabs, owner):
        await socket.subscribe(room.pk, after=0)
    await database_sync_to_async(services.room_member_remove)(
        room_id=room.pk, user_id=outsider.pk, acting_user=outsider
    )
    await say(member, room, "just us now")
    for tab in tabs:
        assert (await tab.next("chat.removed", skip={"chat.presence"}))["room"] == room.pk
        assert await tab.nothing(timeout=0.3, ignore={"chat.presence"})
    assert (await owner.next("chat.message"))["message"]["body"] == "just us now"
    for socket in (*tabs, owner):
        await socket.close()


async def test_deactivation_closes_chat_sockets_within_five_seconds(application, member, manager, sales_room):
    socket = await open_socket(application, member)
    await socket.subscribe(sales_room.pk, after=0)
    await database_sync_to_async(user_deactivate)(acting_user=None, user=member)
    assert await socket.closed(timeout=5) == 4403


async def test_logout_closes_that_browsers_chat_sockets_within_five_seconds(application, member, sales_room):
    browser = await database_sync_to_async(Client)()
    await database_sync_to_async(browser.force_login)(member, backend="apps.accounts.backends.ProfileModelBackend")
    socket = await open_socket(application, member, cookie=browser.cookies["sessionid"].value)
    await socket.subscribe(sales_room.pk, after=0)
    await database_sync_to_async(browser.post)("/accounts/logout/")
    assert await socket.closed(timeout=5) == 4403


# --- a process that falls behind its channel


async def test_a_hub_that_lost_events_catches_up_from_the_database(application, member, manager, sales_room, settings):
    """The layer drops events when a channel is full (capacity 2 here, while the hub is stalled).

    The hub notices the gap in the room's revisions at the next event it gets, or at its
    periodic check when no event comes at all, and delivers the missing messages from the
    database: in order, once each.
    """
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 2}}
    }
    settings.CHAT_SYNC_INTERVAL = 3600  # this test runs the periodic check itself
    from channels.layers import channel_layers

    from apps.chat.hub import get_hub

    channel_layers.backends.clear()
    reader = await open_socket(application, member)
    await reader.subscribe(sales_room.pk, after=0)
    room_hub = get_hub().rooms[sales_room.pk]
    # The reader's presence hint leaves PRESENCE_HINT_DELAY after its handshake, through the
    # hub's channel: let it pass first, or it takes one of the two places during the burst.
    await get_hub().hint_sender

    async with room_hub.lock:  # the hub is busy: its channel fills up and the layer drops the rest
        burst = [(await say(manager, sales_room, f"burst {i}")).pk for i in range(6)]
    received = [f["message"]["id"] for f in await reader.messages(3)]  # what the channel kept
    assert received == burst[:3]
    assert await reader.nothing(), "the rest was dropped by the layer"
    burst.append((await say(manager, sales_room, "the next one reveals the gap")).pk)
    received += [f["message"]["id"] for f in await reader.messages(4)]
    assert received == burst

    async with room_hub.lock:  # lost with no later event to reveal the gap: the periodic check finds it
        tail = [(await say(manager, sales_room, f"tail {i}")).pk for i in range(4)]
    received = [f["message"]["id"] for f in await reader.messages(3)]  # what the full channel kept
    assert await reader.nothing()
    await get_hub().sync()  # first check: maybe still in flight
    await get_hub().sync()  # second check: lost; read from the database
    received += [f["message"]["id"] for f in await reader.messages(1)]
    assert received == tail
    assert await reader.nothing()
    await reader.close()


async def test_a_new_member_gets_the_room_live(application, outsider, department):
    socket = await open_socket(application, outsider)
    await database_sync_to_async(add_member)(department, outsider)
    added = await socket.next("chat.room_added", skip={"chat.presence", "notification"})
    assert added["room"]["name"] == "Sales" and added["room"]["unread_count"] == 0
    await socket.close()


async def test_a_user_created_later_reads_the_company_wide_room(application, all_staff_room):
    newcomer = await database_sync_to_async(UserFactory)(display_name="Nina New")
    socket = await open_socket(application, newcomer)
    await socket.subscribe(all_staff_room.pk, after=0)
    await socket.close()
