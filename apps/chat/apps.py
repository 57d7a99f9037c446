from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "apps.chat"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from apps.core.mentions_api import register_mention_place
        from apps.departments.models import Department
        from apps.files.access import register_file_access
        from apps.realtime.frames import register_frame_handler

        from .access import access_room, can_read_chat_file, room_readers
        from .consumers import ChatFrames
        from .frames import ChatExtraFrames
        from .services.rooms import department_saved

        register_frame_handler(ChatFrames)
        register_frame_handler(ChatExtraFrames)
        register_file_access("chat/", can_read_chat_file)
        post_save.connect(department_saved, sender=Department, dispatch_uid="chat-department-room")
        register_mention_place("room", lambda user, room_id: room_readers(access_room(user, room_id)))
