"""The /ws/ permission matrix: every frame type and every topic kind × the cast.

Anonymous sockets are refused at connect (tests/realtime/test_consumer.py), so the rows
here are for people who are logged in. Each frame is sent about Sales (the department
of `member` and `manager`): an outsider, and an admin who is not a member, get the same
`error` code as for something that does not exist. `test_every_frame_type_and_topic_kind_is_here`
fails when a feature registers a frame type or a topic kind without a row, so a new one
cannot escape the matrix.
"""

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers

from apps.chat import services as chat_services
from apps.chat.models import Room
from apps.policies import services as policy_services
from apps.questions import services as question_services
from apps.realtime.frames import RESERVED_FRAME_TYPES, frame_handlers
from apps.realtime.topics import topic_kinds
from tests.factories import DepartmentFactory
from tests.sockets import BACKGROUND, open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

LOGGED_IN = ("outsider", "member", "manager", "admin_user")
OK, NO_ROOM, NO_MESSAGE, FORBIDDEN, NO_TOPIC = "ok", "unknown_room", "unknown_message", "forbidden", "unknown_topic"


def answers(outsider: str, member: str, manager: str, admin_user: str) -> dict[str, str]:
    return dict(zip(LOGGED_IN, (outsider, member, manager, admin_user), strict=True))


# frame type -> (frame built from the world, the frame type that answers "ok", who gets what)
FRAMES = {
    "ping": (lambda w: {"type": "ping"}, "pong", answers(OK, OK, OK, OK)),
    "subscribe": (lambda w: {"type": "subscribe", "room": w["room"], "after": None}, "chat.subscribed",
                  answers(NO_ROOM, OK, OK, NO_ROOM)),
    "unsubscribe": (lambda w: {"type": "unsubscribe", "room": w["room"]}, "chat.unsubscribed", answers(OK, OK, OK, OK)),
    "chat.send": (lambda w: {"type": "chat.send", "room": w["room"], "body": "hi"}, "chat.message",
                  answers(NO_ROOM, OK, OK, NO_ROOM)),
    "typing": (lambda w: {"type": "typing", "room": w["room"]}, None, answers("not_subscribed", "not_subscribed",
                                                                             "not_subscribed", "not_subscribed")),
    "chat.edit": (lambda w: {"type": "chat.edit", "message": w["message"], "body": "edited"}, "chat.message_edited",
                  answers(NO_MESSAGE, OK, FORBIDDEN, NO_MESSAGE)),
    "chat.delete": (lambda w: {"type": "chat.delete", "message": w["message"]}, "chat.message_deleted",
                    answers(NO_MESSAGE, OK, OK, NO_MESSAGE)),
    "chat.read": (lambda w: {"type": "chat.read", "room": w["room"], "message": w["message"]}, "chat.read",
                  answers(NO_ROOM, OK, OK, NO_ROOM)),
    "chat.react": (lambda w: {"type": "chat.react", "message": w["message"], "emoji": "heart"}, "chat.message_edited",
                   answers(NO_MESSAGE, OK, OK, NO_MESSAGE)),
    "chat.pin": (lambda w: {"type": "chat.pin", "message": w["message"], "pinned": True}, "chat.message_edited",
                 answers(NO_MESSAGE, OK, OK, NO_MESSAGE)),
    "chat.thread": (lambda w: {"type": "chat.thread", "message": w["message"]}, "chat.thread",
                    answers(NO_MESSAGE, OK, OK, NO_MESSAGE)),
    "chat.pins": (lambda w: {"type": "chat.pins", "room": w["room"]}, "chat.pins", answers(NO_ROOM, OK, OK, NO_ROOM)),
    "chat.level": (lambda w: {"type": "chat.level", "room": w["room"], "level": "mentions"}, "chat.level",
                   answers(NO_ROOM, OK, OK, NO_ROOM)),
    "watch": (lambda w: {"type": "watch", "topic": f"feed:{w['department']}"}, "watching",
              answers(NO_TOPIC, OK, OK, NO_TOPIC)),
    "unwatch": (lambda w: {"type": "unwatch", "topic": f"feed:{w['department']}"}, "unwatched",
                answers(OK, OK, OK, OK)),
}  # fmt: skip

