"""REST API routes of this app, mounted under /api/v1/."""

from apps.core.routers import ApiRouter

from .api import NotificationViewSet

router = ApiRouter()
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = router.urls
