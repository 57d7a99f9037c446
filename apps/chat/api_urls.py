"""REST API routes of this app, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import MessageViewSet, RoomViewSet

router = SimpleRouter()
router.register("chat/rooms", RoomViewSet, basename="chat-room")
router.register("chat/messages", MessageViewSet, basename="chat-message")
urlpatterns = router.urls
