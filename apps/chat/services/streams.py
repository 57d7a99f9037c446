"""A room's stream: revisions taken under the room's row lock, events broadcast after commit.

Every change to a room's stream (a message sent, edited or deleted, a reader removed)
happens inside a transaction that first takes the room's next revision with an UPDATE:
that locks the room row until commit, so within a room ids and revisions are assigned in
commit order. The change is broadcast after commit to the room's group on the chat
channel layer, already encoded as the frame every subscriber gets. A broadcast that never
arrives (Redis restarting, a full channel) is not a lost message: it is in the database,
and the hubs catch up by revision (see `hub`).
"""

from django.conf import settings
from django.db import connection

from apps.core.errors import NotFound
from apps.realtime.groups import user_group
from apps.realtime.publish import send_frame_on_commit, send_on_commit

from .. import selectors
from ..access import UNKNOWN_ROOM
from ..models import Room


def chat_layer_alias() -> str:
    """The chat streams use their own layer when one is configured (see settings), else the default."""
    return "chat" if "chat" in getattr(settings, "CHANNEL_LAYERS", {}) else "default"


def publish_room_event(room_id: int, event: dict) -> None:
    """Broadcast a room stream event (`RoomStreamEvent`) once the current transaction commits."""
    send_on_commit(
        selectors.room_group(room_id), {"type": "chat.event", "room": room_id, **event}, layer=chat_layer_alias()
    )


def send_to_user(user_id: int, frame: dict) -> None:
    """A frame for every open socket of one user, after commit (the default layer, like notifications)."""
    send_frame_on_commit(user_group(user_id), frame)


def next_revision(room_id: int) -> int:
    """Lock the room row (until commit) and take its next revision.

    An UPDATE first, not a SELECT: on PostgreSQL it locks the row; on SQLite it takes the
    write lock at once (a read first could not be upgraded under a concurrent writer).
    """
    table = Room._meta.db_table
    with connection.cursor() as cursor:
        # RETURNING: PostgreSQL, and SQLite since 3.35.
        cursor.execute(f"UPDATE {table} SET revision = revision + 1 WHERE id = %s RETURNING revision", [room_id])  # noqa: S608 - the table name is ours
        row = cursor.fetchone()
    if row is None:
        raise NotFound("unknown_room", UNKNOWN_ROOM)
    return row[0]


def set_last_message(room_id: int, message_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Room._meta.db_table} SET last_message_id = %s WHERE id = %s", [message_id, room_id])  # noqa: S608


def revoke(room: Room, user_ids) -> None:
    """Stop every open socket of these users receiving the room, in stream order.

    The revoke takes a revision like a message, so a message committed after it is
    processed after it by every hub: it cannot reach the removed reader.
    """
    from django.db import transaction

    user_ids = sorted(set(user_ids))
    if not user_ids:
        return
    with transaction.atomic():
        revision = next_revision(room.pk)
        publish_room_event(room.pk, {"kind": "revoke", "rev": revision, "users": user_ids})
