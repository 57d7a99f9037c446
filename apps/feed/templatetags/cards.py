"""`{% slot %}` marks a per-person part of a cached post card; `{% card post %}` shows a card to the reader."""

from django import template
from django.utils.safestring import SafeString

from apps.feed import cards

register = template.Library()


@register.simple_tag
def slot(name: str, value: object = "") -> SafeString:
    """A placeholder that `cards.personalize` fills in for each reader (times as ISO text)."""
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    return cards.slot(name, value)


@register.simple_tag(takes_context=True)
def card(context: template.Context, post) -> SafeString:
    """The post's card (prepared by `cards.prepare`) with this reader's parts filled in."""
    return cards.personalize(post, context["request"], next_url=context.get("next_url") or "")
