"""Chat as people expect it (issue 12, point 4): reactions, threads, pins, files and
notification levels, through the services, over real /ws/ sockets and over HTTP.

Every new frame has its permission matrix here (member, manager, outsider, admin who is not
a member); reading the room's history stays at a constant number of queries however many
reactions, replies, pins and files its messages carry.
"""

import io
import uuid

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from apps.chat import selectors, services
from apps.chat.models import Message, MessageFile, RoomSetting
from apps.core.errors import Invalid, NotFound
from apps.notifications.models import Notification
from tests.factories import UserFactory, add_member
from tests.sockets import open_socket


def say(user, room, body="hello", **extra) -> Message:
    return services.message_send(acting_user=user, room_id=room.pk, body=body, **extra)[0]


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, "PNG")
    return buffer.getvalue()


# --- services


@pytest.mark.django_db
def test_a_reaction_toggles_and_shows_who_reacted_in_order(member, manager, sales_room):
    message = say(manager, sales_room, "Lunch at noon?")
    services.message_react(acting_user=member, message_id=message.pk, emoji="thumbs_up")
    services.message_react(acting_user=manager, message_id=message.pk, emoji="thumbs_up")
    after = services.message_react(acting_user=member, message_id=message.pk, emoji="party")
    reactions = selectors.message_payload(after)["reactions"]
    assert [(r["key"], r["count"], r["users"], r["names"]) for r in reactions] == [
        ("thumbs_up", 2, [member.pk, manager.pk], ["Mia Member", "Max Manager"]),
        ("party", 1, [member.pk], ["Mia Member"]),
    ]
    undone = services.message_react(acting_user=member, message_id=message.pk, emoji="thumbs_up")
    assert undone.reactions["thumbs_up"] == [[manager.pk, "Max Manager"]]
    assert undone.revision > message.revision  # travels in the room's stream, like an edit
    with pytest.raises(Invalid) as refused:
        services.message_react(acting_user=member, message_id=message.pk, emoji="<script>")
    assert refused.value.code == "bad_emoji"


@pytest.mark.django_db
def test_a_reply_joins_the_thread_and_counts_on_its_first_message(member, manager, sales_room, legal_room, outsider):
    question = say(member, sales_room, "Who has the Q3 deck?")
    reply = say(manager, sales_room, "I do", parent_id=question.pk)
    nested = say(member, sales_room, "Thanks", parent_id=reply.pk)  # a reply to a reply stays in the thread
    question.refresh_from_db()
    assert (reply.parent_id, nested.parent_id, question.reply_count) == (question.pk, question.pk, 2)
    assert question.last_reply_at == nested.created_at
    assert [m.pk for m in selectors.thread(question)] == [reply.pk, nested.pk]
    elsewhere = say(outsider, legal_room, "ours")
    with pytest.raises(NotFound):  # a thread one may not read is like one that does not exist
        say(member, sales_room, "sneaky", parent_id=elsewhere.pk)
    # The room's history shows threads by their first message only.
    page = selectors.replay(type(sales_room).objects.get(pk=sales_room.pk), after=None, revision=None)
    assert [m.pk for m in page.messages] == [question.pk]


@pytest.mark.django_db
def test_pins_are_per_room_newest_first_and_replies_are_not_pinned(member, manager, sales_room):
    first, second = say(member, sales_room, "first"), say(manager, sales_room, "second")
    services.message_pin(acting_user=member, message_id=first.pk, pinned=True)
    services.message_pin(acting_user=member, message_id=second.pk, pinned=True)
    assert [m.pk for m in selectors.pinned(sales_room)] == [second.pk, first.pk]
    services.message_pin(acting_user=manager, message_id=first.pk, pinned=False)
    assert [m.pk for m in selectors.pinned(sales_room)] == [second.pk]
    reply = say(member, sales_room, "re", parent_id=second.pk)
    with pytest.raises(Invalid):
        services.message_pin(acting_user=member, message_id=reply.pk, pinned=True)


