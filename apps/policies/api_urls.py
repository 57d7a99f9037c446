"""REST API routes of this app, mounted under /api/v1/."""

from apps.core.routers import ApiRouter

from .api import PolicyViewSet

router = ApiRouter()
router.register("policies", PolicyViewSet, basename="policy")
urlpatterns = router.urls
