"""`{% blank "chat/_message.html" "message" %}`: a template rendered with its item None, once per process.

Pages ship such a render inside a `<template>` for their scripts to clone (a live chat message,
a room added live). With the item None it shows nothing of anyone, so it is the same for every
reader and every request, yet it cost more than rendering a real item: each of its lookups on
None fails through Django's exception path (0.7 ms for the chat message, a tenth of the room
page). It is rendered from the item alone: whatever a template shows outside its `{% if item %}`
must not depend on the page (tests/chat/test_blank_templates.py renders both ways).
"""

import functools

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def blank(template_name: str, item_name: str) -> SafeString:
    return _rendered(template_name, item_name)


@functools.cache
def _rendered(template_name: str, item_name: str) -> SafeString:
    return mark_safe(render_to_string(template_name, {item_name: None}))  # noqa: S308 - our template's output
