"""Reads about ideas and polls that the HTML views and the API share."""

from dataclasses import dataclass, field
from functools import cache

from django.db.models import Count, QuerySet

from apps.core.compiled import KeyQuery, PersonQuery
from apps.core.pagination import Page, keyset_page, page_of
from apps.departments.models import Department
from apps.people.models import Profile

from .access import can_manage_poll
from .models import Idea, IdeaStatusChange, Poll, PollBallot, PollChoice, PollParticipation
from .ranked import instant_runoff

# Each ordering ends with the unique id, so keyset cursors are exact.
SORTS: dict[str, tuple[str, ...]] = {
    "top": ("-vote_count", "-id"),
    "trending": ("-trending_score", "-id"),
    "new": ("-id",),
}
SORT_LABELS = {"top": "Top", "trending": "Trending", "new": "New"}
DEFAULT_SORT = "top"


def parse_sort(value: str | None) -> str:
    return value if value in SORTS else DEFAULT_SORT


def parse_status(value: str | None) -> str | None:
    return value if value in Idea.Status.values else None


def board_ideas(user, *, department: Department | None = None, status: str | None = None, query: str = "") -> QuerySet:
    """The ideas a board lists for `user`: merged duplicates left out, `my_vote` and the author's name in one query."""
    ideas = Idea.objects.visible_to(user).on_board().with_status(status).search(query)
    if department is not None:
        ideas = ideas.filter(department=department)
    return ideas.with_my_vote(user).select_related("author__profile", "department")


@cache
def _first_board_page(sort: str, status: str | None, size: int) -> PersonQuery:
    def build(user, pk: int) -> QuerySet:
        ideas = board_ideas(user, department=Department(pk=pk), status=status)
        return ideas.order_by(*SORTS[sort])[: size + 1]

    return PersonQuery(build, key=int)


def board_page(
    user, department: Department, *, sort: str, status: str | None, query: str, cursor: str | None, size: int
) -> Page:
    """A page of `board_ideas` in `sort` order (a key of SORTS; `status` from parse_status).

    A first page without a search is read with SQL compiled once per process (for each sort
    and status): building the board's query was a third of the page's time (BENCHMARKS.md).
    """
    if cursor or query:
        ideas = board_ideas(user, department=department, status=status, query=query)
        return keyset_page(ideas, fields=SORTS[sort], cursor=cursor, size=size)
    ideas = _first_board_page(sort, status, size).objects(user, department.pk)
    return page_of(ideas, fields=SORTS[sort], size=size)


_STATUS_COUNTS = KeyQuery(
    lambda pk: (
        Idea.objects.on_board().filter(department_id=pk).order_by().values_list("status").annotate(n=Count("id"))
    ),
    key=int,
)


def status_counts(department: Department) -> dict[str, int]:
    """How many ideas of the board are in each status (and "all"), in one query."""
    counts = dict.fromkeys(Idea.Status.values, 0) | dict(_STATUS_COUNTS.rows(department.pk))
    counts["all"] = sum(counts.values())
    return counts


def idea_history(idea: Idea) -> QuerySet[IdeaStatusChange]:
    return idea.status_changes.select_related("actor__profile")


def idea_voters(idea: Idea) -> QuerySet[Profile]:
    """Who voted for the idea, most recent first. Idea votes are public, like a like."""
    return (
        Profile.objects.active()
        .filter(user__idea_votes__idea=idea)
        .select_related("user")
        .order_by("-user__idea_votes__created_at", "-id")
    )


def user_voted(idea: Idea, user) -> bool:
    return idea.votes.filter(user_id=user.pk).exists()


# Polls


def board_polls(user, *, department: Department | None = None) -> QuerySet[Poll]:
    polls = Poll.objects.visible_to(user).with_my_participation(user).select_related("author__profile", "department")
    if department is not None:
        polls = polls.filter(department=department)
    return polls


def has_voted(poll: Poll, user) -> bool:
    return PollParticipation.objects.filter(poll=poll, user_id=user.pk).exists()


def can_see_results(user, poll: Poll, *, voted: bool) -> bool:
    """Results show once you voted or the poll closed (so early results sway no one); to its managers always."""
    return voted or poll.closed or can_manage_poll(user, poll)


def my_choices(poll: Poll, user) -> list[int] | None:
    """The option ids of the user's ballot, in rank order; None in an anonymous poll, where nothing links them."""
    if poll.is_anonymous:
        return None
    return list(
        PollChoice.objects.filter(ballot__poll=poll, ballot__voter_id=user.pk)
        .order_by("rank", "option__position")
        .values_list("option_id", flat=True)
    )


@dataclass
class OptionResult:
    id: int
    label: str
    votes: int
    percent: float
    leading: bool = False
    eliminated: bool = False


