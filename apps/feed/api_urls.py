"""REST API routes of this app, mounted under /api/v1/."""

from apps.core.routers import ApiRouter

from .api import CommentViewSet, PostViewSet

router = ApiRouter()
router.register("posts", PostViewSet, basename="post")
router.register("comments", CommentViewSet, basename="comment")
urlpatterns = router.urls
