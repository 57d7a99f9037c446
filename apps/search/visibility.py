"""Building blocks for kinds' `visible(user)`: conditions over `Document`, from `apps.departments.access`."""

from django.db.models import Q

from apps.departments.access import departments_seen_by, readable_department_ids


def department_content(user) -> Q:
    """A department's content (posts, comments, its room, ideas, files, ...): its readers."""
    return Q(department_id__in=readable_department_ids(user))


def department_pages(user) -> Q:
    """A department's name, description and mission: whoever may open its page."""
    return Q(department_id__in=departments_seen_by(user).values("pk"))


def active_people() -> Q:
    """The directory: every signed-in colleague finds active people only."""
    return Q(author__is_active=True)
