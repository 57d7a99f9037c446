"""/livez, /readyz and /healthz on a real daphne with Redis, with WebSockets open.

The readiness probe used to send itself a message through the channel layer and wait for
it; channels_redis reads a process's channel only while a consumer is receiving, so every
process with an open socket answered 503 after 2 s. These tests keep sockets open (and
receiving) while they ask.
"""

import asyncio
import json
import os
import urllib.error
import urllib.request

import pytest
from channels.db import database_sync_to_async
from rest_framework.authtoken.models import Token

from apps.departments.models import Department
from tests.chat.servers import Daphne, daphne_env, start_all, stop_all
from tests.sockets import NetSocket, cookie_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True), pytest.mark.needs_redis]

OPEN_SOCKETS = 30


def _get(server: Daphne, path: str) -> tuple[int, dict]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(server.url + path, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def get(server: Daphne, path: str) -> tuple[int, dict]:
    return await asyncio.to_thread(_get, server, path)


def _server(tmp_path, redis_url: str) -> Daphne:
    env = daphne_env(redis_url=redis_url, workdir=tmp_path)
    return start_all([Daphne("daphne-health", env, tmp_path / "daphne-health.log")])[0]


async def _open_sockets(server: Daphne, users, room_id: int) -> list[NetSocket]:
    sockets = []
    for index in range(OPEN_SOCKETS):
        socket = await NetSocket(server, await cookie_for(users[index % len(users)])).connect()
        await socket.send({"type": "subscribe", "room": room_id, "after": None})
        await socket.receive_until("chat.subscribed")
        sockets.append(socket)
    return sockets


async def test_readiness_answers_ok_with_sockets_open_and_receiving(tmp_path, member, manager, sales_room):
    server = _server(tmp_path, os.environ["REDIS_URL"])
    try:
        sockets = await _open_sockets(server, [member, manager], sales_room.pk)
        for path in ("/readyz", "/healthz"):
            for _ in range(5):
                assert await get(server, path) == (200, {"status": "ok", "database": "ok", "channel_layer": "ok"})
        assert await get(server, "/livez") == (200, {"status": "ok"})
        # The sockets still work: the probe took nothing from them.
        await sockets[0].send({"type": "ping"})
        assert (await sockets[0].receive_until("pong"))["type"] == "pong"
        for socket in sockets:
            await socket.close()
    finally:
        stop_all([server])


async def test_without_redis_the_process_is_alive_but_not_ready(tmp_path, own_redis, member, manager, sales_room):
    server = _server(tmp_path, own_redis.url)
    try:
        sockets = await _open_sockets(server, [member, manager], sales_room.pk)
        assert (await get(server, "/readyz"))[0] == 200
        own_redis.kill()
        assert await get(server, "/readyz") == (503, {"status": "error", "database": "ok", "channel_layer": "error"})
        assert await get(server, "/livez") == (200, {"status": "ok"})
        own_redis.start()
        assert (await get(server, "/readyz"))[0] == 200
        for socket in sockets:
            await socket.close()
    finally:
        stop_all([server])


async def test_open_sockets_survive_a_redis_restart_and_new_ones_are_never_a_500(
    tmp_path, own_redis, member, manager, sales_room
):
    server = _server(tmp_path, own_redis.url)
    try:
        reader = await NetSocket(server, await cookie_for(member)).connect()
        await reader.send({"type": "watch", "topic": f"feed:{sales_room.department_id}"})
        await reader.receive_until("watching")
        own_redis.kill()
        # A connection during the outage: accepted (degraded), not an HTTP 500.
        during = await NetSocket(server, await cookie_for(manager)).connect()
        await during.send({"type": "ping"})
        assert (await during.receive_until("pong"))["type"] == "pong"
        own_redis.start()  # empty: it forgot every group
        await asyncio.sleep(3)  # the sockets' receive loops retry and join their groups again
        await reader.send({"type": "ping"})
        assert (await reader.receive_until("pong"))["type"] == "pong"  # still open
        token = await database_sync_to_async(lambda: Token.objects.create(user=manager).key)()
        slug = await database_sync_to_async(lambda: Department.objects.get(pk=sales_room.department_id).slug)()
        status, _ = await asyncio.to_thread(
            _api_post, server, "/api/v1/posts/", token, {"department": slug, "body": "back"}
        )
        assert status == 201
        assert (await reader.receive_until("feed.post"))["department"] == sales_room.department_id
        for socket in (reader, during):
            await socket.close()
    finally:
        stop_all([server])


def _api_post(server: Daphne, path: str, token: str, data: dict) -> tuple[int, dict]:
    request = urllib.request.Request(server.url + path, method="POST", data=json.dumps(data).encode(),
                                     headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})  # fmt: skip
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}
