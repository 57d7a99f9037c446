from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.pagination import DefaultCursorPagination

from .models import Notification
from .services import mark_one_read, mark_read, notification_payload, unread_count


class NotificationSerializer(serializers.Serializer):
    def to_representation(self, instance: Notification) -> dict:
        return dict(notification_payload(instance))


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's notifications, newest first. `?unread=1` for unread ones only."""

    serializer_class = NotificationSerializer
    pagination_class = DefaultCursorPagination

    def get_queryset(self):
        notifications = Notification.objects.for_user(self.request.user).select_related("actor__profile")
        if self.request.query_params.get("unread") == "1":
            notifications = notifications.unread()
        return notifications

    @extend_schema(request=None, responses=inline_serializer("Marked", {"marked": serializers.IntegerField()}))
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        was_unread = Notification.objects.for_user(request.user).unread().filter(pk=pk).exists()
        mark_one_read(acting_user=request.user, notification_id=pk)
        return Response({"marked": int(was_unread)})

    @extend_schema(request=None, responses=inline_serializer("MarkedAll", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": mark_read(acting_user=request.user)})

    @extend_schema(responses=inline_serializer("UnreadCount", {"unread_count": serializers.IntegerField()}))
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread_count": unread_count(request.user)})
