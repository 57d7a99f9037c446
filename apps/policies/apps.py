from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "apps.policies"

    def ready(self) -> None:
        from apps.departments.access import register_write_gate
        from apps.realtime.topics import register_topic

        from .access import policy_topic_checker
        from .gate import write_gate
        from .services import POLICY_TOPIC

        register_write_gate(write_gate)
        register_topic(POLICY_TOPIC, policy_topic_checker)