# topic kind -> the Sales object it is about; everyone but its readers (or those of NARROWER) is refused.
TOPICS = {
    "feed": lambda w: w["department"],
    "board": lambda w: w["department"],
    "questions": lambda w: w["department"],
    "question": lambda w: w["question"],
    "policy": lambda w: w["policy"],
    "video": lambda w: w["video"],
    "video_completion": lambda w: w["video"],
    "plan": lambda w: w["department"],
}
TOPIC_ANSWERS = answers(NO_TOPIC, OK, OK, NO_TOPIC)
# Topics narrower than the department's readers.
NARROWER = {"video_completion": answers(NO_TOPIC, NO_TOPIC, OK, NO_TOPIC)}  # the managers' dashboard


@pytest.fixture
def application():
    from intranet.asgi import application

    channel_layers.backends.clear()
    yield application
    channel_layers.backends.clear()


@pytest.fixture
def world(settings, department, member, manager, outsider, admin_user):
    settings.CHAT_RATE_LIMIT_MESSAGES = 0
    # Sales has a communication policy that its members accepted, and asked Product a confidential question.
    policy = policy_services.policy_create(acting_user=manager, department=department, body="Sales rules")
    for user in (member, manager):
        policy_services.policy_accept(acting_user=user, policy=policy, version=1)
    product = DepartmentFactory(name="Product")
    question = question_services.question_ask(acting_user=member, asking_department=department, departments=[product],
                                              title="Q", body="B", is_confidential=True)  # fmt: skip
    room = Room.objects.get(department=department)
    message, _ = chat_services.message_send(acting_user=member, room_id=room.pk, body="mine")
    cast = {"outsider": outsider, "member": member, "manager": manager, "admin_user": admin_user}
    from apps.videos.models import Video

    video = Video.objects.create(department=department, uploader=member, title="Processing")
    return {"room": room.pk, "message": message.pk, "department": department.pk, "cast": cast,
            "policy": policy.pk, "question": question.pk, "video": video.pk}  # fmt: skip


async def _answer(socket, ok_type: str | None) -> str:
    # A replay (chat.message frames) comes before chat.subscribed.
    frame = await socket.next(*filter(None, ["error", ok_type]), timeout=5, skip=BACKGROUND | {"chat.message"})
    return frame["code"] if frame["type"] == "error" else OK


@pytest.mark.parametrize("role", LOGGED_IN)
@pytest.mark.parametrize("frame_type", sorted(FRAMES))
async def test_every_frame_checks_who_sends_it(application, world, frame_type, role):
    build, ok_type, expected = FRAMES[frame_type]
    socket = await open_socket(application, world["cast"][role])
    await socket.send(build(world))
    assert await _answer(socket, ok_type) == expected[role]
    await socket.close()


@pytest.mark.parametrize("role", LOGGED_IN)
@pytest.mark.parametrize("kind", sorted(TOPICS))
async def test_every_topic_is_watched_only_by_its_readers(application, world, kind, role):
    socket = await open_socket(application, world["cast"][role])
    await socket.send({"type": "watch", "topic": f"{kind}:{TOPICS[kind](world)}"})
    assert await _answer(socket, "watching") == NARROWER.get(kind, TOPIC_ANSWERS)[role]
    await socket.close()


async def test_every_frame_type_and_topic_kind_is_here(db):
    registered = {t for handler in frame_handlers() for t in handler.frame_types} | RESERVED_FRAME_TYPES
    assert registered <= set(FRAMES), f"frame types in no matrix row: {sorted(registered - set(FRAMES))}"
    assert set(topic_kinds()) <= set(TOPICS), (
        f"topic kinds in no matrix row: {sorted(set(topic_kinds()) - set(TOPICS))}"
    )
    await database_sync_to_async(lambda: None)()
