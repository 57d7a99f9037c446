"""REST API routes of this app, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import IdeaViewSet, PollViewSet

router = SimpleRouter()
router.register("ideas", IdeaViewSet, basename="idea")
router.register("polls", PollViewSet, basename="poll")
urlpatterns = router.urls
