"""Live boards over real WebSocket connections: who may watch, and the frames each service sends (events.py)."""

from typing import get_type_hints, is_typeddict

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from apps.voting import events, services
from tests.factories import DepartmentFactory, UserFactory, add_member
from tests.sockets import open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def application():
    from intranet.asgi import application

    return application


def assert_shape(frame: dict, shape: type) -> None:
    """The frame has exactly the keys its TypedDict declares, with values of the declared basic types."""
    hints = get_type_hints(shape)
    assert set(frame) == set(hints), (frame, shape.__name__)
    for key, expected in hints.items():
        if isinstance(expected, type) and not is_typeddict(expected):
            assert isinstance(frame[key], expected), (key, frame[key])


@pytest.fixture
def sales(transactional_db):
    """Sales with Mia (member), Max (manager) and Carl (author); Olga is in Legal only."""
    department = DepartmentFactory(name="Sales")
    legal = DepartmentFactory(name="Legal")
    people = {}
    for key, role, dept in (("mia", "member", department), ("max", "manager", department),
                            ("carl", "member", department), ("olga", "member", legal)):  # fmt: skip
        people[key] = UserFactory(email=f"{key}@example.com", display_name=key.title())
        add_member(dept, people[key], role)
    return department, people


async def watch_board(socket, department) -> None:
    await socket.send({"type": "watch", "topic": f"board:{department.pk}"})
    assert await socket.receive() == {"type": "watching", "topic": f"board:{department.pk}"}


def in_transaction(function, **kwargs):
    def run():
        with transaction.atomic():
            return function(**kwargs)

    return sync_to_async(run)()


async def test_only_people_who_can_read_the_board_may_watch_it(application, sales):
    department, people = sales
    olga = await open_socket(application, people["olga"])
    await olga.send({"type": "watch", "topic": f"board:{department.pk}"})
    assert await olga.receive() == {
        "type": "error", "code": "unknown_topic", "detail": "There is no such topic, or you may not see it."
    }  # fmt: skip
    mia = await open_socket(application, people["mia"])
    await watch_board(mia, department)
    idea = await in_transaction(
        services.idea_create, acting_user=people["carl"], department=department, title="Dark mode"
    )
    assert (await mia.receive())["type"] == "idea.created"
    assert await olga.nothing(timeout=0.2, ignore=())
    await in_transaction(services.idea_vote, idea=idea, acting_user=people["max"])
    assert (await mia.receive())["vote_count"] == 2
    assert await olga.nothing(timeout=0.2, ignore=())
    for socket in (mia, olga):
        await socket.close()


