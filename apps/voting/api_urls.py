"""REST API routes of this app, mounted under /api/v1/."""

from apps.core.routers import ApiRouter

from .api import IdeaViewSet, PollViewSet

router = ApiRouter()
router.register("ideas", IdeaViewSet, basename="idea")
router.register("polls", PollViewSet, basename="poll")
urlpatterns = router.urls
