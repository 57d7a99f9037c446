"""REST API routes of this app, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import AnswerViewSet, QuestionViewSet, ResponseTargetsViewSet

router = SimpleRouter(use_regex_path=False)
router.register("questions", QuestionViewSet, basename="question")
router.register("answers", AnswerViewSet, basename="answer")
router.register("response-targets", ResponseTargetsViewSet, basename="response-targets")
urlpatterns = router.urls
