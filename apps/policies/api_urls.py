"""REST API routes of this app, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import PolicyViewSet

router = SimpleRouter(use_regex_path=False)
router.register("policies", PolicyViewSet, basename="policy")
urlpatterns = router.urls
