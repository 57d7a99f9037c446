"""Writes on departments and memberships. Each takes the `acting_user` and authorises them
through `access` itself (`acting_user=None`: the system, e.g. a migration or provisioning)."""

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from apps.accounts.models import User
from apps.audit.services import record
from apps.chat import services as chat_services
from apps.core.errors import Conflict, Invalid, require, validating
from apps.core.markdown import render_markdown
from apps.realtime.rights import rights_changed

from .access import can_administer_departments, can_manage_department
from .models import Department, Membership

COMPANY_WIDE_NAME = "All staff"


def _require_admin(acting_user: User | None, what: str) -> None:
    if acting_user is not None:
        require(can_administer_departments(acting_user), f"Only admins {what}.")


def _require_manager(acting_user: User | None, department: Department, what: str) -> None:
    if acting_user is not None:
        require(can_manage_department(acting_user, department), f"Only the department's managers and admins {what}.")


def department_create(
    *,
    acting_user: User | None,
    name: str,
    description: str = "",
    mission: str = "",
    slug: str = "",
    is_confidential_by_default: bool = False,
) -> Department:
    _require_admin(acting_user, "create departments")
    name = " ".join((name or "").split())
    if not name:
        raise Invalid.field("name", "A department needs a name.")
    slug = slugify(slug or name)
    if not slug:
        raise Invalid.field("slug", "The name must contain letters or digits.")
    if Department.objects.filter(name__iexact=name).exists():
        raise Invalid.field("name", "A department with this name already exists.")
    if Department.objects.filter(slug=slug).exists():
        raise Invalid.field("slug", "A department with this address already exists.")
    department = Department(
        name=name,
        slug=slug,
        description=description.strip(),
        mission=mission.strip(),
        is_confidential_by_default=is_confidential_by_default,
    )
    department.mission_html = render_markdown(department.mission)
    with validating():
        department.full_clean()
    with transaction.atomic():
        department.save()  # its chat room comes with it (apps.chat: post_save)
        record("department.created", actor=acting_user, target=department, after={"name": name, "slug": slug})
    return department


def department_update(*, acting_user: User | None, department: Department, **fields: str | bool) -> Department:
    """Managers edit the description, mission and default; only admins rename (HTML and API alike)."""
    _require_manager(acting_user, department, "edit a department")
    allowed = {"name", "description", "mission", "is_confidential_by_default"}
    if unknown := set(fields) - allowed:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    if "name" in fields and " ".join(str(fields["name"]).split()) != department.name:
        _require_admin(acting_user, "rename departments")
    before = {name: getattr(department, name) for name in fields}
    for name, value in fields.items():
        setattr(department, name, value.strip() if isinstance(value, str) else bool(value))
    if "name" in fields and Department.objects.exclude(pk=department.pk).filter(name__iexact=department.name).exists():
        raise Invalid.field("name", "A department with this name already exists.")
    department.mission_html = render_markdown(department.mission)
    with validating():
        department.full_clean()
    with transaction.atomic():
        department.save()
        # Which fields changed; their old and new text only for the name (a mission is department content).
        changed = sorted(name for name in fields if before[name] != getattr(department, name))
        if changed:
            record(
                "department.updated",
                actor=acting_user,
                target=department,
                before={"name": before["name"]} if "name" in changed else None,
                after={"name": department.name} if "name" in changed else None,
                detail={"fields": changed},
            )
    return department


def department_delete(*, acting_user: User | None, department: Department) -> None:
    _require_admin(acting_user, "delete departments")
    if department.is_company_wide:
        raise Conflict("company_wide", "The company-wide space cannot be deleted.")
    with transaction.atomic():
        chat_services.department_room_closing(department=department)
        readers = list(Membership.objects.filter(department=department).values_list("user_id", flat=True))
        record(
            "department.deleted",
            actor=acting_user,
            target=department,
            before={"name": department.name, "slug": department.slug, "members": len(readers)},
        )
        department.delete()
        from apps.policies import services as policy_services

        policy_services.department_deleted(reader_ids=readers)
        rights_changed(readers)


def _where(department: Department) -> dict[str, object]:
    return {"department_id": department.pk, "department": department.name}


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
        except IntegrityError:
            department = Department.objects.get(is_company_wide=True)
    return department


@transaction.atomic
def membership_set(
    *, acting_user: User | None, department: Department, user: User, role: str = Membership.Role.MEMBER
) -> Membership:
    """Add the user to the department with `role`, or change their role if already in it."""
    _require_manager(acting_user, department, "change its members")
    if role not in Membership.Role.values:
        raise Invalid.field("role", f"Unknown role {role!r}; use one of: {', '.join(Membership.Role.values)}.")
    if not user.is_active:
        raise Invalid.field("user", "This account is deactivated.")
    membership, created = Membership.objects.select_for_update().get_or_create(
        department=department, user=user, defaults={"role": role}
    )
    if created:
        record("membership.added", actor=acting_user, target=user, after={"role": role}, detail=_where(department))
    elif membership.role != role:
        record(
            "membership.role_changed",
            actor=acting_user,
            target=user,
            before={"role": membership.role},
            after={"role": role},
            detail=_where(department),
        )
        membership.role = role
        membership.save(update_fields=["role"])
        rights_changed([user.pk])  # a manager's live views (e.g. moderation) may no longer apply
    if created and not department.is_company_wide:
        chat_services.department_member_added(department=department, user=user)
        from apps.policies import services as policy_services  # policies builds on departments

        policy_services.department_member_added(department=department, user=user)
    return membership


@transaction.atomic
def membership_remove(*, acting_user: User | None, department: Department, user: User) -> None:
    """Remove the user from the department. In 'All staff' this only drops an elevated role."""
    _require_manager(acting_user, department, "change its members")
    roles = list(Membership.objects.filter(department=department, user=user).values_list("role", flat=True))
    deleted, _ = Membership.objects.filter(department=department, user=user).delete()
    if deleted:
        record(
            "membership.removed", actor=acting_user, target=user, before={"role": roles[0]}, detail=_where(department)
        )
    if not deleted:
        if department.is_company_wide:
            raise Conflict("company_wide", "Everyone belongs to the company-wide space.")
        raise Conflict("not_member", "This person is not a member of the department.")
    if not department.is_company_wide:
        # In the same transaction: the user's open sockets leave the room before any later message.
        chat_services.department_member_removed(department=department, user=user)
        from apps.policies import services as policy_services

        policy_services.department_member_removed(department=department, user=user)
    rights_changed([user.pk])


def department_set_image(*, acting_user: User | None, department: Department, upload) -> Department:
    """Validate the upload by content and store an EXIF-free square picture."""
    _require_manager(acting_user, department, "change its picture")
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
