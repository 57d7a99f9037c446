from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "apps.privacy"
    verbose_name = "Personal data (export and erasure)"
