"""The `<template>`s the room page ships for its scripts are rendered once per process (`{% blank %}`).

They are the same for every reader only while nothing outside their `{% if item %}` depends on
the page: each is compared here with the include it replaced, rendered in a real page's
context (reader, room, request), for a plain member and a manager, on a room and on the index.
"""

import html
import re

import pytest
from django.template import Context, Template

from apps.core.templatetags.blank import _rendered

pytestmark = pytest.mark.django_db

TEMPLATES = {"chat-message-template": ("chat/_message.html", "message"), "chat-room-template": ("chat/_room_item.html", "item")}  # fmt: skip


def _shipped(page: str, template_id: str) -> str:
    match = re.search(rf'<template id="{template_id}">(.*?)</template>', page, re.S)
    assert match, f"no {template_id} in the page"
    return match.group(1)


def _as_included(context, template_name: str, item_name: str) -> str:
    flat = context[0].flatten()  # the page's own context (room.html, through base.html)
    return Template(f'{{% include "{template_name}" with {item_name}=None %}}').render(Context(flat))


@pytest.mark.parametrize("who", ["member", "manager"])
def test_each_blank_is_what_the_include_rendered_in_the_page(client_as, who, sales_room):
    response = client_as(who).get(f"/chat/{sales_room.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    for template_id, (template_name, item_name) in TEMPLATES.items():
        shipped = _shipped(page, template_id)
        assert shipped == _rendered(template_name, item_name)
        assert shipped == _as_included(response.context, template_name, item_name), template_id
        assert "data-slot" in shipped and html.unescape(shipped).strip().startswith("<li")


def test_the_rooms_blank_is_on_the_index_too(client_as, sales_room):
    response = client_as("member").get("/chat/?rooms=1")
    assert response.status_code == 200
    shipped = _shipped(response.content.decode(), "chat-room-template")
    assert shipped == _as_included(response.context, "chat/_room_item.html", "item")
