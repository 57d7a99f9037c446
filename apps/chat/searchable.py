"""Chat messages in search: a department room's for the department's readers, a private room's for its members."""

from django.urls import reverse

from apps.search.registry import CHAT, Audience, DocumentData, SearchKind, register, register_audience

from .models import Message, Room

# Group and direct rooms: their members (chat's own rule, `Room.objects.visible_to`), and
# never what a deactivated colleague wrote there.
register_audience(
    Audience(
        "room",
        10,
        lambda user: Room.objects.visible_to(user).filter(kind__in=[Room.Kind.GROUP, Room.Kind.DIRECT]).values("pk"),
        active_author=True,
    )
)


def _message_document(message: Message) -> DocumentData | None:
    if message.deleted_at is not None:
        return None
    room = message.room
    in_department = room.kind == Room.Kind.DEPARTMENT
    return DocumentData(
        object_id=message.pk,
        title="",
        body=message.body,
        # The room opens scrolled to the message (older history loads until it is there).
        url=f"{reverse('chat:room', args=[message.room_id])}#message-{message.pk}",
        created_at=message.created_at,
        department_id=room.department_id if in_department else None,
        room_id=message.room_id,
        author_id=message.author_id,
        audience="department" if in_department else "room",
    )


register(
    SearchKind(
        name="message",
        label="Chat message",
        group=CHAT,
        model=Message,
        queryset=lambda: Message.objects.select_related("room"),
        document=_message_document,
        fields=frozenset({"body", "deleted_at", "edited_at"}),
    )
)
