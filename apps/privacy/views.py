"""Pages of personal data: "Your data" (export, with progress while the worker builds it), the signed
download, and the admin's confirmation before erasing someone. Thin: the services decide."""

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import User
from apps.core.errors import Forbidden, ServiceError

from . import services
from .models import DataExport

SHOWN_EXPORTS = 5


def _download_url(export: DataExport) -> str | None:
    if export.status != DataExport.Status.READY:
        return None
    return reverse("privacy:download", args=[services.export_link_token(export)])


@require_GET
def your_data(request: HttpRequest) -> HttpResponse:
    exports = list(DataExport.objects.filter(user=request.user)[:SHOWN_EXPORTS])
    rows = [(export, _download_url(export)) for export in exports]
    return render(request, "privacy/your_data.html", {"rows": rows, "link_hours": services.link_hours()})


@require_POST
def export_create(request: HttpRequest) -> HttpResponse:
    try:
        services.export_request(acting_user=request.user)
        messages.success(request, "Your export is being prepared: this page shows when it is ready.")
    except ServiceError as refusal:
        if refusal.status == 404:
            raise
        messages.error(request, refusal.detail)
    return redirect("privacy:your_data")


@require_GET
def export_status(request: HttpRequest, export_id: int) -> JsonResponse:
    export = services.own_export(acting_user=request.user, export_id=export_id)
    return JsonResponse({"id": export.pk, "status": export.status, "download_url": _download_url(export)})


@require_GET
def download(request: HttpRequest, token: str) -> FileResponse:
    export = services.export_for_download(acting_user=request.user, token=token)
    from django.core.files.storage import default_storage

    response = FileResponse(
        default_storage.open(export.file_name, "rb"), as_attachment=True, filename=f"my-intranet-data-{export.pk}.zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest, user_id: int) -> HttpResponse:
    """The admin's confirmation page: what erasure does under this company's setting, then the button."""
    if not request.user.is_admin:
        raise Forbidden("forbidden", "Only admins erase people.")
    person = get_object_or_404(User.objects.select_related("profile"), pk=user_id)
    if request.method == "POST":
        try:
            removed = services.person_erase(acting_user=request.user, user=person)
        except ServiceError as refusal:
            if refusal.status in (403, 404):
                raise
            messages.error(request, refusal.detail)
            return redirect("privacy:erase", user_id=person.pk)
        messages.success(request, f"The person is erased ({services.describe(removed)}).")
        return redirect("admin:accounts_user_changelist")
    return render(request, "privacy/erase_confirm.html", {"person": person, "mode": services.erasure_mode()})
