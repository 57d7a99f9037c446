from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from apps.core.pagination import keyset_page

from .access import require_audit_reader
from .actions import ACTIONS
from .selectors import filtered
from .services import export_csv

PAGE_SIZE = 50


@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who did what, when and from where; admins and auditors only (404 for anyone else)."""
    require_audit_reader(request.user)
    events, used = filtered(request.user, request.GET)
    page = keyset_page(events, fields=("-at", "-id"), cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    return render(
        request,
        "audit/log.html",
        {"page": page, "filters": used, "actions": sorted(ACTIONS.items()), "query": _query(used)},
    )


@require_safe
def audit_export(request: HttpRequest) -> HttpResponse:
    require_audit_reader(request.user)
    events, used = filtered(request.user, request.GET)
    body = export_csv(acting_user=request.user, events=events.order_by("at", "id").iterator(), filters=used)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.now():%Y%m%d-%H%M%S}.csv"'
    return response


def _query(used: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(used)
