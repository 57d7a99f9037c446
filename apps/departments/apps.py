from django.apps import AppConfig


class DepartmentsConfig(AppConfig):
    name = "apps.departments"

    def ready(self) -> None:
        from apps.files.access import register_file_access

        from .models import Department

        def can_read_department_image(user, name: str) -> bool:
            return Department.objects.visible_to(user).filter(image=name).exists()

        register_file_access("departments/images/", can_read_department_image)
