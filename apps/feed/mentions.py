"""Who may be mentioned in a department's feed: the people who can read it."""

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.core.mentions import MentionedText, render_with_mentions
from apps.departments.models import Department


def feed_readers(department: Department) -> QuerySet[User]:
    """Active members (everyone, in the company-wide space): the rule of `access.can_read_feed` as a queryset."""
    users = User.objects.filter(is_active=True)
    if department.is_company_wide:
        return users
    return users.filter(memberships__department=department)


def render_feed_text(body: str, department: Department) -> MentionedText:
    """A post's or comment's HTML and the readers it mentions."""
    return render_with_mentions(body, feed_readers(department))
