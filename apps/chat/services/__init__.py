"""Writes in chat, in three modules: `messages` (send, edit, delete, read positions), `rooms`
(department, group and direct rooms, their members) and `streams` (revisions and broadcasts).
Callers import them from here."""

from .messages import (
    check_rate,
    clean_body,
    message_delete,
    message_edit,
    message_send,
    messages_remove_by_author,
    parse_client_id,
    render_message,
    room_mark_read,
    start_reading,
)
from .reactions import message_pin, message_react, room_set_level
from .rooms import (
    chat_room_for_department,
    department_member_added,
    department_member_removed,
    department_room_closing,
    direct_room,
    ensure_department_rooms,
    group_room_create,
    group_room_update,
    room_member_add,
    room_member_remove,
    room_summary,
)
from .streams import chat_layer_alias, publish_room_event, send_to_user

__all__ = [
    "chat_layer_alias",
    "chat_room_for_department",
    "check_rate",
    "clean_body",
    "department_member_added",
    "department_member_removed",
    "department_room_closing",
    "direct_room",
    "ensure_department_rooms",
    "group_room_create",
    "group_room_update",
    "message_delete",
    "message_edit",
    "message_pin",
    "message_react",
    "message_send",
    "messages_remove_by_author",
    "parse_client_id",
    "publish_room_event",
    "render_message",
    "room_mark_read",
    "room_member_add",
    "room_member_remove",
    "room_set_level",
    "room_summary",
    "send_to_user",
    "start_reading",
]
