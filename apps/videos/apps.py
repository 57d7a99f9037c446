import mimetypes

from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "apps.videos"

    def ready(self) -> None:
        from apps.feed.cards import register_card_extra
        from apps.files.access import register_file_access
        from apps.realtime.topics import register_topic

        from . import tasks  # noqa: F401  (registers the periodic clean-up and reminders)
        from .access import can_read_video_file, completion_topic_checker, video_topic_checker
        from .cards import attach_video_cards
        from .services import COMPLETION_TOPIC, VIDEO_TOPIC

        # The types apps.files sends: HLS playlists and segments, WebVTT captions and sprites.
        mimetypes.add_type("application/vnd.apple.mpegurl", ".m3u8")
        mimetypes.add_type("video/mp2t", ".ts")
        mimetypes.add_type("text/vtt", ".vtt")
        register_file_access("videos/", can_read_video_file)
        register_topic(VIDEO_TOPIC, video_topic_checker)
        register_topic(COMPLETION_TOPIC, completion_topic_checker)
        register_card_extra(attach_video_cards)
