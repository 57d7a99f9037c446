"""Connect storms (issue 10.4): handshakes that overlap, a socket limit, and pools that are never exhausted.

The speed itself is measured by bench/live_layer.py (BENCHMARKS.md "Live layer"); these tests
pin the causes that were fixed:

- every handshake's session and user lookup ran on the ONE thread channels keeps for
  thread-sensitive calls, so concurrent connects queued behind each other;
- group joins borrowed a connection from a pool that raised "Too many connections" once
  all were in use (sockets then opened without live events);
- nothing refused a handshake when a process was full.
"""

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import psycopg
import pytest
from django.db import connections
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from apps.accounts import identity
from apps.accounts.identity import LOOKUP_THREADS
from apps.realtime.layers import RedisChannelLayer
from apps.realtime.transport import BUSY_RETRY_AFTER_S
from tests.chat import servers
from tests.chat.servers import Daphne, daphne_env, start_all, stop_all
from tests.sockets import NetSocket, cookie_for, open_socket

pytestmark = [pytest.mark.django_db(transaction=True)]

CONCURRENT = 3
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def application():
    from intranet.asgi import application

    return application


def _waiting_on_sessions(conn: psycopg.Connection) -> int:
    return conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
        ["%django_session%"],
    ).fetchone()[0]


@pytest.mark.asyncio
@pytest.mark.needs_postgres
async def test_concurrent_handshakes_look_up_their_sessions_at_the_same_time(application, member, colleague, settings):
    """With the session table locked, three handshakes must all be waiting in PostgreSQL at once.

    On one shared thread only the first one reaches the database; the others queue in Python.
    The sessions are not in the cache here (as after a Redis restart), so each lookup asks the database.
    """
    settings.IDENTITY_CACHE_SECONDS = 0
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.fail("needs PostgreSQL")
    users = [member, colleague, member]
    cookies = [await cookie_for(user) for user in users]
    url = servers.test_database_env()["DATABASE_URL"]
    with psycopg.connect(url, autocommit=True) as watcher, psycopg.connect(url) as locker:
        locker.execute("LOCK TABLE django_session IN ACCESS EXCLUSIVE MODE")
        connecting = [
            asyncio.create_task(open_socket(application, user, cookie=cookie))
            for user, cookie in zip(users, cookies, strict=True)
        ]
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10
            waiting = 0
            while (waiting := await asyncio.to_thread(_waiting_on_sessions, watcher)) < CONCURRENT:
                if loop.time() > deadline:
                    break
                await asyncio.sleep(0.05)  # polling PostgreSQL's view of the waits, not a timed expectation
        finally:
            locker.rollback()  # releases the lock
        sockets = await asyncio.gather(*connecting)
    assert waiting == CONCURRENT, f"only {waiting} of {CONCURRENT} handshakes reached the database at once"
    for socket in sockets:
        await socket.close()


@pytest.mark.asyncio
async def test_the_lookup_threads_hand_their_database_connections_back(application, member, colleague, settings):
    """After handshakes, none of the lookup threads still holds a database connection.

    Before, each kept the one its lookup opened (channels' `close_old_connections` closes only
    what it judges obsolete): held connections, and a test database that could not be dropped
    ("being accessed by other users").
    """
    settings.IDENTITY_CACHE_SECONDS = 0  # every lookup on the threads (with the cache, none would be)
    cookies = [await cookie_for(user) for user in (member, colleague)]
    sockets = await asyncio.gather(
        *(
            open_socket(application, user, cookie=cookie)
            for user, cookie in zip((member, colleague) * 2, cookies * 2, strict=True)
        )
    )
    for socket in sockets:
        await socket.close()

    every_thread = threading.Barrier(LOOKUP_THREADS, timeout=10)  # one probe on each of the threads

    def holds_a_connection() -> bool:
        every_thread.wait()
        return connections["default"].connection is not None

    loop = asyncio.get_running_loop()
    held = await asyncio.gather(
        *(loop.run_in_executor(identity._lookup_executor, holds_a_connection) for _ in range(LOOKUP_THREADS))
    )
    assert held == [False] * LOOKUP_THREADS


