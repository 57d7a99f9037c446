import uuid

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q
from django.db.models.functions import Coalesce


def department_image_path(instance: "Department", filename: str) -> str:
    return f"departments/images/{uuid.uuid4().hex}.jpg"


class DepartmentQuerySet(models.QuerySet):
    """The rules themselves live in `apps.departments.access`; these methods only apply them."""

    def readable_by(self, user) -> "DepartmentQuerySet":
        """Departments whose content `user` reads (members; everyone for All staff; admins only as members)."""
        from .access import readable_department_ids

        return self.filter(pk__in=readable_department_ids(user))

    def visible_to(self, user) -> "DepartmentQuerySet":
        """Departments whose page (name, description, mission, members) `user` may open."""
        from .access import departments_seen_by

        return self.filter(pk__in=departments_seen_by(user).values("pk"))

    def with_role_of(self, user) -> "DepartmentQuerySet":
        """Annotate `my_role` so a list can show the user's role without a query per row.

        `my_role_of` records whose role it is, so `access.role_in` never answers for someone else.
        """
        return self.annotate(
            my_role_of=models.Value(user.pk, output_field=models.BigIntegerField()), my_role=role_of(user)
        )


def role_of(user, via: str | None = None) -> models.Expression:
    """The user's role in the department (None if they do not read it): the queried one, or the one at `via`.

    Everyone active is a member of the company-wide space, with or without a row.
    `access.with_department_role` annotates it on other models (a chat room's department).
    """
    department, company_wide = ("pk", "is_company_wide") if via is None else (via, f"{via}__is_company_wide")
    role = models.Subquery(
        Membership.objects.filter(department=OuterRef(department), user_id=user.pk).values("role")[:1]
    )
    if not (user.is_authenticated and user.is_active):
        return role
    return models.Case(
        models.When(**{company_wide: True}, then=Coalesce(role, models.Value(Membership.Role.MEMBER))),
        default=role,
    )


class Department(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, max_length=2000)
    mission = models.TextField(blank=True, max_length=5000, help_text="Markdown.")
    mission_html = models.TextField(blank=True, editable=False)
    is_company_wide = models.BooleanField(
        default=False, help_text="Every active user belongs to a company-wide space ('All staff')."
    )
    image = models.ImageField(upload_to=department_image_path, blank=True)
    is_confidential_by_default = models.BooleanField(
        default=False, help_text="New posts here are marked Confidential unless the author unticks it."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["-is_company_wide", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_company_wide"], condition=Q(is_company_wide=True), name="one_company_wide_department"
            )
        ]
        indexes = [models.Index(fields=["image"])]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MembershipQuerySet":
        """Memberships of departments whose member list `user` may see."""
        return self.filter(department__in=Department.objects.visible_to(user))


class Membership(models.Model):
    """A user's role in a department.

    In the company-wide space every active user is a member without a row; a row there
    only records an elevated role (manager).
    """

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        MANAGER = "manager", "Manager"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="one_membership_per_department")]
        indexes = [models.Index(fields=["department", "role"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.department} ({self.role})"
