"""Demo ideas and polls for every board, made through the services so they are real data.

Idempotent: a board that already has ideas is left alone. Votes are spread over the past
weeks (bulk-created, then recounted) so that "top" and "trending" differ visibly.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.models import User
from apps.core.demo import DemoContext, demo_step
from apps.departments.access import readers_of
from apps.departments.models import Department, Membership

from . import services
from .models import Idea, IdeaVote

IDEAS = [
    ("A shared calendar of customer visits", "So we stop booking the **same customer** twice in a week."),
    ("Dark mode for the CRM", "Long days in the CRM are hard on the eyes. A dark theme would help."),
    ("Templates for the weekly report", "Half the report is the same every week: a template would save an hour."),
    ("Quiet hours on Wednesday mornings", "No meetings before noon on Wednesdays, to get *deep work* done."),
    ("Self-service expense claims on mobile", "Take a photo of the receipt, done. No more paper forms."),
    ("A buddy for every new joiner", "Someone who is not their manager, for the first three months."),
    ("Rotate the on-call duty fairly", "A published rota, swaps allowed, visible to everyone."),
    ("Shorter all-hands, with questions first", "Start with the questions people sent in, then the slides."),
    ("One place for our process documents", "Today they live in four tools. Pick one and link the rest."),
    ("Night theme in the CRM", "Same as the dark mode idea, really: please make the CRM darker."),
]
COMMENTS = [
    "Yes please, this would save me a lot of time.",
    "We tried something like this in my last company and it **worked well**.",
    "How would this work for the people at the other sites?",
    "+1, and it should be easy to switch off.",
    "I can help test it.",
]
STATUS_NOTES = {
    "under_review": "We are looking at the cost and will come back to you **next week**.",
    "planned": "Planned for next quarter. Thanks to everyone who voted.",
    "in_progress": "Work has started; first version expected in about a month.",
    "shipped": "Live since Monday. Tell us how it works for you.",
    "declined": "Not this year: the budget went to the tools migration. We will look again in spring.",
}
POLLS = [
    ("What should we focus on next quarter?", "ranked", False,
     ["Faster customer answers", "Better onboarding", "Fewer meetings", "Cleaner documentation"]),
    ("How useful was the last all-hands?", "single", True, ["Very useful", "Somewhat useful", "Not useful"]),
]  # fmt: skip


@dataclass
class Seeded:
    ideas: int = 0
    polls: int = 0


def seed_voting(*, seed: int = 42, max_voters: int = 15) -> Seeded:
    """Ideas (with votes, comments, answers and one merge) and two polls on each board that has no ideas yet."""
    seeded = Seeded()
    now = timezone.now()
    for department in Department.objects.order_by("pk"):
        if Idea.objects.filter(department=department).exists():
            continue
        rng = random.Random(f"{seed}-voting-{department.slug}")
        people = _members(department, limit=60)
        managers = [p for p in people if p.role == Membership.Role.MANAGER] or list(
            User.objects.filter(is_staff=True, is_active=True)[:1]
        )
        if len(people) < 2 or not managers:
            continue
        manager = managers[0]
        ideas = []
        for title, description in IDEAS:
            author = rng.choice(people)
            ideas.append(
                services.idea_create(acting_user=author, department=department, title=title, description=description)
            )
            for _ in range(rng.randint(0, 3)):
                services.comment_create(acting_user=rng.choice(people), idea=ideas[-1], body=rng.choice(COMMENTS))
        for idea in ideas:
            # Older ideas got their votes weeks ago: "top" and "trending" then tell different stories.
            age = rng.uniform(0, 60)
            voters = [
                p for p in rng.sample(people, min(len(people), rng.randint(0, max_voters))) if p.pk != idea.author_id
            ]
            IdeaVote.objects.bulk_create(
                [IdeaVote(idea=idea, user=v, created_at=now - timedelta(days=age * rng.random())) for v in voters],
                ignore_conflicts=True,
            )
            services.idea_recount(acting_user=None, idea=idea)
        for idea, status in zip(ideas[:5], STATUS_NOTES, strict=False):
            services.idea_set_status(acting_user=manager, idea=idea, status=status, note=STATUS_NOTES[status])
        services.idea_merge(acting_user=manager, duplicate=ideas[-1], target=ideas[1])
        seeded.ideas += len(ideas)
        for question, kind, anonymous, options in POLLS:
            poll = services.poll_create(
                acting_user=manager,
                department=department,
                question=question,
                kind=kind,
                options=options,
                is_anonymous=anonymous,
            )
            option_ids = list(poll.options.values_list("pk", flat=True))
            for voter in rng.sample(people, min(len(people), max_voters)):
                choice = (
                    rng.sample(option_ids, rng.randint(1, len(option_ids)))
                    if kind == "ranked"
                    else [rng.choice(option_ids)]
                )
                services.poll_vote(acting_user=voter, poll=poll, option_ids=choice)
            seeded.polls += 1
    return seeded


@demo_step("voting.boards", after=["departments.memberships", "people.profiles"], atomic=False)
def seed_voting_step(ctx: DemoContext) -> str:
    """Boards that already have ideas are left alone; `manage.py seed_voting` runs the same."""
    seeded = seed_voting(seed=ctx.seed)
    return f"{seeded.ideas} new ideas and {seeded.polls} new polls"


def _members(department: Department, *, limit: int) -> list[User]:
    """Active people of the board with their `role` (everyone is in the company-wide one), managers first."""
    role = Membership.objects.filter(department=department, user=OuterRef("pk")).values("role")[:1]
    users = readers_of(department).select_related("profile")
    users = users.annotate(role=Coalesce(Subquery(role), Value(Membership.Role.MEMBER)))
    return list(users.order_by("role", "pk")[:limit])  # "manager" sorts before "member"
