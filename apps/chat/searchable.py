"""Chat messages in search: a department room's for the department's readers, a private room's for its members."""

from django.db.models import Q
from django.urls import reverse

from apps.search.registry import CHAT, DocumentData, SearchKind, register
from apps.search.visibility import department_content

from .models import Message, Room, RoomMember


def _message_document(message: Message) -> DocumentData | None:
    if message.deleted_at is not None:
        return None
    room = message.room
    return DocumentData(
        object_id=message.pk,
        title="",
        body=message.body,
        # The room opens scrolled to the message (older history loads until it is there).
        url=f"{reverse('chat:room', args=[message.room_id])}#message-{message.pk}",
        created_at=message.created_at,
        department_id=room.department_id if room.kind == Room.Kind.DEPARTMENT else None,
        room_id=message.room_id,
        author_id=message.author_id,
    )


def _visible(user) -> Q:
    # Private rooms: their members, and never what a deactivated colleague wrote there.
    private = Q(
        department_id__isnull=True,
        room_id__in=RoomMember.objects.filter(user_id=user.pk).values("room_id"),
        author__is_active=True,
    )
    return (Q(department_id__isnull=False) & department_content(user)) | private


register(
    SearchKind(
        name="message",
        label="Chat message",
        group=CHAT,
        model=Message,
        queryset=lambda: Message.objects.select_related("room"),
        document=_message_document,
        visible=_visible,
        fields=frozenset({"body", "deleted_at", "edited_at"}),
    )
)
