from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "apps.chat"

    def ready(self) -> None:
        from apps.core.mentions_api import register_mention_place
        from apps.realtime.frames import register_frame_handler

        from .access import access_room, room_readers
        from .consumers import ChatFrames

        register_frame_handler(ChatFrames)
        register_mention_place("room", lambda user, room_id: room_readers(access_room(user, room_id)))
