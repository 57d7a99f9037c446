"""REST API routes of this app, mounted under /api/v1/."""

from apps.core.routers import ApiRouter

from .api import GoalViewSet, PlanViewSet, ReviewViewSet, RoleViewSet, RoutineViewSet, SlotViewSet

router = ApiRouter()
router.register("plans", PlanViewSet, basename="plan")
router.register("goals", GoalViewSet, basename="goal")
router.register("roles", RoleViewSet, basename="role")
router.register("routines", RoutineViewSet, basename="routine")
router.register("slots", SlotViewSet, basename="slot")
router.register("reviews", ReviewViewSet, basename="review")
urlpatterns = router.urls
