"""REST API routes of this app, mounted under /api/v1/."""

from apps.core.routers import ApiRouter

from .api import PlaylistViewSet, VideoViewSet

router = ApiRouter()
router.register("videos", VideoViewSet, basename="video")
router.register("video-playlists", PlaylistViewSet, basename="video-playlist")
urlpatterns = router.urls
