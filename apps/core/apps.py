from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "apps.core"

    def ready(self) -> None:
        from .ids import IdPathConverter

        # Before any URLconf is loaded: every app's urls.py uses `<id:...>`.
        register_converter(IdPathConverter, "id")
