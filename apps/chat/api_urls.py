"""REST API routes of this app, mounted under /api/v1/."""

from apps.core.routers import ApiRouter

from .api import MessageViewSet, RoomViewSet

router = ApiRouter()
router.register("chat/rooms", RoomViewSet, basename="chat-room")
router.register("chat/messages", MessageViewSet, basename="chat-message")
urlpatterns = router.urls
