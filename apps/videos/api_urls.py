"""REST API routes of this app, mounted under /api/v1/."""

from django.urls import path

from apps.core.routers import ApiRouter

from . import tus
from .api import PlaylistViewSet, VideoViewSet

router = ApiRouter()
router.register("videos", VideoViewSet, basename="video")
router.register("video-playlists", PlaylistViewSet, basename="video-playlist")
# The tus endpoint speaks its own protocol (headers, not JSON), so it is not in the OpenAPI schema.
urlpatterns = [
    path("videos/uploads/", tus.uploads, name="video-uploads"),
    path("videos/uploads/<uuid:upload_id>", tus.upload, name="video-upload"),
    *router.urls,
]