@dataclass
class RoundResult:
    number: int
    rows: list[OptionResult]
    continuing_ballots: int
    exhausted_ballots: int
    explanation: str


@dataclass
class PollResults:
    ballot_count: int
    options: list[OptionResult]
    summary: str
    winners: list[int] = field(default_factory=list)
    rounds: list[RoundResult] = field(default_factory=list)


def poll_results(poll: Poll) -> PollResults:
    """Counts per option (first preferences for ranked choice) and, for ranked choice, the instant-runoff rounds."""
    options = list(poll.options.all())
    labels = {option.pk: option.label for option in options}
    if poll.kind == Poll.Kind.RANKED:
        return _ranked_results(poll, options, labels)
    ballots = PollBallot.objects.filter(poll=poll).count()  # not `poll.ballot_count`: the caller's copy may be stale
    counts = dict(
        PollChoice.objects.filter(ballot__poll=poll).order_by().values_list("option_id").annotate(count=Count("pk"))
    )
    top = max(counts.values(), default=0)
    rows = []
    for option in options:
        votes = counts.get(option.pk, 0)
        rows.append(OptionResult(option.pk, option.label, votes, _percent(votes, ballots), leading=0 < top == votes))
    winners = [row.id for row in rows if row.leading]
    if not ballots:
        summary = "No votes yet."
    elif len(winners) == 1:
        summary = f"“{labels[winners[0]]}” {'won' if poll.closed else 'leads'} with {top} of {ballots} votes."
    else:
        summary = f"Tie between {_and(labels[w] for w in winners)}: {top} votes each."
    return PollResults(ballot_count=ballots, options=rows, summary=summary, winners=winners)


def _ranked_results(poll: Poll, options, labels) -> PollResults:
    rankings: dict = {}
    for ballot_id, option_id in (
        PollChoice.objects.filter(ballot__poll=poll).order_by("ballot_id", "rank").values_list("ballot_id", "option_id")
    ):
        rankings.setdefault(ballot_id, []).append(option_id)
    runoff = instant_runoff(list(rankings.values()), [o.pk for o in options], labels)
    first = runoff.rounds[0].tallies if runoff.rounds else [(o.pk, 0) for o in options]
    total = len(rankings)
    winners = [runoff.winner] if runoff.winner else list(runoff.tied)
    rows = [OptionResult(pk, labels[pk], votes, _percent(votes, total), leading=pk in winners) for pk, votes in first]
    rounds = [
        RoundResult(
            number=r.number,
            rows=[
                OptionResult(
                    pk,
                    labels[pk],
                    votes,
                    _percent(votes, r.continuing_ballots),
                    leading=pk == r.winner,
                    eliminated=pk in r.eliminated,
                )
                for pk, votes in r.tallies
            ],
            continuing_ballots=r.continuing_ballots,
            exhausted_ballots=r.exhausted_ballots,
            explanation=r.explanation,
        )
        for r in runoff.rounds
    ]
    return PollResults(ballot_count=total, options=rows, summary=runoff.explanation, winners=winners, rounds=rounds)


def poll_voters_by_option(poll: Poll) -> dict[int, list[str]]:
    """Who chose each option (in ranked choice: whose first choice it is). Never for an anonymous poll."""
    if poll.is_anonymous:
        raise ValueError("An anonymous poll has no voters to show.")
    choices = PollChoice.objects.filter(ballot__poll=poll, ballot__voter__isnull=False)
    if poll.kind == Poll.Kind.RANKED:
        choices = choices.filter(rank=1)
    names: dict[int, list[str]] = {}
    rows = choices.order_by("ballot__voter__profile__display_name", "ballot__voter_id").values_list(
        "option_id", "ballot__voter__profile__display_name"
    )
    for option_id, name in rows:
        names.setdefault(option_id, []).append(name)
    return names


@dataclass
class NamedBallot:
    voter: str
    ranking: list[str] = field(default_factory=list)  # option labels, first choice first
    option_ids: list[int] = field(default_factory=list)


def named_rankings(poll: Poll) -> list[NamedBallot]:
    """Each voter's full ranking in a ranked-choice poll that is not anonymous, by voter name."""
    if poll.is_anonymous:
        raise ValueError("An anonymous poll has no named ballots.")
    ballots: dict[int, NamedBallot] = {}
    rows = (
        PollChoice.objects.filter(ballot__poll=poll, ballot__voter__isnull=False)
        .order_by("ballot__voter__profile__display_name", "ballot__voter_id", "rank")
        .values_list("ballot__voter_id", "ballot__voter__profile__display_name", "option_id", "option__label")
    )
    for voter_id, name, option_id, label in rows:
        ballot = ballots.setdefault(voter_id, NamedBallot(voter=name))
        ballot.ranking.append(label)
        ballot.option_ids.append(option_id)
    return list(ballots.values())


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _and(items) -> str:
    quoted = [f"“{item}”" for item in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
