"""Writes on departments and memberships. Callers authorise through `access` first."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from apps.chat import services as chat_services
from apps.core.markdown import render_markdown

from .models import Department, Membership

COMPANY_WIDE_NAME = "All staff"


def department_create(
    *, name: str, description: str = "", mission: str = "", slug: str = "", is_confidential_by_default: bool = False
) -> Department:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "A department needs a name."})
    slug = slugify(slug or name)
    if not slug:
        raise ValidationError({"slug": "The name must contain letters or digits."})
    if Department.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "A department with this name already exists."})
    if Department.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": "A department with this address already exists."})
    department = Department(
        name=name,
        slug=slug,
        description=description.strip(),
        mission=mission.strip(),
        is_confidential_by_default=is_confidential_by_default,
    )
    department.mission_html = render_markdown(department.mission)
    department.full_clean()
    with transaction.atomic():
        department.save()
        chat_services.chat_room_for_department(department)
    return department


def department_update(*, department: Department, **fields: str | bool) -> Department:
    allowed = {"name", "description", "mission", "is_confidential_by_default"}
    if unknown := set(fields) - allowed:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(department, name, value.strip() if isinstance(value, str) else bool(value))
    if "name" in fields and Department.objects.exclude(pk=department.pk).filter(name__iexact=department.name).exists():
        raise ValidationError({"name": "A department with this name already exists."})
    department.mission_html = render_markdown(department.mission)
    department.full_clean()
    department.save()
    return department


def department_delete(*, department: Department) -> None:
    if department.is_company_wide:
        raise ValidationError("The company-wide space cannot be deleted.", code="company_wide")
    with transaction.atomic():
        chat_services.department_room_closing(department=department)
        department.delete()


def company_wide_department() -> Department:
    """The 'All staff' space, created on first use."""
    department = Department.objects.filter(is_company_wide=True).first()
    if department is None:
        try:
            with transaction.atomic():
                department = Department.objects.create(
                    name=COMPANY_WIDE_NAME,
                    slug="all-staff",
                    is_company_wide=True,
                    description="News and people for the whole company.",
                )
                chat_services.chat_room_for_department(department)
        except IntegrityError:
            department = Department.objects.get(is_company_wide=True)
    return department


@transaction.atomic
def membership_set(*, department: Department, user, role: str = Membership.Role.MEMBER) -> Membership:
    """Add the user to the department with `role`, or change their role if already in it."""
    if role not in Membership.Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; use one of: {', '.join(Membership.Role.values)}."})
    if not user.is_active:
        raise ValidationError({"user": "This account is deactivated."})
    membership, created = Membership.objects.select_for_update().get_or_create(
        department=department, user=user, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    if created and not department.is_company_wide:
        chat_services.department_member_added(department=department, user=user)
    return membership


@transaction.atomic
def membership_remove(*, department: Department, user) -> None:
    """Remove the user from the department. In 'All staff' this only drops an elevated role."""
    deleted, _ = Membership.objects.filter(department=department, user=user).delete()
    if not deleted:
        if department.is_company_wide:
            raise ValidationError("Everyone belongs to the company-wide space.", code="company_wide")
        raise ValidationError("This person is not a member of the department.", code="not_member")
    if not department.is_company_wide:
        # In the same transaction: the user's open sockets leave the room before any later message.
        chat_services.department_member_removed(department=department, user=user)


def department_set_image(*, department: Department, upload) -> Department:
    """Validate the upload by content and store an EXIF-free square picture."""
    from django.core.files.base import ContentFile

    from apps.core.images import open_validated_image, square_jpeg
    from apps.people.services import photo_limits

    image = open_validated_image(upload, photo_limits())
    old_name = department.image.name if department.image else None
    department.image.save("image.jpg", ContentFile(square_jpeg(image, 512)), save=False)
    department.save(update_fields=["image"])
    if old_name:
        storage = department.image.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return department
