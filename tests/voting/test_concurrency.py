"""Votes fired at the same moment from real threads, each on its own PostgreSQL connection.

Nothing is counted twice and nothing is lost: each service locks the idea or poll row,
recounts in the same transaction, and unique constraints back the checks up.
"""

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connections

from apps.core.errors import ServiceError
from apps.voting import services
from apps.voting.models import Idea, IdeaVote, Poll, PollBallot, PollChoice, PollParticipation
from tests.factories import UserFactory, add_member
from tests.voting.conftest import make_poll, option_ids

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run every call in its own thread, released together; return each result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            outcomes[index] = error
        finally:
            connections.close_all()  # back to the pool: every thread had its own connection

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a voting thread hung"
    return outcomes


def refusals(outcomes: list[object]) -> Counter:
    unexpected = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, ServiceError)]
    assert not unexpected, unexpected
    return Counter(o.code for o in outcomes if isinstance(o, ServiceError))


@pytest.fixture
def voters(department):
    people = [UserFactory(display_name=f"Voter {i:02d}") for i in range(THREADS)]
    for person in people:
        add_member(department, person)
    return people


def test_twenty_people_voting_at_once_are_all_counted(idea, voters):
    outcomes = at_once([lambda v=v: services.idea_vote(idea=idea, acting_user=v) for v in voters])
    assert refusals(outcomes) == Counter()
    idea.refresh_from_db()
    assert idea.vote_count == THREADS + 1 == IdeaVote.objects.filter(idea=idea).count()


def test_one_person_voting_twenty_times_at_once_counts_once(idea, member):
    outcomes = at_once([lambda: services.idea_vote(idea=idea, acting_user=member)] * THREADS)
    assert refusals(outcomes) == Counter({"already_voted": THREADS - 1})
    idea.refresh_from_db()
    assert idea.vote_count == 2 == IdeaVote.objects.filter(idea=idea).count()


def test_votes_and_votes_taken_back_at_once_leave_an_exact_count(idea, voters):
    leaving, joining = voters[: THREADS // 2], voters[THREADS // 2 :]
    for voter in leaving:
        services.idea_vote(idea=idea, acting_user=voter)
    calls = [lambda v=v: services.idea_unvote(idea=idea, acting_user=v) for v in leaving]
    calls += [lambda v=v: services.idea_vote(idea=idea, acting_user=v) for v in joining]
    assert refusals(at_once(calls)) == Counter()
    idea.refresh_from_db()
    assert idea.vote_count == 1 + len(joining) == IdeaVote.objects.filter(idea=idea).count()


def test_a_merge_racing_with_votes_loses_and_doubles_nothing(idea, other_idea, voters, manager):
    calls = [lambda v=v: services.idea_vote(idea=other_idea, acting_user=v) for v in voters[:10]]
    calls += [lambda v=v: services.idea_vote(idea=idea, acting_user=v) for v in voters[5:15]]
    calls.append(lambda: services.idea_merge(duplicate=other_idea, target=idea, acting_user=manager))
    outcomes = at_once(calls)
    # A vote on the duplicate that came after the merge is refused as "merged". Someone who
    # voted on both, and whose duplicate vote the merge moved over first, is told
    # "already_voted" on the target: still one vote. Nothing else is refused.
    assert set(refusals(outcomes[:10])) <= {"merged"}
    assert set(refusals(outcomes[10:20])) <= {"already_voted"}
    overlap = {v.pk for v in voters[5:10]}
    refused_on_target = [v.pk for v, o in zip(voters[5:15], outcomes[10:20], strict=True) if isinstance(o, Exception)]
    assert set(refused_on_target) <= overlap
    counted = {v.pk for v, o in zip(voters[:10], outcomes[:10], strict=True) if not isinstance(o, Exception)}
    counted |= {v.pk for v in voters[5:15]} | {idea.author_id}
    idea.refresh_from_db()
    assert set(idea.votes.values_list("user_id", flat=True)) == counted
    assert idea.vote_count == len(counted)
    assert not IdeaVote.objects.filter(idea=other_idea).exists()
    assert Idea.objects.get(pk=other_idea.pk).merged_into_id == idea.pk


@pytest.mark.parametrize("anonymous", [False, True])
def test_twenty_ballots_at_once_are_all_counted(department, colleague, voters, anonymous):
    poll = make_poll(department, colleague, "ranked", is_anonymous=anonymous)
    first, second, _third = option_ids(poll)
    outcomes = at_once(
        [lambda v=v: services.poll_vote(poll=poll, acting_user=v, option_ids=[second, first]) for v in voters]
    )
    assert refusals(outcomes) == Counter()
    poll.refresh_from_db()
    assert poll.ballot_count == THREADS == PollBallot.objects.filter(poll=poll).count()
    assert PollParticipation.objects.filter(poll=poll).count() == THREADS
    assert PollChoice.objects.filter(ballot__poll=poll).count() == 2 * THREADS


def test_one_person_casting_twenty_ballots_at_once_casts_one(department, colleague, member):
    poll = make_poll(department, colleague, is_anonymous=True)
    outcomes = at_once(
        [lambda: services.poll_vote(poll=poll, acting_user=member, option_ids=option_ids(poll)[:1])] * THREADS
    )
    assert refusals(outcomes) == Counter({"already_voted": THREADS - 1})
    assert Poll.objects.get(pk=poll.pk).ballot_count == 1 == PollBallot.objects.filter(poll=poll).count()
