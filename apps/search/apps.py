from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "apps.search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Each app declares what it makes searchable in its own `searchable.py`.
        from django.utils.module_loading import autodiscover_modules

        from . import trigrams, visibility  # noqa: F401 (SQLite's similarity functions; the department audiences)

        autodiscover_modules("searchable")
