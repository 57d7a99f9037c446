"""The room page's cached messages (apps/chat/message_html.py): never stale, never someone else's view of them."""

import re

import pytest
from django.core.cache import cache

from apps.chat import message_html, services
from apps.chat.models import Message
from apps.people.services import profile_update
from tests.cast import colleague as make_colleague

pytestmark = pytest.mark.django_db


def _items(client, room) -> list[str]:
    html = client.get(f"/chat/{room.pk}/").content.decode()
    return re.findall(r'<li class="chat-message[^"]*" id="message-\d+".*?</li>', html, re.S)


def test_a_message_is_rendered_once_then_served_from_the_cache(client_as, member, sales_room):
    message, _ = services.message_send(acting_user=member, room_id=sales_room.pk, body="**Deal** closed")
    first = _items(client_as("member"), sales_room)
    assert "<strong>Deal</strong> closed" in first[0]
    key = message_html._key(Message.objects.get(pk=message.pk), member)
    stamp, _ = cache.get(key)
    cache.set(key, (stamp, f'<li class="chat-message" id="message-{message.pk}">from the cache</li>'))
    assert _items(client_as("member"), sales_room) == [
        f'<li class="chat-message" id="message-{message.pk}">from the cache</li>'
    ]  # the next page used the entry (its stamp still matches the row), not a new render


def test_an_edit_a_pin_and_a_rename_show_at_once(client_as, member, manager, sales_room):
    message, _ = services.message_send(acting_user=member, room_id=sales_room.pk, body="first words")
    client = client_as("manager")
    assert "first words" in _items(client, sales_room)[0]
    services.message_edit(acting_user=member, message_id=message.pk, body="better words")
    (item,) = _items(client, sales_room)
    assert "better words" in item and "first words" not in item and "(edited)" in item
    services.message_pin(acting_user=manager, message_id=message.pk, pinned=True)
    assert 'class="chat-message pinned"' in _items(client, sales_room)[0]
    profile_update(acting_user=member, profile=member.profile, display_name="Mia Renamed")
    assert "Mia Renamed" in _items(client, sales_room)[0]


def test_mine_is_only_mine_and_times_are_in_each_readers_zone(client_as, department, member, sales_room):
    services.message_send(acting_user=member, room_id=sales_room.pk, body="from me")
    other = make_colleague(department)
    profile_update(acting_user=other, profile=other.profile, time_zone="Asia/Tokyo")
    mine = _items(client_as("member"), sales_room)[0]
    from django.test import Client

    client = Client()
    client.force_login(other)
    theirs = _items(client, sales_room)[0]
    assert 'class="chat-message mine"' in mine and 'class="chat-message"' in theirs
    hour = lambda item: re.search(r">(\d\d):\d\d</time>", item).group(1)  # noqa: E731
    assert hour(mine) != hour(theirs)  # Paris (the default) and Tokyo are never on the same hour


def test_a_deleted_message_leaves_the_page(client_as, member, sales_room):
    message, _ = services.message_send(acting_user=member, room_id=sales_room.pk, body="oops")
    client = client_as("member")
    assert len(_items(client, sales_room)) == 1
    services.message_delete(acting_user=member, message_id=message.pk)
    assert _items(client, sales_room) == []


def test_a_cached_message_is_not_shown_to_someone_who_cannot_read_the_room(client_as, member, sales_room):
    services.message_send(acting_user=member, room_id=sales_room.pk, body="for Sales only")
    assert _items(client_as("member"), sales_room)
    response = client_as("outsider").get(f"/chat/{sales_room.pk}/")
    assert response.status_code == 404 and "for Sales only" not in response.content.decode()


def test_the_page_works_without_the_cache(client_as, member, sales_room, settings):
    services.message_send(acting_user=member, room_id=sales_room.pk, body="still here")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}  # nothing listens on port 9  # fmt: skip
    assert "still here" in _items(client_as("member"), sales_room)[0]
