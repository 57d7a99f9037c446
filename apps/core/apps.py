from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "apps.core"

    def ready(self) -> None:
        from .ids import IdPathConverter
        from .task_origin import bind_to_worker_logs

        # Before any URLconf is loaded: every app's urls.py uses `<id:...>`.
        register_converter(IdPathConverter, "id")
        bind_to_worker_logs()  # the worker's task log lines carry the request id that queued the task
