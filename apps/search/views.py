"""The results page: a thin adapter around `services.search`."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from apps.core.errors import Invalid
from apps.departments.access import readable_department_ids
from apps.departments.models import Department

from . import registry, services
from .query import MAX_QUERY_LENGTH


@require_safe
def results(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    error = None
    results = None
    try:
        filters = services.parse_filters(request.GET)
    except Invalid as refusal:
        error, filters = refusal.detail, services.Filters()
    if error is None:
        try:
            results = services.search(acting_user=request.user, q=q, filters=filters, cursor=request.GET.get("cursor"))
        except Invalid as refusal:
            if refusal.code == "bad_cursor":  # a mangled link: the first page
                results = services.search(acting_user=request.user, q=q, filters=filters)
            else:
                error = refusal.detail
    departments = Department.objects.filter(pk__in=readable_department_ids(request.user)).order_by("name")
    base = request.GET.copy()
    for name in ("cursor", "kind"):
        base.pop(name, None)
    tabs = [
        {"name": g.name, "label": g.label, "count": results.counts.get(g.name, 0) if results else 0}
        for g in registry.groups()
    ]
    return render(
        request,
        "search/results.html",
        {
            "q": q[:MAX_QUERY_LENGTH],
            "results": results,
            "error": error,
            "filters": filters,
            "tabs": tabs,
            "departments": departments,
            "base_query": base.urlencode(),
            "max_length": MAX_QUERY_LENGTH,
        },
    )
