from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "apps.plans"

    def ready(self) -> None:
        from apps.realtime.topics import register_topic

        from . import tasks  # noqa: F401 - registers the periodic reminders
        from .access import PLAN_TOPIC, plan_topic_checker

        register_topic(PLAN_TOPIC, plan_topic_checker)
