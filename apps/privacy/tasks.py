"""Background work of personal data: building an export (`manage.py run_worker`, Django Tasks)."""

from django.tasks import task


@task
def build_data_export(export_id: int) -> str:
    from .services import build_export

    export = build_export(export_id)
    return export.status if export is not None else "gone"
