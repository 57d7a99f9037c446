"""Every live subscription, of every registered topic kind, ends when the right to read it ends.

The rule lives in apps/realtime/rights.py: services report the change in its transaction
(`rights_changed`, `topic_access_changed`), and after commit each socket re-checks what it
watches. These tests iterate over `topic_kinds()`, so a new kind is covered by registering
it (and giving it a row in tests/realtime/test_permissions.py TOPICS, which fails otherwise).
Two processes: tests/realtime/test_revocation_live.py.
"""

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from apps.accounts.services import user_deactivate
from apps.departments.models import Department
from apps.departments.services import membership_remove, membership_set
from apps.feed import services as feed_services
from apps.questions import services as question_services
from apps.questions.models import Question
from apps.realtime.rights import topic_access_changed
from apps.realtime.topics import topic_kinds
from tests.realtime.test_permissions import (  # noqa: F401 - fixtures
    NARROWER,
    OK,
    TOPIC_ANSWERS,
    TOPICS,
    application,
    world,
)
from tests.sockets import open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

LOST = "You no longer have access to this."


def every_topic(w: dict, role: str = "member") -> list[str]:
    """Every registered kind's topic about Sales that `role` may watch (a member: all but the managers' own)."""
    kinds = topic_kinds()
    assert set(kinds) <= set(TOPICS), f"no way to build a topic of {sorted(set(kinds) - set(TOPICS))}"
    allowed = [kind for kind in kinds if NARROWER.get(kind, TOPIC_ANSWERS)[role] == OK]
    return sorted(f"{kind}:{TOPICS[kind](w)}" for kind in allowed)


async def watch_all(socket, topics: list[str]) -> None:
    for topic in topics:
        await socket.send({"type": "watch", "topic": topic})
        assert await socket.next("watching") == {"type": "watching", "topic": topic}


async def lost_topics(socket, count: int) -> set[str]:
    frames = [await socket.next("unwatched") for _ in range(count)]
    assert all(frame["detail"] == LOST for frame in frames), frames
    return {frame["topic"] for frame in frames}


def _remove(w: dict) -> None:
    department = Department.objects.get(pk=w["department"])
    membership_remove(acting_user=w["cast"]["manager"], department=department, user=w["cast"]["member"])


def _deactivate(w: dict) -> None:
    user_deactivate(acting_user=w["cast"]["admin_user"], user=w["cast"]["member"])


@pytest.mark.parametrize("cause", [_remove, _deactivate], ids=["removed from the department", "deactivated"])
async def test_every_topic_kind_is_dropped_when_the_right_ends(application, world, cause):  # noqa: F811
    topics = every_topic(world)
    first = await open_socket(application, world["cast"]["member"])
    second = await open_socket(application, world["cast"]["member"])
    for socket in (first, second):
        await watch_all(socket, topics)
    await database_sync_to_async(cause)(world)
    for socket in (first, second):  # every socket of the user
        assert await lost_topics(socket, len(topics)) == set(topics)
    if cause is _deactivate:
        assert await first.closed() == 4403
        return
    # Nothing of the department reaches the old member any more; the manager still gets it.
    watcher = await open_socket(application, world["cast"]["manager"])
    await watch_all(watcher, [f"feed:{world['department']}"])
    department = await database_sync_to_async(Department.objects.get)(pk=world["department"])
    await database_sync_to_async(feed_services.post_create)(
        acting_user=world["cast"]["manager"], department=department, body="After the removal"
    )
    assert (await watcher.next("feed.post"))["department"] == world["department"]
    assert await first.nothing() and await second.nothing()
    for socket in (first, second, watcher):
        await socket.close()


async def test_a_role_change_re_checks_and_keeps_what_is_still_readable(application, world):  # noqa: F811
    topics = every_topic(world)
    socket = await open_socket(application, world["cast"]["member"])
    await watch_all(socket, topics)
    department = await database_sync_to_async(Department.objects.get)(pk=world["department"])
    await database_sync_to_async(membership_set)(
        acting_user=world["cast"]["manager"], department=department, user=world["cast"]["member"], role="manager"
    )
    await socket.send({"type": "ping"})  # the re-check runs before any later frame is handled
    assert await socket.next() == {"type": "pong"}
    await socket.close()


async def test_a_manager_made_a_member_loses_only_the_managers_topics(application, world):  # noqa: F811
    manager = world["cast"]["manager"]
    everything, kept = every_topic(world, "manager"), every_topic(world, "member")
    assert len(everything) > len(kept)  # some topic is the managers' own (a video's completion dashboard)
    socket = await open_socket(application, manager)
    await watch_all(socket, everything)
    department = await database_sync_to_async(Department.objects.get)(pk=world["department"])
    await database_sync_to_async(membership_set)(acting_user=None, department=department, user=manager, role="member")
    assert await lost_topics(socket, len(everything) - len(kept)) == set(everything) - set(kept)
    await socket.close()


async def test_an_audience_narrowed_on_one_object_drops_only_its_watchers_who_lost_it(application, world):  # noqa: F811
    """A question made confidential: `topic_access_changed` re-checks the sockets watching it."""
    member, outsider = world["cast"]["member"], world["cast"]["outsider"]
    department = await database_sync_to_async(Department.objects.get)(pk=world["department"])
    product = await database_sync_to_async(Department.objects.get)(name="Product")
    question = await database_sync_to_async(question_services.question_ask)(
        acting_user=member, asking_department=department, departments=[product], title="Open", body="To all"
    )
    topic = f"question:{question.pk}"
    reader, outside = await open_socket(application, member), await open_socket(application, outsider)
    for socket in (reader, outside):
        await watch_all(socket, [topic])

    def make_confidential() -> None:
        with transaction.atomic():
            Question.objects.filter(pk=question.pk).update(is_confidential=True)
            topic_access_changed("question", question.pk)

    await database_sync_to_async(make_confidential)()
    assert await lost_topics(outside, 1) == {topic}
    assert await reader.nothing()
    for socket in (reader, outside):
        await socket.close()


async def test_nothing_is_re_checked_when_the_transaction_rolls_back(application, world):  # noqa: F811
    topics = every_topic(world)
    socket = await open_socket(application, world["cast"]["member"])
    await watch_all(socket, topics)

    def remove_then_fail() -> None:
        with transaction.atomic():
            _remove(world)
            transaction.set_rollback(True)

    await database_sync_to_async(remove_then_fail)()
    assert await socket.nothing()
    await socket.close()
