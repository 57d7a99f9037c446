"""Chat rooms, their members and messages.

A room is one of three kinds:

- a department room: one per department, readable by the department's members (every
  active user for the company-wide space); membership follows the department's;
- a group room: private, created by a user who invites colleagues (`RoomMember` rows);
- a direct room: exactly two people (`RoomMember` rows), unique per pair (`direct_key`).

Ordering and catch-up rest on two counters kept on the room row and changed only while
that row is locked (see `services`): `revision` grows by one with every change to the
room's stream (a message sent, edited or deleted, a reader removed), and `last_message_id`
is the newest message. Because a message is inserted while its room row is locked,
message ids grow within a room in commit order, so "every message after id N" is exact.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.compiled import KeyQuery
from apps.departments.models import Department


class RoomQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RoomQuerySet":
        """Rooms `user` may read (`access.readable_rooms`). Admins get no extra rooms."""
        from .access import readable_rooms

        return self.filter(readable_rooms(user))


class Room(models.Model):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", "Department"
        GROUP = "group", "Group"
        DIRECT = "direct", "Direct message"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=80, blank=True, help_text="Group rooms only; others take their name elsewhere.")
    topic = models.CharField(max_length=250, blank=True)
    department = models.OneToOneField(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="chat_room"
    )
    direct_key = models.CharField(
        max_length=50, null=True, blank=True, unique=True, help_text="'<lower user id>:<higher user id>'"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_id = models.BigIntegerField(default=0)
    revision = models.BigIntegerField(default=0)

    objects = RoomQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="department") & Q(department__isnull=False))
                | (~Q(kind="department") & Q(department__isnull=True)),
                name="chat_room_department_iff_department_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="direct", direct_key__isnull=False) | (~Q(kind="direct") & Q(direct_key__isnull=True)),
                name="chat_room_direct_key_iff_direct_kind",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.DEPARTMENT:
            return f"#{self.department.name}"
        return self.name or f"room {self.pk}"


class RoomMember(models.Model):
    """A person in a group or direct room. Department rooms have none: the department decides."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_rooms")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="chat_one_member_row_per_room")]
        indexes = [models.Index(fields=["user", "room"])]

    def __str__(self) -> str:
        return f"{self.user_id} in room {self.room_id} ({self.role})"


class ReadPosition(models.Model):
    """The newest message a person has read in a room: everything after it (by others) is unread."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="chat_one_read_position")]

    def __str__(self) -> str:
        return f"{self.user_id} read room {self.room_id} up to {self.last_read_id}"


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_messages")
    body = models.TextField()
    html = models.TextField(help_text="`body` rendered through the sanitiser once, on save.")
    client_id = models.UUIDField(
        null=True, blank=True, help_text="Chosen by the sender: a resend returns the original."
    )
    mentioned_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision = models.BigIntegerField(help_text="The room's revision at this message's latest change.")
    # Threads, reactions and pins change the message's row (and its revision) under the room
    # lock like an edit, so they travel in the room's stream as `chat.message_edited` frames
    # and a reconnecting client catches up on them by revision.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies",
        help_text="The thread's first message, for a reply in a thread.",
    )  # fmt: skip
    reply_count = models.PositiveIntegerField(default=0)
    last_reply_at = models.DateTimeField(null=True, blank=True)
    reactions = models.JSONField(
        default=dict, blank=True, help_text="{emoji key: [user ids in the order they reacted]}"
    )
    pinned_at = models.DateTimeField(null=True, blank=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=Q(client_id__isnull=False),
                name="chat_one_message_per_client_id",
            )
        ]
        indexes = [
            models.Index(fields=["room", "id"], name="chat_message_room_id"),
            models.Index(fields=["room", "revision"], name="chat_message_room_revision"),
            models.Index(fields=["parent", "id"], name="chat_message_thread"),
            models.Index(fields=["room", "pinned_at"], name="chat_message_pins", condition=Q(pinned_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} in room {self.room_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def attached_files(self) -> list["MessageFile"]:
        """The message's files: those `with_files` loaded for its list, else a query."""
        files = getattr(self, FILE_LIST, None)
        return files if files is not None else list(self.files.all())


# Where `with_files` puts a message's files. A plain list, not the related manager's cache:
# Django's prefetch builds and filters a queryset for every message (51 on a chat page, a
# fifth of its CPU), a list costs nothing.
FILE_LIST = "file_list"


def files_prefetch() -> models.Prefetch:
    """`prefetch_related(files_prefetch())`: the messages' files in one query, for `attached_files`."""
    return models.Prefetch("files", to_attr=FILE_LIST)


def _files_of(message_ids: tuple[int, ...]) -> models.QuerySet:
    return MessageFile.objects.filter(message_id__in=message_ids)


def with_files(messages: "list[Message] | tuple[Message, ...]") -> None:
    """Load these messages' files in one query (`Message.attached_files` reads them), as `files_prefetch` does.

    The query is compiled once per number of messages (apps/core/compiled.py): Django's
    prefetch built it anew for every page of messages.
    """
    by_id: dict[int, list[Message]] = {}
    for message in messages:
        setattr(message, FILE_LIST, [])
        by_id.setdefault(message.pk, []).append(message)  # a list may hold one message twice
    if not by_id:
        return
    remote = MessageFile._meta.get_field("message")
    for file in _FILES_OF.objects(tuple(by_id)):
        same = by_id[file.message_id]
        remote.set_cached_value(file, same[0])  # `file.message` without a query, as the prefetch left it
        for message in same:
            getattr(message, FILE_LIST).append(file)


def chat_file_path(instance: "MessageFile", filename: str) -> str:
    return f"chat/files/{uuid.uuid4().hex}"


class MessageFile(models.Model):
    """A file sent with a chat message: checked by content like the feed's (`apps.feed.files`),
    served only to the room's readers (`access.can_read_chat_file`)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=chat_file_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["file"])]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/png", "image/jpeg")


class RoomSetting(models.Model):
    """A person's notification level for one room (no row: everything)."""

    class Level(models.TextChoices):
        ALL = "all", "All messages"
        MENTIONS = "mentions", "Mentions only"
        NOTHING = "nothing", "Nothing (muted)"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.ALL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="chat_one_setting_per_room")]

    def __str__(self) -> str:
        return f"{self.user_id} in room {self.room_id}: {self.level}"


_FILES_OF = KeyQuery(_files_of, key=tuple)
