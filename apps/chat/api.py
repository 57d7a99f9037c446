"""The chat REST API under /api/v1/chat/: rooms, history, sending, members, direct messages.

The same services and gatekeepers as the WebSocket and the HTML pages; a room or message
the caller may not read answers 404 exactly like a missing one.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.errors import Invalid
from apps.core.ids import parse_id
from apps.core.pagination import ByIdCursorPagination, ByNameCursorPagination, DefaultCursorPagination
from apps.core.schema import error_responses
from apps.core.serializers import ID_SCHEMA, IdField
from apps.people.api import FileUrlField

from . import selectors, services
from .access import access_message, access_room
from .models import Message, Room


class RoomSerializer(serializers.Serializer):
    """A room as its reader sees it: direct rooms are named after the other person."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="`department`, `group` or `direct`.")
    name = serializers.CharField(max_length=80, help_text="Group rooms: required when creating.")
    topic = serializers.CharField(max_length=250, required=False, allow_blank=True)
    department = serializers.CharField(read_only=True, allow_null=True, help_text="The department's slug.")
    last_message_id = serializers.IntegerField(read_only=True)
    revision = serializers.IntegerField(read_only=True)
    unread_count = serializers.IntegerField(read_only=True)
    url = serializers.CharField(read_only=True)
    members = serializers.ListField(child=IdField(), write_only=True, required=False, help_text="User ids to invite.")

    def to_representation(self, room: Room) -> dict:
        return services.room_summary(room, self.context["request"].user)


class MessageSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False, help_text="Markdown; `@**Display Name**` mentions.")
    client_id = serializers.UUIDField(required=False, allow_null=True, help_text="A resend returns the original.")
    confirm = serializers.BooleanField(
        required=False, default=False, write_only=True, help_text="Send anyway after a `policy_warning`."
    )

    def to_representation(self, message) -> dict:
        return dict(selectors.message_payload(message))


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="display_name")
    job_title = serializers.CharField()
    role = serializers.CharField()
    thumbnail_url = FileUrlField(source="photo_thumbnail")


class MessagePagination(DefaultCursorPagination):
    """Newest first; `?before=<id>` starts below a message the client already has."""

    page_size = selectors.HISTORY_PAGE_SIZE


class RoomViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Rooms the caller reads, with unread counts. POST creates a private group room."""

    serializer_class = RoomSerializer
    pagination_class = ByIdCursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Room.objects.none()
        return selectors.rooms_for(self.request.user)

    def get_room(self) -> Room:
        return access_room(self.request.user, int(self.kwargs["pk"]))

    def get_object(self) -> Room:
        return get_object_or_404(self.get_queryset(), pk=self.get_room().pk)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.group_room_create(
            acting_user=self.request.user,
            name=data["name"],
            topic=data.get("topic", ""),
            member_ids=data.get("members", []),
        )

    @extend_schema(
        request=inline_serializer(
            "RoomUpdate",
            {"name": serializers.CharField(required=False), "topic": serializers.CharField(required=False)},
        )
    )
    def partial_update(self, request, pk=None):
        room = self.get_room()
        services.group_room_update(acting_user=request.user, room_id=room.pk, name=request.data.get("name"),
                                   topic=request.data.get("topic"))  # fmt: skip
        return Response(RoomSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(
        methods=["GET"],
        parameters=[OpenApiParameter("before", ID_SCHEMA, description="Only messages older than this id")],
        responses=MessageSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"], request=MessageSerializer, responses={201: MessageSerializer, 200: MessageSerializer}
    )
    @error_responses(429)
    @action(detail=True, methods=["get", "post"])
    def messages(self, request, pk=None):
        """GET: the history, newest first (cursor pagination). POST: send a message (idempotent by `client_id`)."""
        room = self.get_room()
        if request.method == "POST":
            data = MessageSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            client_id = data.validated_data.get("client_id")
            message, created = services.message_send(
                acting_user=request.user,
                room_id=room.pk,
                body=data.validated_data["body"],
                client_id=str(client_id) if client_id else None,
                confirm=data.validated_data["confirm"],
            )
            return Response(
                selectors.message_payload(message), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
            )
        messages = selectors.messages_with_authors().filter(room=room, deleted_at__isnull=True, parent__isnull=True)
        before = request.query_params.get("before")
        if before is not None:
            if parse_id(before) is None:
                raise Invalid.field("before", "'before' must be a message id.", code="bad_before")
            messages = messages.filter(id__lt=parse_id(before))
        paginator = MessagePagination()
        page = paginator.paginate_queryset(messages, request, view=self)
        return paginator.get_paginated_response([selectors.message_payload(m) for m in page])

    @extend_schema(
        methods=["GET"],
        parameters=[OpenApiParameter("q", str, description="Words in the name, e-mail, title, skills or location")],
        responses=MemberSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        request=inline_serializer("MemberAdd", {"user": IdField()}),
        responses={201: MemberSerializer(many=True)},
    )
    @action(detail=True, methods=["get", "post"])
    def members(self, request, pk=None):
        """GET: who reads the room. POST `{"user": id}`: add a colleague to a group room."""
        room = self.get_room()
        if request.method == "POST":
            services.room_member_add(acting_user=request.user, room_id=room.pk, user_id=request.data.get("user"))
        profiles = selectors.room_member_profiles(room)
        if query := request.query_params.get("q", "").strip()[:100]:
            profiles = profiles.search(query)
        paginator = ByNameCursorPagination()
        page = paginator.paginate_queryset(profiles, request, view=self)
        response = paginator.get_paginated_response(MemberSerializer(page, many=True).data)
        if request.method == "POST":
            response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path="members/<id:user_id>")
    def remove_member(self, request, pk=None, user_id=None):
        """Leave a group room (your own id), or remove someone from one you own."""
        room = self.get_room()
        services.room_member_remove(acting_user=request.user, room_id=room.pk, user_id=int(user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=inline_serializer("MarkRead", {"message": IdField()}),
        responses=inline_serializer("ReadState", {"last_read_id": serializers.IntegerField(),
                                                  "unread_count": serializers.IntegerField()}),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark the room read up to a message."""
        room = self.get_room()
        last_read, unread = services.room_mark_read(
            acting_user=request.user, room_id=room.pk, message_id=request.data.get("message")
        )
        return Response({"last_read_id": last_read, "unread_count": unread})

    @extend_schema(request=inline_serializer("DirectRoom", {"user": IdField()}),
                   responses={201: RoomSerializer, 200: RoomSerializer})  # fmt: skip
    @action(detail=False, methods=["post"])
    def direct(self, request):
        """The direct-message room with a colleague, created on first use (201) or found (200)."""
        room, created = services.direct_room(acting_user=request.user, other_id=request.data.get("user"))
        room = get_object_or_404(selectors.rooms_for(request.user), pk=room.pk)
        return Response(
            RoomSerializer(room, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MessageViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One message: read it, edit it (author), delete it (author, or a manager in a department room)."""

    serializer_class = MessageSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return selectors.messages_with_authors().filter(
            room__in=Room.objects.visible_to(self.request.user), deleted_at__isnull=True
        )

    def get_object(self):
        return access_message(self.request.user, int(self.kwargs["pk"]))

    @extend_schema(request=inline_serializer("MessageEdit", {"body": serializers.CharField()}))
    @error_responses(429)
    def partial_update(self, request, pk=None):
        message = services.message_edit(acting_user=request.user, message_id=int(pk), body=request.data.get("body"))
        return Response(selectors.message_payload(message))

    def destroy(self, request, pk=None):
        services.message_delete(acting_user=request.user, message_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
