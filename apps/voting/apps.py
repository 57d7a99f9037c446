from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "apps.voting"

    def ready(self) -> None:
        from apps.realtime.topics import register_topic

        from .access import board_topic_checker
        from .services import BOARD_TOPIC

        register_topic(BOARD_TOPIC, board_topic_checker)
