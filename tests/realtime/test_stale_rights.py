"""A socket's writes are checked against the current account and session, not the user loaded at connect.

Logout and deactivation send a close event to the user's sockets, best effort. Here that
event is lost (the session row is deleted, or the account flag set, behind the services'
back), and the next feature frame must still be refused: the socket is closed with 4403
and nothing is stored.
"""

import uuid

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session

from apps.accounts.models import User
from apps.chat.models import Message
from tests.sockets import open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def application():
    from intranet.asgi import application

    return application


def _log_out_silently(session_key: str) -> None:
    Session.objects.filter(session_key=session_key).delete()


def _deactivate_silently(user_id: int) -> None:
    User.objects.filter(pk=user_id).update(is_active=False)


@pytest.mark.parametrize("end", ["logout", "deactivation"])
@pytest.mark.parametrize("frame", ["chat.send", "subscribe", "typing"])
async def test_a_frame_after_the_account_or_session_ended_is_refused(application, member, sales_room, end, frame):
    socket = await open_socket(application, member)
    await socket.send({"type": "chat.send", "room": sales_room.pk, "body": "before", "client_id": str(uuid.uuid4())})
    assert (await socket.next("chat.message"))["message"]["body"] == "before"
    if end == "logout":
        await database_sync_to_async(_log_out_silently)(socket.cookie)
    else:
        await database_sync_to_async(_deactivate_silently)(member.pk)
    frames = {
        "chat.send": {"type": "chat.send", "room": sales_room.pk, "body": "after", "client_id": str(uuid.uuid4())},
        "subscribe": {"type": "subscribe", "room": sales_room.pk, "after": None},
        "typing": {"type": "typing", "room": sales_room.pk},
    }
    await socket.send(frames[frame])
    assert await socket.closed() == 4403
    bodies = await database_sync_to_async(lambda: list(Message.objects.values_list("body", flat=True)))()
    assert "after" not in bodies


async def test_the_socket_s_own_frames_still_answer_while_signed_in(application, member, sales_room):
    socket = await open_socket(application, member)
    await socket.send({"type": "chat.send", "room": sales_room.pk, "body": "hello", "client_id": str(uuid.uuid4())})
    assert (await socket.next("chat.message"))["message"]["body"] == "hello"
    await socket.send({"type": "ping"})
    assert await socket.next("pong") == {"type": "pong"}
    await socket.close()
