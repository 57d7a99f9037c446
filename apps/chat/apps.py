from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "apps.chat"

    def ready(self) -> None:
        from apps.realtime.frames import register_frame_handler

        from .consumers import ChatFrames

        register_frame_handler(ChatFrames)
