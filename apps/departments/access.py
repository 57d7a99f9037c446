"""Who may do what with a department. The only place these rules live.

HTML views, API views and WebSocket consumers all ask here. A department the user
may not see answers 404 (its existence does not leak); one they may see but not
change answers 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Department, Membership


def role_in(user, department: Department) -> str | None:
    """The user's role in the department, or None if they are not in it."""
    if not (user.is_authenticated and user.is_active):
        return None
    role = getattr(department, "my_role", None)
    if role is None:
        role = Membership.objects.filter(department=department, user=user).values_list("role", flat=True).first()
    if role is None and department.is_company_wide:
        return Membership.Role.MEMBER
    return role


def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def can_view_department(user, department: Department) -> bool:
    return is_admin(user) or role_in(user, department) is not None


def can_manage_department(user, department: Department) -> bool:
    """Managers edit their department's description and mission and its members."""
    return is_admin(user) or role_in(user, department) == Membership.Role.MANAGER


def can_administer_departments(user) -> bool:
    """Creating, renaming and deleting departments is for admins only."""
    return is_admin(user)


def access_department(user, slug: str, *, manage: bool = False) -> Department:
    """The only way a view gets a department: 404 if not visible, 403 if not manageable."""
    try:
        department = Department.objects.visible_to(user).with_role_of(user).get(slug=slug)
    except Department.DoesNotExist:
        raise Http404("No such department") from None
    if manage and not can_manage_department(user, department):
        raise PermissionDenied("Only the department's managers can do this.")
    return department