async def test_vote_counts_status_merges_and_comments_arrive_live_in_their_declared_shapes(application, sales):
    department, people = sales
    watcher = await open_socket(application, people["mia"])
    await watch_board(watcher, department)

    idea = await in_transaction(
        services.idea_create, acting_user=people["carl"], department=department, title="Dark mode"
    )
    created = await watcher.receive()
    assert_shape(created, events.IdeaCreatedEvent)
    assert_shape(created["idea"], events.IdeaSummary)
    assert created["idea"] == {
        "id": idea.pk, "title": "Dark mode", "url": f"/ideas/sales/{idea.pk}/", "status": "open",
        "status_label": "Open", "vote_count": 1, "author": "Carl",
    }  # fmt: skip

    await in_transaction(services.idea_vote, idea=idea, acting_user=people["max"])
    votes = await watcher.receive()
    assert_shape(votes, events.IdeaVotesEvent)
    assert votes == {"type": "idea.votes", "board": department.pk, "idea": idea.pk, "vote_count": 2}
    await in_transaction(services.idea_unvote, idea=idea, acting_user=people["max"])
    assert (await watcher.receive())["vote_count"] == 1

    await in_transaction(services.comment_create, idea=idea, acting_user=people["max"], body="Yes")
    comments = await watcher.receive()
    assert_shape(comments, events.IdeaCommentsEvent)
    assert comments["comment_count"] == 1

    await in_transaction(
        services.idea_set_status, idea=idea, status="planned", acting_user=people["max"], note="**Q3**"
    )
    status = await watcher.receive()
    assert_shape(status, events.IdeaStatusEvent)
    assert status == {
        "type": "idea.status", "board": department.pk, "idea": idea.pk, "status": "planned",
        "status_label": "Planned", "accepts_votes": True, "note_html": "<p><strong>Q3</strong></p>",
    }  # fmt: skip

    duplicate = await in_transaction(
        services.idea_create, acting_user=people["carl"], department=department, title="Dim"
    )
    await watcher.receive()  # its idea.created
    await in_transaction(services.idea_merge, duplicate=duplicate, target=idea, acting_user=people["max"])
    merged = await watcher.receive()
    assert_shape(merged, events.IdeaMergedEvent)
    assert (
        merged["idea"] == duplicate.pk and merged["into"] == idea.pk and merged["into_url"] == idea.get_absolute_url()
    )
    after = await watcher.receive()
    assert after == {"type": "idea.votes", "board": department.pk, "idea": idea.pk, "vote_count": 1}  # Carl, once

    await in_transaction(services.idea_delete, acting_user=people["max"], idea=idea)
    deleted = await watcher.receive()
    assert_shape(deleted, events.IdeaDeletedEvent)
    await watcher.close()


async def test_a_status_change_notifies_each_voter_live(application, sales):
    department, people = sales
    idea = await sync_to_async(services.idea_create)(
        acting_user=people["carl"], department=department, title="Dark mode"
    )
    await sync_to_async(services.idea_vote)(idea=idea, acting_user=people["mia"])
    voter = await open_socket(application, people["mia"])  # not watching the board: the bell is account-wide
    await in_transaction(services.idea_set_status, idea=idea, status="planned", acting_user=people["max"])
    frame = await voter.receive()
    assert frame["type"] == "notification" and frame["unread_count"] == 1
    assert frame["notification"]["title"] == "“Dark mode” is now Planned"
    assert frame["notification"]["url"] == f"/ideas/sales/{idea.pk}/"
    await voter.close()


async def test_a_ballot_sends_the_new_count_and_never_a_choice(application, sales):
    department, people = sales
    poll = await sync_to_async(services.poll_create)(
        acting_user=people["max"],
        department=department,
        question="Q?",
        kind="single",
        options=["A", "B"],
        is_anonymous=True,
    )
    option = await sync_to_async(lambda: poll.options.first().pk)()
    watcher = await open_socket(application, people["carl"])
    await watch_board(watcher, department)
    await in_transaction(services.poll_vote, poll=poll, acting_user=people["mia"], option_ids=[option])
    frame = await watcher.receive()
    assert_shape(frame, events.PollBallotsEvent)
    assert frame == {
        "type": "poll.ballots",
        "board": department.pk,
        "poll": poll.pk,
        "ballot_count": 1,
        "closed": False,
    }
    await in_transaction(services.poll_close, acting_user=people["max"], poll=poll)
    assert (await watcher.receive())["closed"] is True
    await watcher.close()


async def test_nothing_is_sent_when_the_vote_is_refused_or_rolled_back(application, sales):
    department, people = sales
    idea = await sync_to_async(services.idea_create)(
        acting_user=people["carl"], department=department, title="Dark mode"
    )
    watcher = await open_socket(application, people["mia"])
    await watch_board(watcher, department)

    def vote_then_fail():
        with transaction.atomic():
            services.idea_vote(idea=idea, acting_user=people["max"])
            raise RuntimeError("the request failed after the vote")

    with pytest.raises(RuntimeError):
        await sync_to_async(vote_then_fail)()
    with pytest.raises(Exception, match="already voted"):
        await in_transaction(services.idea_vote, idea=idea, acting_user=people["carl"])
    assert await watcher.nothing(timeout=0.3, ignore=())
    await watcher.close()
