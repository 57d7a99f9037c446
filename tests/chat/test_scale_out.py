"""Two real daphne processes sharing Redis, real TCP WebSocket clients (`websockets`), real sessions.

- a message sent through one process reaches subscribers connected to the other, and so do
  edits, typing, presence and the removal of a reader;
- Redis is killed and restarted (our own throwaway redis-server, never the shared one): the
  servers recover by themselves and reconnecting clients catch up with nothing lost;
- a process that stops reading (SIGSTOP) while messages pour in: with RedisChannelLayer its
  channel overflows `capacity` and channels_redis drops events silently; with pub/sub Redis
  buffers them. Either way its clients end up with every message, once, in order.
"""

import asyncio
import os
import uuid

import pytest
from channels.db import database_sync_to_async
from rest_framework.authtoken.models import Token

from apps.chat.models import Message, Room
from apps.chat.services import streams
from apps.departments.models import Membership
from tests.chat.servers import Daphne, daphne_env, start_all, stop_all
from tests.sockets import NetSocket, cookie_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True), pytest.mark.needs_redis]


def _servers(tmp_path, redis_url: str, count: int = 2, **env) -> list[Daphne]:
    shared = daphne_env(redis_url=redis_url, workdir=tmp_path, **env)
    return start_all([Daphne(f"daphne-{name}", shared, tmp_path / f"daphne-{name}.log") for name in "ab"[:count]])


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    servers = _servers(tmp_path, os.environ["REDIS_URL"])
    yield servers
    stop_all(servers)


async def api_token(user) -> str:
    return (await database_sync_to_async(Token.objects.create)(user=user)).key


def _api(server: Daphne, method: str, path: str, token: str, data: dict | None = None) -> tuple[int, dict]:
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        server.url + path,
        method=method,
        data=json.dumps(data).encode() if data is not None else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            body = response.read()
            return response.status, json.loads(body) if body else {}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


async def api(server, method, path, token, data=None):
    return await asyncio.to_thread(_api, server, method, path, token, data)


async def room_message_ids(room: Room) -> list[int]:
    return await database_sync_to_async(
        lambda: list(Message.objects.filter(room=room).order_by("id").values_list("id", flat=True))
    )()


async def test_a_message_sent_through_one_process_reaches_clients_of_the_other(
    two_servers, member, manager, sales_room
):
    a, b = two_servers
    sender = await NetSocket(a, await cookie_for(manager)).connect()
    reader = await NetSocket(b, await cookie_for(member)).connect()
    await reader.subscribe(sales_room.pk, after=0)
    await sender.subscribe(sales_room.pk, after=0)

    presence = await reader.next("chat.presence", skip=frozenset({"chat.typing"}))
    online = {user["id"] for user in presence["online"]}
    assert {member.pk, manager.pk} <= online or member.pk in online  # the manager may arrive as a change below

    await sender.send({"type": "typing", "room": sales_room.pk})
    typing = await reader.next("chat.typing", skip=frozenset({"chat.presence"}))
    assert typing["user"]["id"] == manager.pk

    sent = []
    for i in range(5):
        await sender.send(
            {"type": "chat.send", "room": sales_room.pk, "body": f"via A {i}", "client_id": str(uuid.uuid4())}
        )
        sent.append((await sender.next("chat.message"))["message"]["id"])
    assert await reader.messages_until(sales_room.pk, sent[-1]) == sent

    # And back: B to A, and an edit through B.
    await reader.send({"type": "chat.send", "room": sales_room.pk, "body": "via B", "client_id": str(uuid.uuid4())})
    back = await sender.next("chat.message")
    assert back["message"]["body"] == "via B" and back["message"]["author"]["id"] == member.pk
    assert (await reader.next("chat.message"))["message"]["id"] == back["message"]["id"]
    await reader.send({"type": "chat.edit", "message": back["message"]["id"], "body": "via B, edited"})
    assert (await sender.next("chat.message_edited"))["message"]["body"] == "via B, edited"

    # The manager removes the member from Sales through the API on A: the socket on B leaves the room at once.
    membership = await database_sync_to_async(Membership.objects.get)(
        department_id=sales_room.department_id, user=member
    )
    status, _ = await api(a, "DELETE", f"/api/v1/memberships/{membership.pk}/", await api_token(manager))
    assert status == 204
    removed = await reader.next("chat.removed", skip=frozenset({"chat.presence", "chat.typing", "chat.message_edited"}))
    assert removed["room"] == sales_room.pk
    await sender.send(
        {"type": "chat.send", "room": sales_room.pk, "body": "not for you", "client_id": str(uuid.uuid4())}
    )
    await sender.next("chat.message")
    with pytest.raises(TimeoutError):
        await reader.next("chat.message", timeout=1)
    await sender.close()
    await reader.close()


