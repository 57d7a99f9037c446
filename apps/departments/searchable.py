"""Departments in search: name, description and mission, for whoever may open the department's page."""

from django.urls import reverse

from apps.search.registry import DEPARTMENTS, DocumentData, SearchKind, register

from .models import Department


def _document(department: Department) -> DocumentData:
    return DocumentData(
        object_id=department.pk,
        title=department.name,
        body=f"{department.description}\n{department.mission}",
        url=reverse("departments:detail", args=[department.slug]),
        created_at=department.created_at,
        department_id=department.pk,
    )


register(
    SearchKind(
        name="department",
        label="Department",
        group=DEPARTMENTS,
        model=Department,
        queryset=lambda: Department.objects.all(),
        document=_document,
        audience="page",  # whoever may open the department's page (admins too)
        fuzzy_title=True,
        fields=frozenset({"name", "slug", "description", "mission"}),
    )
)
