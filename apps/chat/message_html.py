"""A page of chat messages as HTML, each message's `<li>` cached under a stamp of what it shows (issue 17).

Fifty `chat/_message.html` renders were half of the room page's time. A message looks the
same to everyone who reads the room, except whether it is mine and the times, which are in
the reader's time zone and language: those are part of the key. Everything else the
template shows (author's name, text, edit, pin, replies, files) is in the stamp, so an edit
or a rename is never served stale (apps/core/fragments.py). Only the messages of a room the
reader was admitted to (`access_room`) are looked up.
"""

import hashlib
from collections.abc import Sequence

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from apps.accounts.models import User
from apps.core.fragments import cached_fragments, template_digest

from .models import Message

TEMPLATE = "chat/_message.html"
KEEP_SECONDS = 24 * 3600  # a room's recent messages are the ones read again; old ones may fall out


def _prefix() -> str:
    """The part of the keys that is the same for every message of a page: template, time zone, language."""
    return f"chat:message:{template_digest(TEMPLATE)}:{timezone.get_current_timezone_name()}:{get_language()}"


def _key(message: Message, reader: User, prefix: str | None = None) -> str:
    return f"{prefix or _prefix()}:{message.pk}:{int(message.author_id == reader.pk)}"


def stamp(message: Message) -> str:
    """A digest of everything the message shows: a few bytes per entry, however long the text."""
    files = [(f.pk, f.file.name, f.original_name, f.size, f.content_type) for f in message.attached_files()]
    shown = (
        message.author_id, message.author.display_name, message.revision, message.body, message.html,
        message.created_at, message.edited_at, message.pinned_at, message.reply_count, files,
    )  # fmt: skip
    return hashlib.sha256(repr(shown).encode()).hexdigest()[:32]


def message_items(messages: Sequence[Message], reader: User) -> list[SafeString]:
    """Each message's `<li>`, in order; `messages` loaded by `selectors.messages_with_authors()`."""
    prefix = _prefix()
    return cached_fragments(
        messages,
        key=lambda m: _key(m, reader, prefix),
        stamp=stamp,
        render=lambda m: render_to_string(TEMPLATE, {"message": m, "user": reader}),
        timeout=KEEP_SECONDS,
    )