async def test_after_a_redis_restart_the_servers_recover_and_reconnecting_clients_lose_nothing(
    own_redis, tmp_path, member, manager, sales_room
):
    a, b = _servers(tmp_path, own_redis.url)
    try:
        token = await api_token(manager)
        reader = await NetSocket(b, await cookie_for(member)).connect()
        await reader.subscribe(sales_room.pk, after=0)
        before = []
        for i in range(3):
            status, body = await api(
                a, "POST", f"/api/v1/chat/rooms/{sales_room.pk}/messages/", token, {"body": f"before {i}"}
            )
            assert status == 201
            before.append(body["id"])
        assert await reader.messages_until(sales_room.pk, before[-1]) == before

        own_redis.kill()  # SIGKILL: like a crash; its data (groups, subscriptions) is gone
        # Messages keep being stored while Redis is down (the broadcast fails and is logged).
        during = []
        for i in range(3):
            status, body = await api(
                a, "POST", f"/api/v1/chat/rooms/{sales_room.pk}/messages/", token, {"body": f"during {i}"}
            )
            assert status == 201, body
            during.append(body["id"])
        for server in (a, b):  # both have seen Redis go (not a blink they might have missed)
            await asyncio.to_thread(server.wait_health, lambda health: health["channel_layer"] != "ok", 10)
        own_redis.start()  # same port, empty

        for server in (a, b):  # recovered by themselves: the health check sees the channel layer again
            await asyncio.to_thread(server.wait_healthy, 20)

        # The reader's socket may be closed by its server because the layer failed (already, or
        # while it reads); like socket.js it then reconnects and resubscribes with the last id it saw.
        assert await reader.messages_until(sales_room.pk, during[-1], timeout=20, rejoin=True) == before + during

        # Live again across processes, through the restarted Redis.
        sender = await NetSocket(a, await cookie_for(manager)).connect()
        await sender.send({"type": "chat.send", "room": sales_room.pk, "body": "after", "client_id": str(uuid.uuid4())})
        after = (await sender.next("chat.message"))["message"]["id"]
        received = await reader.messages_until(sales_room.pk, after, timeout=10)
        assert received == before + during + [after] == await room_message_ids(sales_room)
        await sender.close()
        await reader.close()
    finally:
        stop_all([a, b])


@pytest.mark.parametrize("layer", ["redis", "pubsub"])
async def test_a_process_that_stops_reading_catches_up_instead_of_missing_messages(
    transactional_db, tmp_path, layer, member, manager, sales_room
):
    """CHAT_CHANNEL_CAPACITY=5 for the RedisChannelLayer case, so the overflow surely happens."""
    a, b = _servers(
        tmp_path, os.environ["REDIS_URL"], CHAT_CHANNEL_LAYER=layer, CHAT_CHANNEL_CAPACITY="5", LOG_LEVEL="INFO"
    )
    try:
        sender = await NetSocket(a, await cookie_for(manager)).connect()
        # A slow client too: it reads nothing while the burst is sent, with a small receive queue.
        reader = await NetSocket(b, await cookie_for(member), max_queue=4).connect()
        await reader.subscribe(sales_room.pk, after=0)
        await sender.subscribe(sales_room.pk, after=0)

        b.pause()  # the process serving the reader stops reading its channel (SIGSTOP)
        sent = []
        for i in range(40):
            await sender.send(
                {"type": "chat.send", "room": sales_room.pk, "body": f"burst {i}", "client_id": str(uuid.uuid4())}
            )
            sent.append((await sender.next("chat.message"))["message"]["id"])
        # Nothing to wait for: each echo comes back only after the layer has handed that message
        # to B's side too (group_send, or Redis PUBLISH), so the whole burst is waiting for B now.
        b.resume()

        received = await reader.messages_until(sales_room.pk, sent[-1], timeout=20)
        assert received == sent, "every message, once, in order"
        with pytest.raises(TimeoutError):
            await reader.next("chat.message", timeout=0.5)
        if layer == "redis":
            assert "channels over capacity in group chat.room" in a.log(), "the layer did drop events"
        await sender.close()
        await reader.close()
    finally:
        stop_all([a, b])


async def test_a_message_stored_while_its_broadcast_is_lost_still_arrives(two_servers, member, manager, sales_room):
    """The periodic check: a message committed without any broadcast (written by another
    program, or its broadcast lost with nothing after it) reaches live clients within seconds."""
    _, b = two_servers
    reader = await NetSocket(b, await cookie_for(member)).connect()
    await reader.subscribe(sales_room.pk, after=0)

    def write_without_broadcast():
        from django.db import transaction

        with transaction.atomic():
            revision = streams.next_revision(sales_room.pk)
            message = Message.objects.create(
                room=sales_room, author=manager, body="quiet", html="<p>quiet</p>", revision=revision
            )
            Room.objects.filter(pk=sales_room.pk).update(last_message_id=message.pk)
        return message.pk

    quiet = await database_sync_to_async(write_without_broadcast)()
    assert await reader.messages_until(sales_room.pk, quiet, timeout=10) == [quiet]
    await reader.close()
