"""What one socket can make a process do is bounded: replays, subscribe loops, deep or huge frames."""

import asyncio
import json
import os

import pytest
from channels.db import database_sync_to_async
from websockets.exceptions import ConnectionClosed

from apps.chat import consumers as chat_consumers
from apps.chat import selectors
from apps.chat import services as chat_services
from apps.realtime.consumers import CLOSE_TOO_BIG, MAX_FRAME_CHARS
from tests.chat.servers import Daphne, daphne_env, start_all, stop_all
from tests.sockets import NetSocket, cookie_for, open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def application():
    from intranet.asgi import application

    return application


async def _fill(room, author, count: int) -> list[int]:
    def fill() -> list[int]:
        return [
            chat_services.message_send(acting_user=author, room_id=room.pk, body=f"m{i}")[0].pk for i in range(count)
        ]

    return await database_sync_to_async(fill)()


async def test_a_replay_sends_at_most_the_newest_messages_and_marks_the_gap(
    application, monkeypatch, member, sales_room
):
    monkeypatch.setattr(selectors, "REPLAY_LIMIT", 5)
    ids = await _fill(sales_room, member, 12)
    socket = await open_socket(application, member)
    replay = await socket.subscribe(sales_room.pk, after=0)
    assert [frame["message"]["id"] for frame in replay[:-1]] == ids[-5:]
    assert replay[-1]["gap"] is True and replay[-1]["last_id"] == ids[-1]
    # Close enough to the end: no gap, and no `gap` key.
    replay = await socket.subscribe(sales_room.pk, after=ids[-3])
    assert [frame["message"]["id"] for frame in replay[:-1]] == ids[-2:]
    assert "gap" not in replay[-1]
    await socket.close()


async def test_a_loop_of_replays_is_refused_with_rate_limited(application, monkeypatch, member, sales_room):
    monkeypatch.setattr(selectors, "REPLAY_LIMIT", 5)
    monkeypatch.setattr(chat_consumers, "SUBSCRIBE_BUDGET", 20)
    await _fill(sales_room, member, 12)
    socket = await open_socket(application, member)
    answers = []
    for _ in range(6):
        await socket.send({"type": "subscribe", "room": sales_room.pk, "after": 0})
        frame = await socket.next("chat.subscribed", "error", skip={"chat.message", "chat.presence"})
        answers.append(frame.get("code", "ok"))
    assert answers == ["ok", "ok", "ok", "ok", "rate_limited", "rate_limited"]
    await socket.send({"type": "ping"})  # refused, not disconnected
    assert await socket.next("pong") == {"type": "pong"}
    await socket.close()


async def test_a_deeply_nested_frame_is_bad_json_not_a_crash(application, member):
    socket = await open_socket(application, member)
    await socket.send_text("[" * 20_000 + "]" * 20_000)
    assert (await socket.error())["code"] == "bad_json"
    await socket.send({"type": "ping"})
    assert await socket.next("pong") == {"type": "pong"}
    await socket.close()


async def test_a_frame_over_the_limit_is_closed_with_1009(application, member):
    socket = await open_socket(application, member)
    await socket.send_text(json.dumps({"type": "ping", "pad": "x" * MAX_FRAME_CHARS}))
    assert await socket.closed() == CLOSE_TOO_BIG


@pytest.mark.needs_redis
async def test_a_frame_over_daphne_s_limit_gets_a_close_frame_too(tmp_path, member):
    server = start_all([Daphne("daphne-frames", daphne_env(redis_url=os.environ["REDIS_URL"], workdir=tmp_path),
                               tmp_path / "daphne-frames.log")])[0]  # fmt: skip
    try:
        socket = await NetSocket(server, await cookie_for(member)).connect()
        await socket.connection.send(json.dumps({"type": "ping", "pad": "x" * (2 * 1024 * 1024)}))
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(socket.connection.recv(), 10)
        assert socket.connection.close_code == 1009  # not 1006: autobahn sent a close frame
        small = await NetSocket(server, await cookie_for(member)).connect()
        await small.send_text(json.dumps({"type": "ping", "pad": "x" * (MAX_FRAME_CHARS + 1)}))
        assert await small.closed() == CLOSE_TOO_BIG
    finally:
        stop_all([server])
