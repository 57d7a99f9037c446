"""REST API routes of this app, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import NotificationViewSet

router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = router.urls
