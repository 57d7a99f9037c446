"""What happens to a WebSocket handshake before the consumer: a socket limit, then who is asking.

channels' `AuthMiddlewareStack` resolves the session and user with `database_sync_to_async`,
which is thread-sensitive: every handshake of the process queued on ONE thread, so a
reconnect storm was as slow as its handshakes' database calls in a row (and channels'
session wrapper then inspected every frame sent). Here they are Django's own async lookup
(`django.contrib.auth.aget_user`) on the session store's async reads: from the cache on the
event loop, with no thread at all unless the cache misses (`apps.accounts.identity`), and
nothing wraps `send`.

`SocketLimit` counts the sockets of the process (open ones and handshakes in flight); past
`REALTIME_MAX_SOCKETS` (or `REALTIME_MAX_HANDSHAKES` in flight) a new one is refused before
any database or Redis work. Under daphne that happens in the HTTP upgrade already: a 503 with
`Retry-After`, before an application instance exists (apps.realtime.transport
`refuse_upgrades_when_full`, which asks `SocketLimit.full`). What still reaches the
middleware while full (upgrades of the same instant, or another server) is accepted and
closed at once with CLOSE_BUSY. A browser sees either as a refusal (a socket that closed
without opening, or 4503) and socket.js waits longer before trying again, so an overloaded
process sheds load cleanly instead of timing handshakes out.
"""

import logging
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie

from apps.accounts import identity
from apps.core.observability import SOCKETS_REFUSED

logger = logging.getLogger(__name__)

HANDSHAKE_DONE = "intranet.handshake_done"  # scope key: a callable, see `handshake_done`
CLOSE_BUSY = 4503  # like HTTP 503: this process is full, try again later (RFC 6455's 1013 is not ours to send)


class _SessionOnly:
    """The part of a request that `django.contrib.auth.get_user` reads."""

    def __init__(self, session: Any) -> None:
        self.session = session


async def resolve_session(session_key: str | None) -> tuple[Any, Any]:
    """The socket's session and its user (AnonymousUser if none), as Django's AuthenticationMiddleware decides."""
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if not session_key:
        return session, AnonymousUser()
    with identity.resolving_user_of(session):  # the session's read brings the user along
        return session, await auth.aget_user(_SessionOnly(session))


class SessionAuth:
    """ASGI middleware: `scope["cookies"]`, `scope["session"]` and `scope["user"]`."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        cookies: dict[str, str] = {}
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookies.update(parse_cookie(value.decode("latin1")))
        session, user = await resolve_session(cookies.get(settings.SESSION_COOKIE_NAME))
        return await self.inner({**scope, "cookies": cookies, "session": session, "user": user}, receive, send)


class SocketLimit:
    """ASGI middleware: at most `limit` sockets in this process, at most `handshakes` of them still connecting.

    The second bound keeps a storm from queueing more handshakes than the process can finish
    before daphne's handshake timeout (5 s): the excess is refused at once and retries later,
    instead of every handshake in the queue timing out together.
    """

    def __init__(self, inner: Any, limit: int | None = None, handshakes: int | None = None) -> None:
        self.inner = inner
        self.limit = limit
        self.handshakes = handshakes
        self.current = 0
        self.connecting = 0

    def full(self) -> bool:
        """Would a new socket be refused now? (Asked again by the HTTP upgrade, before the application.)"""
        limit = self.limit if self.limit is not None else settings.REALTIME_MAX_SOCKETS
        handshakes = self.handshakes if self.handshakes is not None else settings.REALTIME_MAX_HANDSHAKES
        return self.current >= limit or self.connecting >= handshakes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if self.full():
            await refuse_busy(receive, send)
            return None
        self.current += 1
        self.connecting += 1
        connecting = [True]

        def connected() -> None:
            if connecting[0]:
                connecting[0] = False
                self.connecting -= 1

        try:
            return await self.inner({**scope, HANDSHAKE_DONE: connected}, receive, send)
        finally:
            self.current -= 1
            connected()


def handshake_done(scope: dict) -> None:
    """The consumer has accepted or refused: the socket no longer counts as connecting."""
    done = scope.get(HANDSHAKE_DONE)
    if done is not None:
        done()


async def refuse_busy(receive: Any, send: Any) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    SOCKETS_REFUSED.inc()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": CLOSE_BUSY})
