"""REST API routes of this app, mounted under /api/v1/."""

from apps.core.routers import ApiRouter

from .api import AnswerViewSet, QuestionViewSet, ResponseTargetsViewSet

router = ApiRouter()
router.register("questions", QuestionViewSet, basename="question")
router.register("answers", AnswerViewSet, basename="answer")
router.register("response-targets", ResponseTargetsViewSet, basename="response-targets")
urlpatterns = router.urls
