"""Reactions, pins and per-room notification levels.

A reaction or a pin changes the message row under the room's lock and takes the room's
next revision, exactly like an edit: every subscriber gets `chat.message_edited` with the
whole message, and a client that was away catches up by revision. Anyone who may write in
the room may react and pin (as in Slack); a deleted message takes neither.
"""

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import Invalid, NotFound
from apps.feed.models import REACTION_EMOJI

from ..access import UNKNOWN_MESSAGE, access_message, access_room
from ..models import Message, RoomSetting, with_files
from .messages import _require_writing, check_rate, publish_update
from .streams import next_revision, send_to_user

MAX_REACTIONS_PER_EMOJI = 1000  # a JSON list on the message row stays small


def _locked_message(message: Message) -> Message:
    """Take the room's next revision (locking the room row), then re-read the message under it."""
    revision = next_revision(message.room_id)
    fresh = Message.objects.select_for_update().filter(pk=message.pk, deleted_at__isnull=True).first()
    if fresh is None:
        raise NotFound("unknown_message", UNKNOWN_MESSAGE)
    fresh.revision = revision
    fresh.author = message.author
    fresh.room = message.room
    with_files([fresh])
    return fresh


def message_react(*, acting_user: User, message_id: object, emoji: object, check_rate_limit: bool = True) -> Message:
    """Toggle `acting_user`'s `emoji` on the message; returns it as it is now (`check_rate_limit`: as for sends)."""
    if not isinstance(emoji, str) or emoji not in REACTION_EMOJI:
        raise Invalid("bad_emoji", f"'emoji' must be one of: {', '.join(REACTION_EMOJI)}.")
    message = access_message(acting_user, message_id)
    _require_writing(acting_user, message.room)
    if check_rate_limit:
        check_rate(acting_user)
    with transaction.atomic():
        message = _locked_message(message)
        reactions = {key: list(users) for key, users in (message.reactions or {}).items()}
        users = reactions.get(emoji, [])
        if any(user_id == acting_user.pk for user_id, _ in users):
            users = [entry for entry in users if entry[0] != acting_user.pk]
        elif len(users) >= MAX_REACTIONS_PER_EMOJI:
            raise Invalid("too_many_reactions", "This message has as many of these reactions as it can take.")
        else:
            users = [*users, [acting_user.pk, acting_user.display_name]]
        if users:
            reactions[emoji] = users
        else:
            reactions.pop(emoji, None)
        message.reactions = reactions
        Message.objects.filter(pk=message.pk).update(reactions=reactions, revision=message.revision)
        publish_update(message)
    return message


def message_pin(*, acting_user: User, message_id: object, pinned: object) -> Message:
    """Pin a message to its room (or unpin it): the room's readers see it under "Pinned"."""
    if not isinstance(pinned, bool):
        raise Invalid("bad_frame", "'pinned' must be true or false.")
    message = access_message(acting_user, message_id)
    _require_writing(acting_user, message.room)
    if message.parent_id is not None:
        raise Invalid("bad_pin", "Pin the thread's first message rather than a reply.")
    if (message.pinned_at is not None) == pinned:
        with_files([message])
        return message
    with transaction.atomic():
        message = _locked_message(message)
        message.pinned_at = timezone.now() if pinned else None
        message.pinned_by = acting_user if pinned else None
        Message.objects.filter(pk=message.pk).update(
            pinned_at=message.pinned_at, pinned_by=message.pinned_by, revision=message.revision
        )
        publish_update(message)
    return message


def room_set_level(*, acting_user: User, room_id: object, level: object) -> str:
    """The person's notification level for a room: all, mentions (and direct messages' mentions), or nothing."""
    room = access_room(acting_user, room_id)
    if level not in RoomSetting.Level.values:
        raise Invalid("bad_level", f"'level' must be one of: {', '.join(RoomSetting.Level.values)}.")
    with transaction.atomic():
        RoomSetting.objects.update_or_create(room=room, user=acting_user, defaults={"level": level})
        send_to_user(acting_user.pk, {"type": "chat.level", "room": room.pk, "level": level})
    return level