@pytest.mark.django_db
def test_muting_a_room_silences_its_mentions_and_mentions_only_silences_direct_messages(member, manager, sales_room):
    services.room_set_level(acting_user=member, room_id=sales_room.pk, level="nothing")
    say(manager, sales_room, "hey @**Mia Member**")
    assert not Notification.objects.filter(recipient=member).exists()
    services.room_set_level(acting_user=member, room_id=sales_room.pk, level="mentions")
    say(manager, sales_room, "again @**Mia Member**")
    assert Notification.objects.filter(recipient=member, kind="chat_mention").count() == 1
    direct, _ = services.direct_room(acting_user=manager, other_id=member.pk)
    services.room_set_level(acting_user=member, room_id=direct.pk, level="mentions")
    say(manager, direct, "just chatting")
    assert not Notification.objects.filter(recipient=member, kind="chat_direct").exists()
    with pytest.raises(Invalid):
        services.room_set_level(acting_user=member, room_id=sales_room.pk, level="loud")
    assert RoomSetting.objects.get(user=member, room=direct).level == "mentions"


@pytest.mark.django_db
def test_the_room_history_costs_the_same_queries_with_reactions_replies_pins_and_files(
    client_as, member, manager, sales_room
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.feed.files import check_attachment

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_as("member").get(url).status_code == 200
        return len(captured)

    page_url, api_url = f"/chat/{sales_room.pk}/", f"/api/v1/chat/rooms/{sales_room.pk}/messages/"
    say(member, sales_room, "one")
    few = (queries(page_url), queries(api_url))
    people = [UserFactory(display_name=f"Reactor {i}") for i in range(4)]
    for person in people:
        add_member(sales_room.department, person)
    for i in range(30):
        message = say(manager, sales_room, f"message {i}")
        for person in people:
            services.message_react(acting_user=person, message_id=message.pk, emoji="heart")
        say(member, sales_room, "a reply", parent_id=message.pk)
        if i % 3 == 0:
            services.message_pin(acting_user=member, message_id=message.pk, pinned=True)
        if i % 5 == 0:
            upload = check_attachment(SimpleUploadedFile("chart.png", png_bytes()))
            say(member, sales_room, "", files=[upload])
    assert (queries(page_url), queries(api_url)) == few


# --- files over HTTP


@pytest.mark.django_db
def test_files_in_chat_are_checked_by_content_and_served_to_the_rooms_readers_only(client_as, member, sales_room):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_as("member")
    url = f"/chat/{sales_room.pk}/send/"
    sent = client.post(
        url, {"body": "the chart", "client_id": str(uuid.uuid4()), "files": SimpleUploadedFile("chart.png", png_bytes())},
        headers={"Accept": "application/json"},
    )  # fmt: skip
    assert sent.status_code == 201, sent.content
    file = sent.json()["files"][0]
    assert (file["name"], file["content_type"], file["image"]) == ("chart.png", "image/png", True)
    # A script renamed .png is refused by its bytes.
    fake = SimpleUploadedFile("chart.png", b"<script>alert(1)</script>")
    refused = client.post(url, {"body": "x", "files": fake}, headers={"Accept": "application/json"})
    assert refused.status_code == 400 and refused.json()["code"] == "file_type"
    # Without JavaScript: the same form, back to the room.
    plain = client.post(url, {"body": "", "files": SimpleUploadedFile("notes.txt", b"plain notes")})
    assert plain.status_code == 302 and MessageFile.objects.filter(original_name="notes.txt").exists()
    page = client.get(f"/chat/{sales_room.pk}/").content.decode()  # the history shows both, as links and JSON
    assert 'download="notes.txt"' in page and 'alt="chart.png"' in page and '"name": "notes.txt"' in page
    expected = {"anonymous": 302, "outsider": 404, "member": 200, "manager": 200, "admin_user": 404}
    for role, status in expected.items():
        response = (client_as(role) if role != "anonymous" else type(client)()).get(file["url"])
        assert response.status_code == status, role
    message = Message.objects.get(pk=sent.json()["id"])
    services.message_delete(acting_user=member, message_id=message.pk)
    assert client_as("member").get(file["url"]).status_code == 404  # gone with its message


@pytest.mark.django_db
def test_the_send_view_answers_json_errors_with_their_status(client_as, member, outsider, legal_room, sales_room):
    answer = client_as("member").post(
        f"/chat/{legal_room.pk}/send/", {"body": "hi"}, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 404 and answer.json()["code"] == "unknown_room"
    from django.core.files.uploadedfile import SimpleUploadedFile

    too_many = [SimpleUploadedFile(f"n{i}.txt", b"x") for i in range(6)]
    answer = client_as("member").post(
        f"/chat/{sales_room.pk}/send/", {"body": "hi", "files": too_many}, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 400 and answer.json()["code"] == "too_many_files"


# --- frames, with their permission matrix


@pytest.fixture
def application():
    from intranet.asgi import application

    return application


CAST = ("member", "manager", "outsider", "admin_user")
READS_SALES = {"member": True, "manager": True, "outsider": False, "admin_user": False}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_react_pin_thread_pins_and_level_frames_permission_matrix(
    application, member, manager, outsider, admin_user, sales_room
):
    cast = {"member": member, "manager": manager, "outsider": outsider, "admin_user": admin_user}
    message = await database_sync_to_async(say)(member, sales_room, "the message")
    for role in CAST:
        socket = await open_socket(application, cast[role])
        frames = [
            ({"type": "chat.react", "message": message.pk, "emoji": "heart"}, "chat.message_edited", "unknown_message"),
            ({"type": "chat.pin", "message": message.pk, "pinned": role == "member"}, "chat.message_edited", "unknown_message"),
            ({"type": "chat.thread", "message": message.pk}, "chat.thread", "unknown_message"),
            ({"type": "chat.pins", "room": sales_room.pk}, "chat.pins", "unknown_room"),
            ({"type": "chat.level", "room": sales_room.pk, "level": "mentions"}, "chat.level", "unknown_room"),
        ]  # fmt: skip
        for frame, answer, refusal in frames:
            await socket.send(frame)
            if READS_SALES[role]:
                got = await socket.next(answer, skip={"chat.presence", "notification", "chat.read"})
                assert got["room"] == sales_room.pk, (role, frame, got)
            else:
                assert (await socket.error())["code"] == refusal, (role, frame)
        await socket.close()
    stored = await database_sync_to_async(Message.objects.get)(pk=message.pk)
    assert sorted(user_id for user_id, _ in stored.reactions["heart"]) == sorted([member.pk, manager.pk])
    levels = await database_sync_to_async(lambda: sorted(RoomSetting.objects.values_list("user_id", flat=True)))()
    assert levels == sorted([member.pk, manager.pk])


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_bad_frames_are_refused_and_change_nothing(application, member, sales_room):
    message = await database_sync_to_async(say)(member, sales_room, "x")
    socket = await open_socket(application, member)
    for frame, code in [
        ({"type": "chat.react", "message": message.pk, "emoji": "nope"}, "bad_emoji"),
        ({"type": "chat.react", "message": "1", "emoji": "heart"}, "bad_frame"),
        ({"type": "chat.pin", "message": message.pk, "pinned": "yes"}, "bad_frame"),
        ({"type": "chat.level", "room": sales_room.pk, "level": 3}, "bad_level"),
        ({"type": "chat.thread", "message": None}, "bad_frame"),
        ({"type": "chat.send", "room": sales_room.pk, "body": "r", "parent": "x"}, "bad_frame"),
        ({"type": "chat.send", "room": sales_room.pk, "body": "r", "parent": 987654}, "unknown_message"),
    ]:
        await socket.send(frame)
        assert (await socket.error())["code"] == code, frame
    stored = await database_sync_to_async(Message.objects.get)(pk=message.pk)
    assert stored.reactions == {} and stored.pinned_at is None and stored.revision == message.revision
    await socket.close()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_reactions_replies_and_pins_reach_the_other_reader_live(application, member, manager, sales_room):
    question = await database_sync_to_async(say)(member, sales_room, "Who has the deck?")
    mia, max_ = await open_socket(application, member), await open_socket(application, manager)
    for socket in (mia, max_):
        await socket.send({"type": "subscribe", "room": sales_room.pk, "after": question.pk})
        await socket.next("chat.subscribed")
    await max_.send({"type": "chat.react", "message": question.pk, "emoji": "thumbs_up"})
    edited = await mia.next("chat.message_edited")
    assert edited["message"]["reactions"][0]["users"] == [manager.pk]
    await max_.send(
        {
            "type": "chat.send",
            "room": sales_room.pk,
            "body": "I do",
            "client_id": str(uuid.uuid4()),
            "parent": question.pk,
        }
    )
    reply = await mia.next("chat.message")
    assert reply["message"]["parent"] == question.pk
    counted = await mia.next("chat.message_edited")
    assert counted["message"]["id"] == question.pk and counted["message"]["reply_count"] == 1
    await mia.send({"type": "chat.thread", "message": question.pk})
    thread = await mia.next("chat.thread")
    assert [m["body"] for m in thread["replies"]] == ["I do"]
    await mia.send({"type": "chat.pin", "message": question.pk, "pinned": True})
    assert await max_.receive_until(lambda f: f["type"] == "chat.message_edited" and f["message"]["pinned"])
    await mia.close()
    await max_.close()


@pytest.mark.django_db
def test_the_chat_badge_in_the_navigation_counts_unread_messages_but_muted_rooms(
    client_as, member, manager, sales_room
):
    for i in range(3):
        say(manager, sales_room, f"news {i}")
    page = client_as("member").get("/people/").content.decode()
    assert 'id="chat-badge" class="count-badge" data-count="3"' in page
    services.room_set_level(acting_user=member, room_id=sales_room.pk, level="nothing")
    page = client_as("member").get("/people/").content.decode()
    assert 'data-count="0"' in page


@pytest.mark.django_db
def test_the_rooms_latest_messages_compiled_once_are_the_orms_with_their_files(member, manager, sales_room, legal_room):
    """`selectors.latest_messages` and `models.with_files` (SQL compiled once) give what the ORM's prefetch gives."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.chat.models import with_files
    from apps.chat.selectors import HISTORY_PAGE_SIZE, latest_messages, message_payload, messages_with_authors
    from apps.feed.files import check_attachment

    first = say(member, sales_room, "first")
    for i in range(HISTORY_PAGE_SIZE + 2):
        files = [check_attachment(SimpleUploadedFile(f"chart{i}.png", png_bytes()))] if i % 7 == 0 else []
        files += [check_attachment(SimpleUploadedFile(f"more{i}.png", png_bytes()))] if i % 14 == 0 else []
        say(manager if i % 2 else member, sales_room, f"message {i}", files=files)
    say(member, sales_room, "a reply", parent_id=first.pk)  # threads are not on the page
    orm = list(
        messages_with_authors()
        .filter(room=sales_room, deleted_at__isnull=True, parent__isnull=True)
        .order_by("-id")[: HISTORY_PAGE_SIZE + 1]
    )
    compiled = latest_messages(sales_room)
    assert [message_payload(m) for m in compiled] == [message_payload(m) for m in orm]
    assert len(compiled) == HISTORY_PAGE_SIZE + 1 and "a reply" not in {m.body for m in compiled}
    with_files_counts = [len(m.attached_files()) for m in compiled]
    assert sum(with_files_counts) >= 6 and all(f.message is m for m in compiled for f in m.attached_files())
    assert latest_messages(legal_room) == []
    with_file = next(m for m in compiled if m.attached_files())
    twice = [Message.objects.get(pk=with_file.pk), Message.objects.get(pk=with_file.pk)]
    with_files(twice)  # one message twice in a list: both copies get its files
    assert [f.pk for f in twice[0].attached_files()] == [f.pk for f in twice[1].attached_files()] != []
