"""Shapes of the chat frames on /ws/ and of the events between processes.

Client → server frames (DESIGN.md "Real time", plus the ones the UI needs):

    {"type": "subscribe", "room": 3, "after": 120 | null, "revision": 57}   # "revision" optional
    {"type": "unsubscribe", "room": 3}
    {"type": "chat.send", "room": 3, "body": "hi @**Ada Admin**", "client_id": "<uuid>"}
    {"type": "typing", "room": 3}
    {"type": "chat.edit", "message": 130, "body": "..."}
    {"type": "chat.delete", "message": 130}
    {"type": "chat.read", "room": 3, "message": 130}
    {"type": "chat.send", ..., "parent": 130}          # a reply in the thread of message 130
    {"type": "chat.react", "message": 130, "emoji": "thumbs_up"}   # toggles the user's reaction
    {"type": "chat.pin", "message": 130, "pinned": true}
    {"type": "chat.thread", "message": 130}             # answered by `chat.thread`
    {"type": "chat.pins", "room": 3}                    # answered by `chat.pins`
    {"type": "chat.level", "room": 3, "level": "all" | "mentions" | "nothing"}

Reactions, pins and reply counts change the message like an edit does (a new revision in
the room's stream), so they arrive as `chat.message_edited` with the whole message.

Server → client frames are the TypedDicts below, plus the shared
`{"type": "error", "code": ..., "detail": ...}`.
"""

from typing import Literal, NotRequired, TypedDict


class AuthorPayload(TypedDict):
    id: int
    name: str


class ReactionPayload(TypedDict):
    key: str  # one of apps.feed.models.REACTION_EMOJI
    emoji: str
    count: int
    users: list[int]  # who reacted, first first
    names: list[str]  # their names, for the tooltip (at most 20)


class FilePayload(TypedDict):
    id: int
    name: str
    url: str  # served after the room-reader check (apps.files)
    content_type: str
    size: int
    image: bool  # shown as a preview


class MessagePayload(TypedDict):
    id: int
    room: int
    author: AuthorPayload
    body: str
    html: str
    created_at: str
    client_id: str | None
    edited_at: str | None
    deleted: bool
    revision: int
    mentions: list[int]
    parent: int | None  # the thread a reply belongs to
    reply_count: int
    last_reply_at: str | None
    reactions: list[ReactionPayload]
    pinned: bool
    files: list[FilePayload]


class ChatMessageFrame(TypedDict):
    """A new message (live, replayed after `subscribe`, or the answer to a resend)."""

    type: Literal["chat.message"]
    room: int
    message: MessagePayload
    duplicate: NotRequired[bool]  # only on the answer to a resend of an existing client_id


class ChatMessageEditedFrame(TypedDict):
    type: Literal["chat.message_edited"]
    room: int
    message: MessagePayload


class ChatMessageDeletedFrame(TypedDict):
    type: Literal["chat.message_deleted"]
    room: int
    message: MessagePayload  # body and html empty, deleted true


class ChatSubscribedFrame(TypedDict):
    """Sent after the replay: everything up to `last_id` (and room `revision`) has been sent."""

    type: Literal["chat.subscribed"]
    room: int
    last_id: int
    revision: int
    has_older: bool
    # More messages came after `after` than a replay sends (selectors.REPLAY_LIMIT): only the
    # newest were sent; the ones before them are in the room's history (the API, the page).
    gap: NotRequired[bool]


class ChatUnsubscribedFrame(TypedDict):
    type: Literal["chat.unsubscribed"]
    room: int


class ChatRemovedFrame(TypedDict):
    """The user lost access to the room (removed from the department or the group): no more frames for it."""

    type: Literal["chat.removed"]
    room: int
    detail: str


class ChatTypingFrame(TypedDict):
    type: Literal["chat.typing"]
    room: int
    user: AuthorPayload


class ChatPresenceFrame(TypedDict):
    """Who in the room is online. `full`: the whole list (replace); otherwise a change (apply).

    `count` is the number of readers online. Rooms with more than 100 readers send only
    the count (`listed` false, empty lists), so that a reconnect storm in a big room does
    not cost O(readers²) bytes.
    """

    type: Literal["chat.presence"]
    room: int
    full: bool
    online: list[AuthorPayload]
    offline: list[int]
    count: int
    listed: bool


class ChatReadFrame(TypedDict):
    """To all the user's sockets when they read a room somewhere: the room's unread count now."""

    type: Literal["chat.read"]
    room: int
    last_read_id: int
    unread: int


class ChatThreadFrame(TypedDict):
    """The answer to `chat.thread`: a thread's first message and its replies, oldest first."""

    type: Literal["chat.thread"]
    room: int
    message: MessagePayload
    replies: list[MessagePayload]


class ChatPinsFrame(TypedDict):
    """The answer to `chat.pins`: the room's pinned messages, newest pin first."""

    type: Literal["chat.pins"]
    room: int
    messages: list[MessagePayload]


class ChatLevelFrame(TypedDict):
    """To all the user's sockets: their notification level for a room changed."""

    type: Literal["chat.level"]
    room: int
    level: Literal["all", "mentions", "nothing"]


class RoomSummary(TypedDict):
    """A room as the room list shows it (the rooms API's fields)."""

    id: int
    kind: str
    name: str
    topic: str
    department: str | None
    last_message_id: int
    revision: int
    unread_count: int
    url: str


class ChatRoomAddedFrame(TypedDict):
    """To all the user's sockets: they can read a new room (joined a department, invited, a direct message)."""

    type: Literal["chat.room_added"]
    room: RoomSummary


# Events on the chat channel layer, group `chat.room.<id>` (never sent to a browser as they are).
# Stream events (message, edit, delete, revoke, close) carry the room revision `rev` they
# created; a process that sees a gap in `rev` catches up from the database. Signals (typing,
# presence) are outside the revision stream. `text` is the frame, JSON-encoded once by the
# sender for every recipient.
class RoomEvent(TypedDict):
    type: Literal["chat.event"]
    room: int
    kind: Literal["message", "edit", "delete", "revoke", "close", "typing", "presence"]
    rev: NotRequired[int]  # stream events
    id: NotRequired[int]  # message id (message, edit, delete)
    users: NotRequired[list[int]]  # revoke: who lost access
    user: NotRequired[int]  # typing: who
    name: NotRequired[str]  # typing: their name
    hints: NotRequired[list[list]]  # presence: [[user id, name], ...] whose presence may have changed
    text: NotRequired[str]
