from django.apps import AppConfig


class ScimConfig(AppConfig):
    name = "apps.scim"
    verbose_name = "SCIM provisioning"
