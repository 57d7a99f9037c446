"""The project's URLs plus two views that fail, for the error-page tests (never part of the product)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from intranet.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a secret detail of the crash")


class CrashApiView(APIView):
    def get(self, request) -> Response:
        raise RuntimeError("a secret detail of the crash")


urlpatterns = [path("crash/", crash), path("api/v1/crash/", CrashApiView.as_view()), *urlpatterns]
