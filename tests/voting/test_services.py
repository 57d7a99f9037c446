"""Ideas and polls through their services: what must happen, and what must be refused without changing anything."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import Conflict, Invalid, NotFound, ServiceError
from apps.core.pagination import keyset_page
from apps.notifications.models import Notification
from apps.voting import selectors, services
from apps.voting.models import Idea, IdeaStatusChange, IdeaVote, PollBallot, PollChoice, PollParticipation
from apps.voting.trending import NO_VOTES_SCORE, heat, trending_score
from tests.factories import UserFactory, add_member
from tests.voting.conftest import make_poll, option_ids

pytestmark = pytest.mark.django_db


def codes(error: ServiceError) -> list[str]:
    return [error.code]


def sales_member(department, name: str):
    user = UserFactory(display_name=name)
    add_member(department, user)
    return user


# Ideas: proposing, voting


def test_proposing_an_idea_counts_the_authors_own_vote_and_renders_safe_markdown(department, member):
    idea = services.idea_create(
        acting_user=member,
        department=department,
        title="  Shorter   forms ",
        description="**Bold** <script>x()</script>",
    )
    assert idea.title == "Shorter forms"
    assert idea.vote_count == 1 and idea.status == Idea.Status.OPEN
    assert list(idea.votes.values_list("user", flat=True)) == [member.pk]
    assert "<strong>Bold</strong>" in idea.description_html and "<script>" not in idea.description_html
    assert Idea.objects.get(pk=idea.pk).vote_count == 1


def test_an_idea_needs_a_title_and_a_board_one_may_use(department, member, outsider):
    with pytest.raises(Invalid) as error:
        services.idea_create(acting_user=member, department=department, title="   ")
    assert "title" in error.value.errors
    with pytest.raises(NotFound):
        services.idea_create(acting_user=outsider, department=department, title="Let me in")
    assert not Idea.objects.exists()


def test_a_member_votes_once_and_can_take_the_vote_back(idea, member):
    idea = services.idea_vote(idea=idea, acting_user=member)
    assert idea.vote_count == 2
    with pytest.raises(Conflict) as error:
        services.idea_vote(idea=idea, acting_user=member)
    assert codes(error.value) == ["already_voted"]
    assert Idea.objects.get(pk=idea.pk).vote_count == 2
    assert IdeaVote.objects.filter(idea=idea).count() == 2

    idea = services.idea_unvote(idea=idea, acting_user=member)
    assert idea.vote_count == 1
    with pytest.raises(Conflict) as error:
        services.idea_unvote(idea=idea, acting_user=member)
    assert codes(error.value) == ["not_voted"]
    assert Idea.objects.get(pk=idea.pk).vote_count == 1


def test_the_author_can_take_back_their_own_vote(idea, colleague):
    assert services.idea_unvote(idea=idea, acting_user=colleague).vote_count == 0
    assert Idea.objects.get(pk=idea.pk).trending_score == NO_VOTES_SCORE


def test_voting_on_a_board_one_may_not_read_is_refused_and_changes_nothing(idea, outsider, company_wide, member):
    with pytest.raises(NotFound):
        services.idea_vote(idea=idea, acting_user=outsider)
    assert Idea.objects.get(pk=idea.pk).vote_count == 1
    # Everyone may use the All staff board.
    everyone = services.idea_create(acting_user=member, department=company_wide, title="Free fruit")
    assert services.idea_vote(idea=everyone, acting_user=outsider).vote_count == 2


@pytest.mark.parametrize("status", ["shipped", "declined"])
def test_answered_ideas_no_longer_take_votes(idea, manager, member, status):
    services.idea_set_status(idea=idea, status=status, acting_user=manager)
    for act in (services.idea_vote, services.idea_unvote):
        with pytest.raises(Conflict) as error:
            act(idea=idea, acting_user=member)
        assert codes(error.value) == ["voting_closed"]
    assert Idea.objects.get(pk=idea.pk).vote_count == 1


# Statuses and history


def test_a_status_change_is_kept_in_the_history_and_notifies_voters_and_author(department, idea, member, manager):
    bystander = sales_member(department, "Bystander")
    services.idea_vote(idea=idea, acting_user=member)
    services.idea_vote(idea=idea, acting_user=manager)
    change = services.idea_set_status(idea=idea, status="planned", acting_user=manager, note="For **Q3**.")

    idea.refresh_from_db()
    assert idea.status == "planned"
    assert (change.old_status, change.new_status, change.actor) == ("open", "planned", manager)
    assert change.note_html == "<p>For <strong>Q3</strong>.</p>"
    assert list(selectors.idea_history(idea)) == [change]
    notified = Notification.objects.filter(kind="idea_status")
    # The voter and the author (who voted by proposing); not the manager who acted, not a bystander.
    assert {n.recipient.display_name for n in notified} == {"Mia Member", "Carl Colleague"}
    assert {n.url for n in notified} == {f"/ideas/sales/{idea.pk}/"}
    assert all("is now Planned" in n.title for n in notified)
    assert not Notification.objects.filter(recipient=bystander).exists()


def test_a_status_change_must_change_something_and_be_known(idea, manager):
    with pytest.raises(Invalid) as error:
        services.idea_set_status(idea=idea, status="open", acting_user=manager)
    assert "status" in error.value.errors
    with pytest.raises(Invalid):
        services.idea_set_status(idea=idea, status="maybe", acting_user=manager)
    assert not IdeaStatusChange.objects.exists()
    assert not Notification.objects.exists()


# Merging


def test_merging_moves_votes_counts_a_double_voter_once_and_points_to_the_target(
    department, idea, other_idea, member, manager
):
    both, only_dup = sales_member(department, "Both"), sales_member(department, "Only duplicate")
    services.idea_vote(idea=idea, acting_user=both)
    services.idea_vote(idea=other_idea, acting_user=both)
    services.idea_vote(idea=other_idea, acting_user=only_dup)
    services.idea_vote(idea=idea, acting_user=member)
    # idea: colleague (author), both, member = 3; other_idea: colleague (author), both, only_dup = 3
    target = services.idea_merge(duplicate=other_idea, target=idea, acting_user=manager)

    assert target.vote_count == 4  # colleague and both counted once each, plus member and only_dup
    assert set(idea.votes.values_list("user__profile__display_name", flat=True)) == {
        "Carl Colleague", "Both", "Mia Member", "Only duplicate"
    }  # fmt: skip
    other_idea.refresh_from_db()
    assert other_idea.merged_into == idea and other_idea.vote_count == 0 and other_idea.merged_at
    assert list(selectors.board_ideas(member, department=department)) == [idea]
    assert set(idea.merged_ideas.all()) == {other_idea}
    titles = Notification.objects.filter(kind="idea_merged").values_list("recipient__profile__display_name", flat=True)
    assert set(titles) == {"Carl Colleague", "Both", "Only duplicate"}


def test_ideas_merged_into_a_duplicate_follow_it(department, idea, other_idea, colleague, manager):
    third = services.idea_create(acting_user=colleague, department=department, title="Dim the CRM")
    services.idea_merge(duplicate=third, target=other_idea, acting_user=manager)
    services.idea_merge(duplicate=other_idea, target=idea, acting_user=manager)
    third.refresh_from_db()
    assert third.merged_into == idea


def test_merges_that_make_no_sense_are_refused_and_change_nothing(
    department, other_department, idea, other_idea, colleague, manager, admin_user
):
    with pytest.raises(Invalid):
        services.idea_merge(duplicate=idea, target=idea, acting_user=manager)
    add_member(department, admin_user)  # an admin who moderates both boards, as a member of each
    add_member(other_department, admin_user)
    legal = services.idea_create(acting_user=admin_user, department=other_department, title="Dark mode")
    with pytest.raises(Invalid) as error:
        services.idea_merge(duplicate=legal, target=idea, acting_user=admin_user)
    assert "same board" in str(error.value)
    services.idea_merge(duplicate=other_idea, target=idea, acting_user=manager)
    with pytest.raises(Conflict) as error:
        services.idea_merge(duplicate=other_idea, target=idea, acting_user=manager)
    assert codes(error.value) == ["merged"]
    third = services.idea_create(acting_user=colleague, department=department, title="Third")
    with pytest.raises(Invalid) as error:
        services.idea_merge(duplicate=third, target=other_idea, acting_user=manager)
    assert "into" in error.value.errors
    assert Idea.objects.get(pk=idea.pk).vote_count == 1 and Idea.objects.get(pk=third.pk).merged_into is None


def test_a_merged_idea_takes_no_votes_comments_or_status(idea, other_idea, member, manager):
    services.idea_merge(duplicate=other_idea, target=idea, acting_user=manager)
    other_idea.refresh_from_db()
    for act in (
        lambda: services.idea_vote(idea=other_idea, acting_user=member),
        lambda: services.comment_create(idea=other_idea, acting_user=member, body="Hi"),
        lambda: services.idea_set_status(idea=other_idea, status="planned", acting_user=manager),
    ):
        with pytest.raises(Conflict) as error:
            act()
        assert codes(error.value) == ["merged"]


# Comments


def test_comments_are_counted_rendered_and_notify_the_author(idea, member, colleague):
    comment = services.comment_create(idea=idea, acting_user=member, body="We need *this*.")
    assert comment.body_html == "<p>We need <em>this</em>.</p>"
    idea.refresh_from_db()
    assert idea.comment_count == 1
    notification = Notification.objects.get(kind="idea_comment")
    assert notification.recipient == colleague and notification.url.endswith(f"#comment-{comment.pk}")
    with pytest.raises(Invalid):
        services.comment_create(idea=idea, acting_user=member, body="  ")
    services.comment_delete(acting_user=member, comment=comment)
    idea.refresh_from_db()
    assert idea.comment_count == 0


# Sorting, trending, search


def test_trending_sorts_like_the_decayed_vote_weight_at_any_moment():
    """The stored score orders ideas exactly as Σ 0.5^(age / 7 days) would, whenever one looks."""
    rng = random.Random(5)
    start = timezone.now() - timedelta(days=300)
    ideas = [[start + timedelta(days=rng.uniform(0, 300)) for _ in range(rng.randint(0, 12))] for _ in range(40)]
    by_score = sorted(range(40), key=lambda i: trending_score(ideas[i]), reverse=True)
    for now in (timezone.now(), timezone.now() + timedelta(days=90)):
        by_heat = sorted(range(40), key=lambda i: heat(ideas[i], now), reverse=True)
        assert by_score == by_heat


def test_recent_votes_weigh_more_than_old_ones():
    now = timezone.now()
    three_fresh = [now - timedelta(hours=h) for h in (1, 2, 3)]
    five_old = [now - timedelta(days=30 + d) for d in range(5)]
    assert trending_score(three_fresh) > trending_score(five_old)
    # One vote a week ago weighs half a vote today: two of them equal one today.
    assert trending_score([now - timedelta(days=7)] * 2) == pytest.approx(trending_score([now]))
    assert trending_score([]) == NO_VOTES_SCORE < trending_score([now - timedelta(days=3650)])


def test_the_board_sorts_by_top_trending_and_new(department, member, colleague, manager):
    old = services.idea_create(acting_user=colleague, department=department, title="Old favourite")
    fresh = services.idea_create(acting_user=colleague, department=department, title="Fresh")
    newest = services.idea_create(acting_user=colleague, department=department, title="Newest, no votes yet")
    services.idea_unvote(idea=newest, acting_user=colleague)
    voters = [sales_member(department, f"Voter {i}") for i in range(3)]
    for voter in voters:
        services.idea_vote(idea=old, acting_user=voter)
    IdeaVote.objects.filter(idea=old).update(created_at=timezone.now() - timedelta(days=60))
    services.idea_unvote(idea=old, acting_user=colleague)  # recomputes from the back-dated votes
    services.idea_vote(idea=fresh, acting_user=member)

    def order(sort):
        ideas = selectors.board_ideas(member, department=department)
        return [i.title for i in keyset_page(ideas, fields=selectors.SORTS[sort], cursor=None, size=10).items]

    assert order("top") == ["Old favourite", "Fresh", "Newest, no votes yet"]
    assert order("trending") == ["Fresh", "Old favourite", "Newest, no votes yet"]
    assert order("new") == ["Newest, no votes yet", "Fresh", "Old favourite"]


def test_cursor_pages_through_ties_exactly(department, colleague):
    Idea.objects.bulk_create(
        [Idea(department=department, author=colleague, title=f"Idea {i}", vote_count=i % 3) for i in range(70)]
    )
    ideas = selectors.board_ideas(colleague, department=department)
    for sort, fields in selectors.SORTS.items():
        seen, cursor = [], None
        while True:
            page = keyset_page(ideas, fields=fields, cursor=cursor, size=25)
            seen += [i.pk for i in page.items]
            if not (cursor := page.next_cursor):
                break
        assert len(seen) == len(set(seen)) == 70, sort


def test_search_needs_every_word_in_the_title_or_the_description(department, colleague, member):
    services.idea_create(acting_user=colleague, department=department, title="Dark mode", description="for the CRM")
    services.idea_create(acting_user=colleague, department=department, title="CRM export", description="to Excel")
    services.idea_create(acting_user=colleague, department=department, title="Lunch", description="dark chocolate")

    def titles(query):
        return sorted(i.title for i in selectors.board_ideas(member, department=department, query=query))

    assert titles("crm") == ["CRM export", "Dark mode"]
    assert titles("DARK crm") == ["Dark mode"]
    assert titles("dark") == ["Dark mode", "Lunch"]
    assert titles("excel export") == ["CRM export"]
    assert titles("nothing") == []


def test_status_counts_leave_out_merged_ideas(department, idea, other_idea, manager):
    services.idea_set_status(idea=idea, status="planned", acting_user=manager)
    assert selectors.status_counts(department) | {} == {
        "open": 1, "under_review": 0, "planned": 1, "in_progress": 0, "shipped": 0, "declined": 0, "all": 2
    }  # fmt: skip
    services.idea_merge(duplicate=other_idea, target=idea, acting_user=manager)
    assert selectors.status_counts(department)["all"] == 1


# Polls


def test_a_poll_needs_a_question_two_distinct_options_and_a_future_closing_time(department, member):
    past = timezone.now() - timedelta(minutes=1)
    cases = [
        ({"question": " "}, "question"),
        ({"options": ["Only one"]}, "options"),
        ({"options": ["Same", "same "]}, "options"),
        ({"options": [f"O{i}" for i in range(21)]}, "options"),
        ({"closes_at": past}, "closes_at"),
        ({"max_choices": 2}, "max_choices"),
        ({"kind": "multiple", "max_choices": 4}, "max_choices"),
        ({"kind": "plurality"}, "kind"),
    ]
    for change, field in cases:
        arguments = {"question": "Q?", "kind": "single", "options": ["A", "B", "C"]} | change
        with pytest.raises(Invalid) as error:
            services.poll_create(acting_user=member, department=department, **arguments)
        assert field in error.value.errors, change
    poll = services.poll_create(
        acting_user=member,
        department=department,
        question="Q?",
        kind="multiple",
        options=["A", " B ", ""],
        max_choices=2,
    )
    assert [o.label for o in poll.options.all()] == ["A", "B"]


def test_single_and_multiple_choice_ballots_are_validated(department, member, manager, colleague):
    single = make_poll(department, colleague)
    red, green, _blue = option_ids(single)
    for bad in ([], [red, green], [red, red], [99999], ["x"]):
        with pytest.raises(Invalid):
            services.poll_vote(poll=single, acting_user=member, option_ids=bad)
    assert not PollParticipation.objects.exists() and not PollBallot.objects.exists()
    services.poll_vote(poll=single, acting_user=member, option_ids=[green])

    multiple = make_poll(department, colleague, "multiple", max_choices=2)
    ids = option_ids(multiple)
    with pytest.raises(Invalid):
        services.poll_vote(poll=multiple, acting_user=member, option_ids=ids)
    services.poll_vote(poll=multiple, acting_user=member, option_ids=ids[:2])
    services.poll_vote(poll=multiple, acting_user=manager, option_ids=[ids[1]])
    results = selectors.poll_results(multiple)
    assert [(r.label, r.votes, r.percent, r.leading) for r in results.options] == [
        ("Red", 1, 50.0, False), ("Green", 2, 100.0, True), ("Blue", 0, 0.0, False)
    ]  # fmt: skip
    assert results.summary == "“Green” leads with 2 of 2 votes."


def test_voting_twice_or_on_a_closed_poll_is_refused_and_changes_nothing(department, member, colleague):
    poll = make_poll(department, colleague)
    red, green, _ = option_ids(poll)
    services.poll_vote(poll=poll, acting_user=member, option_ids=[red])
    with pytest.raises(Conflict) as error:
        services.poll_vote(poll=poll, acting_user=member, option_ids=[green])
    assert codes(error.value) == ["already_voted"]
    services.poll_close(acting_user=poll.author, poll=poll)
    with pytest.raises(Conflict) as error:
        services.poll_vote(poll=poll, acting_user=colleague, option_ids=[green])
    assert codes(error.value) == ["poll_closed"]
    poll.refresh_from_db()
    assert poll.ballot_count == 1 and PollChoice.objects.count() == 1
    assert selectors.poll_results(poll).summary == "“Red” won with 1 of 1 votes."


def test_a_poll_closes_by_itself_at_its_closing_time(department, member, colleague):
    poll = make_poll(department, colleague, closes_at=timezone.now() + timedelta(hours=1))
    poll.closes_at = timezone.now() - timedelta(seconds=1)  # as if an hour went by
    poll.save()
    with pytest.raises(Conflict) as error:
        services.poll_vote(poll=poll, acting_user=member, option_ids=option_ids(poll)[:1])
    assert codes(error.value) == ["poll_closed"]


def test_voting_in_a_poll_on_a_board_one_may_not_read_is_refused(poll, outsider):
    with pytest.raises(NotFound):
        services.poll_vote(poll=poll, acting_user=outsider, option_ids=option_ids(poll)[:1])
    assert not PollBallot.objects.exists()


def test_an_anonymous_ballot_keeps_no_link_to_its_voter(department, member, colleague):
    poll = make_poll(department, colleague, is_anonymous=True)
    services.poll_vote(poll=poll, acting_user=member, option_ids=option_ids(poll)[:1])
    ballot = PollBallot.objects.get()
    assert ballot.voter_id is None
    # Nothing on the ballot or its choices orders or dates it against the participation record.
    assert {f.name for f in PollBallot._meta.concrete_fields} == {"id", "poll", "voter"}
    assert {f.name for f in PollChoice._meta.concrete_fields} == {"id", "ballot", "option", "rank"}
    assert {f.name for f in PollParticipation._meta.concrete_fields} == {"id", "poll", "user"}
    assert selectors.my_choices(poll, member) is None
    assert PollParticipation.objects.filter(poll=poll, user=member).exists()
    with pytest.raises(Conflict) as error:
        services.poll_withdraw(poll=poll, acting_user=member)
    assert codes(error.value) == ["anonymous_ballot"]
    with pytest.raises(ValueError, match="anonymous"):
        selectors.poll_voters_by_option(poll)


def test_a_named_ballot_can_be_taken_back_while_the_poll_is_open(department, member, colleague):
    poll = make_poll(department, colleague)
    red, green, _ = option_ids(poll)
    services.poll_vote(poll=poll, acting_user=member, option_ids=[red])
    assert selectors.my_choices(poll, member) == [red]
    assert selectors.poll_voters_by_option(poll) == {red: ["Mia Member"]}
    assert services.poll_withdraw(poll=poll, acting_user=member).ballot_count == 0
    services.poll_vote(poll=poll, acting_user=member, option_ids=[green])
    assert selectors.my_choices(poll, member) == [green]
    with pytest.raises(Conflict) as error:
        services.poll_withdraw(poll=poll, acting_user=colleague)
    assert codes(error.value) == ["not_voted"]


def test_ranked_choice_results_come_from_an_instant_runoff(department, colleague):
    poll = make_poll(department, colleague, "ranked", options=["Mobile app", "Reports", "Dark mode"])
    app, reports, dark = option_ids(poll)
    ballots = [[app, dark]] * 4 + [[reports, dark]] * 3 + [[dark, reports]] * 2
    for i, ranking in enumerate(ballots):
        services.poll_vote(poll=poll, acting_user=sales_member(department, f"V{i}"), option_ids=ranking)
    results = selectors.poll_results(poll)
    assert [(r.label, r.votes) for r in results.options] == [("Mobile app", 4), ("Reports", 3), ("Dark mode", 2)]
    assert [round_.explanation for round_ in results.rounds] == [
        "Eliminated “Dark mode”: fewest votes (2).",
        "“Reports” wins with a majority: 5 of 9 ballots still counting (56 %).",
    ]
    assert results.winners == [reports] and results.summary == results.rounds[-1].explanation
    assert [(r.label, r.votes, r.eliminated) for r in results.rounds[0].rows] == [
        ("Mobile app", 4, False), ("Reports", 3, False), ("Dark mode", 2, True)
    ]  # fmt: skip
    with pytest.raises(Invalid):
        services.poll_vote(poll=poll, acting_user=sales_member(department, "Dup"), option_ids=[app, app])
    # Not anonymous: first choices by name, and every ballot in full.
    assert selectors.poll_voters_by_option(poll)[dark] == ["V7", "V8"]
    assert selectors.named_rankings(poll)[0].ranking == ["Mobile app", "Dark mode"]