async def _refusal(server: Daphne, cookie: str) -> tuple[int, str | None]:
    """The HTTP status and Retry-After of a refused upgrade (an opened socket fails the test)."""
    try:
        async with connect(
            server.ws_url, origin=server.url, additional_headers={"Cookie": f"sessionid={cookie}"}
        ) as ws:
            frame = None
            with contextlib.suppress(ConnectionClosed):
                frame = await asyncio.wait_for(ws.recv(), 10)
            raise AssertionError(f"expected a refused upgrade, the socket opened (then {frame or ws.close_code})")
    except InvalidStatus as refused:
        return refused.response.status_code, refused.response.headers.get("Retry-After")


@pytest.mark.asyncio
@pytest.mark.needs_redis
async def test_a_full_process_refuses_cleanly_and_many_sockets_share_a_small_redis_pool(tmp_path, member, colleague):
    """A process with a Redis pool of 3 connections and room for 40 sockets: 40 connect at once, all live.

    Before, each handshake borrowed a pool connection for its group joins: at 3 the pool
    raised "Too many connections" and sockets opened without live events. The 41st socket
    is refused with a 503 in the HTTP upgrade (socket.js backs off from it), and is taken once
    one has closed.
    """
    limit = 40
    env = daphne_env(
        redis_url=os.environ["REDIS_URL"], workdir=tmp_path, REALTIME_MAX_SOCKETS=str(limit), REDIS_MAX_CONNECTIONS="3"
    )
    (server,) = start_all([Daphne("daphne", env, tmp_path / "daphne.log")])
    try:
        users = [member, colleague]
        cookies = [await cookie_for(user) for user in users]
        sockets = await asyncio.gather(
            *(NetSocket(server, cookies[i % 2]).connect() for i in range(limit))
        )  # every one read its hello
        # Refused in the HTTP upgrade, before the WebSocket accept (it used to accept and close with 4503).
        assert await _refusal(server, cookies[0]) == (503, str(BUSY_RETRY_AFTER_S))

        await sockets.pop().close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while True:  # the server notices the close a moment later: retry as socket.js would
            try:
                sockets.append(await NetSocket(server, cookies[1]).connect())
                break
            except (AssertionError, ConnectionClosed, InvalidStatus):
                assert loop.time() < deadline, "no socket was taken after one closed"
                await asyncio.sleep(0.2)

        # Every socket receives live events: the per-user event that ends them, through Redis.
        layer = RedisChannelLayer(hosts=[os.environ["REDIS_URL"]], prefix=env["CHANNEL_PREFIX"])
        for user in users:
            await layer.group_send(f"user.{user.pk}", {"type": "user.disconnect", "reason": "deactivated"})
        codes = await asyncio.gather(*(socket.closed(timeout=15) for socket in sockets))
        assert codes == [4403] * limit
        log = server.log()
        assert "Too many connections" not in log
        assert "opened without live events" not in log
    finally:
        stop_all([server])


def test_the_browser_client_backs_off_from_a_full_server():
    """socket.js under node (tests/js/socket_backoff.mjs): a refused upgrade (a close without "open",
    which is all a browser shows of a 503) waits as long as a 4503; a server that accepts and
    closes with 4503 again and again gets exponentially longer, jittered waits; after a hello the
    next failure starts from the first delay. Before, "open" reset the backoff, so a full server
    was retried every 0.5-1 s forever, and a refused upgrade was retried after the first delay."""
    script = REPO / "tests/js/socket_backoff.mjs"
    node = shutil.which("node")
    assert node, "node is not installed (the browser tests need it too)"
    out = subprocess.run(
        [node, str(script), str(REPO / "static/js/socket.js")], capture_output=True, text=True, timeout=30, check=True
    )
    delays = json.loads(out.stdout)
    for delay, attempt in zip(delays, [2, 3, 4, 5, 6, 1], strict=True):
        full = min(30000, 500 * 2**attempt)
        assert full / 2 <= delay <= full, (delays, attempt)
