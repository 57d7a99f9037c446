import mimetypes

from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "apps.videos"

    def ready(self) -> None:
        from apps.files.access import register_file_access
        from apps.realtime.topics import register_topic

        from . import tasks  # noqa: F401  (registers the periodic clean-up and reminders)
        from .access import can_read_video_file, video_topic_checker
        from .services import VIDEO_TOPIC

        # The types apps.files sends: HLS playlists and segments, WebVTT captions and sprites.
        mimetypes.add_type("application/vnd.apple.mpegurl", ".m3u8")
        mimetypes.add_type("video/mp2t", ".ts")
        mimetypes.add_type("text/vtt", ".vtt")
        register_file_access("videos/", can_read_video_file)
        register_topic(VIDEO_TOPIC, video_topic_checker)
