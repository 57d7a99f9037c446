"""REST API routes of this app, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import CommentViewSet, PostViewSet

router = SimpleRouter(use_regex_path=False)
router.register("posts", PostViewSet, basename="post")
router.register("comments", CommentViewSet, basename="comment")
urlpatterns = router.urls
