"""Who may be mentioned in a department's feed: the people who read it (`apps.departments.access`)."""

from apps.core.mentions import MentionedText, render_with_mentions
from apps.departments.access import readers_of
from apps.departments.models import Department


def render_feed_text(body: str, department: Department) -> MentionedText:
    """A post's or comment's HTML and the readers it mentions."""
    return render_with_mentions(body, readers_of(department))
