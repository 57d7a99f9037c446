"""The one way anything is sent to sockets: `send_on_commit`, after the transaction commits.

Every service that changes what a socket shows calls one of these; nothing sends from a
signal or before commit (a rolled-back change must never have been broadcast). Delivery
is best effort: the change is already committed, the page is right on its next load, and
chat catches up from the database by revision. An unreachable channel layer is logged,
never raised into a request that has already succeeded.

Every event, and every frame for browsers inside one, is checked against its declaration
(see `declarations`) when `REALTIME_CHECK_FRAMES` is on, as it is in the tests.
"""

import asyncio
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from apps.core.observability import LAYER_ERRORS

from . import declarations

logger = logging.getLogger(__name__)

RELAY = "relay.frame"  # a channel-layer event carrying a finished frame for the socket


def send_now(group: str, event: Mapping, *, layer: str = "default") -> None:
    """Send a channel-layer event to a group at once (for callers already after their commit)."""
    send_many_now([(group, event)], layer=layer)


def send_many_now(events: Sequence[tuple[str, Mapping]], *, layer: str = "default") -> None:
    """Send (group, event) pairs at once, in one trip to the channel layer (one event loop, one connection).

    One trip for many matters to services that change thousands of rows at once (an erasure): an
    `async_to_sync` per event costs a new loop and a new Redis connection each.
    """
    channel_layer = get_channel_layer(layer)
    if channel_layer is None or not events:
        return
    events = [(group, dict(event)) for group, event in events]

    async def send_all() -> None:
        for group, event in events:
            await channel_layer.group_send(group, event)

    send = async_to_sync(send_all)
    try:
        if _loop_running_here():
            # Sync code on a thread that runs an event loop (a script or test driving a browser
            # with Playwright's sync API): async_to_sync refuses there, so send from a helper thread.
            with ThreadPoolExecutor(max_workers=1) as helper:
                helper.submit(send).result(timeout=10 + len(events) / 100)
        else:
            send()
    except Exception:
        LAYER_ERRORS.inc()
        groups = ", ".join(sorted({group for group, _ in events})[:5])
        logger.warning("%d live event(s) to %s failed (delivery is best effort)", len(events), groups, exc_info=True)


def _checked(event: Mapping) -> dict:
    event = dict(event)
    if getattr(settings, "REALTIME_CHECK_FRAMES", False):
        declarations.check_frame(event)
        if event["type"] == RELAY:
            declarations.check_frame(event["frame"])
    return event


def send_many_on_commit(events: Sequence[tuple[str, Mapping]], *, layer: str = "default") -> None:
    """Many (group, event) pairs, checked like `send_on_commit`, sent together once the transaction commits."""
    events = [(group, _checked(event)) for group, event in events]
    transaction.on_commit(lambda: send_many_now(events, layer=layer))


def _loop_running_here() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def send_on_commit(group: str, event: Mapping, *, layer: str = "default") -> None:
    """Send a channel-layer event to a group once the current transaction commits (at once outside one)."""
    send_many_on_commit([(group, event)], layer=layer)


def send_frame_on_commit(group: str, frame: Mapping, *, topic: str | None = None) -> None:
    """A frame every socket in `group` passes on unchanged to its browser, after commit."""
    event = {"type": RELAY, "frame": dict(frame)}
    if topic is not None:
        event["topic"] = topic
    send_on_commit(group, event)
